"""Approximate memory of per-key state, for the engine's ``state_bytes`` gauge."""

from __future__ import annotations

import sys

from detectors.alerts import Episode
from detectors.features import KeyState

__all__ = ["key_state_bytes"]


def key_state_bytes(state: KeyState) -> int:
    """Approximate deep size of one key's state (slots, arrays, ints, lists)."""
    total = sys.getsizeof(state)
    for name in KeyState.__slots__:
        value = getattr(state, name)
        total += sys.getsizeof(value)
        if isinstance(value, list):
            total += sum(sys.getsizeof(item) for item in value)
            for item in value:
                if isinstance(item, list):
                    total += sum(sys.getsizeof(x) for x in item)
        elif isinstance(value, KeyState):
            total += key_state_bytes(value)
        elif isinstance(value, Episode):
            total += sum(sys.getsizeof(getattr(value, s)) for s in Episode.__slots__)
    return total
