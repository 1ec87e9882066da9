"""Small, exact statistics helpers (no numpy: the inputs are short lists)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks.

    Same definition as numpy's default (``method="linear"``); ``None`` for no values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    >>> percentile([10.0], 90)
    10.0
    >>> percentile([0.0, 10.0], 90)
    9.0
    >>> percentile([], 50) is None
    True
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def distribution(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """``{n, p50, p90, max}`` of ``values``, rounded; quantiles are ``None`` when empty.

    >>> distribution([3.0, 1.0, 2.0])
    {'n': 3, 'p50': 2.0, 'p90': 2.8, 'max': 3.0}
    """
    p50 = percentile(values, 50)
    p90 = percentile(values, 90)
    return {
        "n": len(values),
        "p50": None if p50 is None else round(p50, digits),
        "p90": None if p90 is None else round(p90, digits),
        "max": round(max(values), digits) if values else None,
    }


def ratio(numerator: int, denominator: int, digits: int = 6) -> float | None:
    """``numerator / denominator`` rounded, ``None`` when the denominator is 0.

    >>> ratio(1, 3), ratio(0, 0)
    (0.333333, None)
    """
    if denominator == 0:
        return None
    return round(numerator / denominator, digits)


def f1(precision: float | None, recall: float | None, digits: int = 6) -> float:
    """Harmonic mean of precision and recall; 0 when either is undefined or both are 0.

    >>> f1(0.5, 1.0)
    0.666667
    >>> f1(None, 1.0)
    0.0
    """
    if precision is None or recall is None or precision + recall == 0:
        return 0.0
    return round(2 * precision * recall / (precision + recall), digits)
