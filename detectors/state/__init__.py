"""Per-key state: the layout of its arrays, the per-event step and the window fold."""

from detectors.state.keystate import KeyState
from detectors.state.layout import COUNTERS

__all__ = ["COUNTERS", "KeyState"]
