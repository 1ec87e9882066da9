"""The optional compiled hot path (``native/``, Rust): the same results, several times faster.

``make setup`` builds it where ``cargo`` is available. Without it, or with a
build of another protocol (a stale install), the pure-Python code runs; the
results are identical either way (tests/unit/test_native.py checks that).

Examples
--------
>>> NATIVE is None or NATIVE.PROTOCOL == PROTOCOL
True
"""

from __future__ import annotations

import warnings
from types import ModuleType

__all__ = ["NATIVE", "PROTOCOL", "describe"]

#: The protocol of ``native/src/lib.rs`` this code was written against.
PROTOCOL = 14


def _load() -> ModuleType | None:
    try:
        import distillwatch_native
    except ImportError:
        return None
    found = getattr(distillwatch_native, "PROTOCOL", None)
    if found != PROTOCOL:
        warnings.warn(
            f"distillwatch_native speaks protocol {found}, this code needs {PROTOCOL}; "
            "running the pure-Python path (rebuild with `make setup`)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return distillwatch_native


#: The compiled module, or None when the pure-Python path runs.
NATIVE: ModuleType | None = _load()


def describe() -> str:
    """Which implementation runs, for benchmark headers and ``--version`` output."""
    return f"native (protocol {PROTOCOL})" if NATIVE is not None else "pure Python"
