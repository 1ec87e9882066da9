"""The optional compiled hot path (``native/``, Rust): the same results, several times faster.

``make setup`` builds it where ``cargo`` is available. Without it, with a build
of another protocol (a stale install), or with a build whose key-state layout or
cue lexicon differs from the Python modules' (a layout edited on one side only),
the pure-Python code runs; the results are identical either way
(tests/unit/test_native.py checks that). The core reads no environment: a driver
that wants the pure-Python path keeps the module out before importing
``detectors`` (``DISTILLWATCH_NATIVE=0``, pipeline/native_switch.py).

Examples
--------
>>> NATIVE is None or NATIVE.PROTOCOL == PROTOCOL
True
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

__all__ = ["NATIVE", "PROTOCOL", "describe"]

#: The protocol of ``native/src/lib.rs`` this code was written against.
PROTOCOL = 29


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
    mismatch = _mismatch(distillwatch_native.native_layout())
    if mismatch:
        warnings.warn(
            f"distillwatch_native was built with another {mismatch}; running the pure-Python "
            "path (rebuild with `make setup`)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return distillwatch_native


def _mismatch(compiled: dict[str, dict[str, Any]]) -> str | None:
    """The first constant of the key-state layout or the lexicon the build disagrees on.

    Only modules that do not import this one are checked here (the rest, engine and
    fingerprint constants included, by tests/unit/test_native.py).
    """
    from detectors import lexicon
    from detectors.state import layout, prompt_memory

    for module in (layout, lexicon, prompt_memory):
        for name, value in compiled.get(module.__name__, {}).items():
            expected = getattr(module, name, None)
            if name == "CUE_GROUPS" and isinstance(expected, dict):
                expected = list(expected.values())
            if _plain(value) != _plain(expected):
                return f"{module.__name__}.{name}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


#: The compiled module, or None when the pure-Python path runs.
NATIVE: ModuleType | None = _load()


def describe() -> str:
    """Which implementation runs, for benchmark headers and ``--version`` output."""
    return f"native (protocol {PROTOCOL})" if NATIVE is not None else "pure Python"
