"""Formatting of metric values for tables (report and console share these)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def pct(value: float | None) -> str:
    """A share as a percentage, ``n/a`` when undefined.

    >>> pct(0.1234), pct(None), pct(1.0)
    ('12.3 %', 'n/a', '100.0 %')
    """
    return "n/a" if value is None else f"{100 * value:.1f} %"


def num(value: float | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals, ``n/a`` when missing.

    >>> num(3.14159, 2), num(None)
    ('3.14', 'n/a')
    """
    return "n/a" if value is None else f"{value:.{digits}f}"


def spread(block: Mapping[str, Any] | None, digits: int = 1) -> str:
    """``p50 / p90 / max`` of a distribution block, or ``n/a``.

    >>> spread({"n": 3, "p50": 2.0, "p90": 2.8, "max": 3.0})
    '2.0 / 2.8 / 3.0'
    >>> spread({"n": 0, "p50": None, "p90": None, "max": None})
    'n/a'
    """
    if not block or not block.get("n"):
        return "n/a"
    return " / ".join(num(block[name], digits) for name in ("p50", "p90", "max"))


def count_of(part: int, whole: int) -> str:
    """``part/whole`` as text.

    >>> count_of(3, 4)
    '3/4'
    """
    return f"{part}/{whole}"
