"""Per-key state: the layout of its arrays, the per-event step and the window fold.

``KeyState`` is imported on first use, so the layout can be read (by
:mod:`detectors.native`, checking a compiled build against it) without the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detectors.state.layout import COUNTERS

if TYPE_CHECKING:
    from detectors.state.keystate import KeyState

__all__ = ["COUNTERS", "KeyState"]


def __getattr__(name: str) -> Any:
    if name == "KeyState":
        from detectors.state.keystate import KeyState

        return KeyState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
