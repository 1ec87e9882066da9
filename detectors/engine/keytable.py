"""The engine's keys: their states in order of last activity, the cap, and expiry.

Keys are ordered by when their window last closed (``touch`` moves a key to the
end), so the least recently active key is first: it is the one evicted when the
table is over its cap, and keys idle past their time-to-live gather at the front,
where :meth:`KeyTable.expired` looks for them.

Examples
--------
>>> table = KeyTable(max_keys=2, ttl_seconds=60.0)
>>> _ = table.open("a", 0.0, 300.0), table.open("b", 1.0, 300.0)
>>> table.over_cap(), len(table)
(False, 2)
>>> _ = table.open("c", 2.0, 300.0)
>>> table.over_cap(), table.oldest()
(True, 'a')
>>> table.states["c"].times[1] = 100.0  # c's latest event (LAST_TS)
>>> table.expired(watermark=100.0)
['a', 'b']
"""

from __future__ import annotations

import sys
from collections import OrderedDict

from detectors.alerts import Episode
from detectors.state import layout as L
from detectors.state.keystate import KeyState

__all__ = ["EXPIRY_SCAN", "KeyTable", "key_state_bytes"]

#: Unexpired keys an expiry pass may look past: one key with a recent last event at the
#: front of the order must not shield the expired keys behind it.
EXPIRY_SCAN = 1024


class KeyTable:
    """Key states by key, in order of last activity.

    Parameters
    ----------
    max_keys
        Cap on tracked keys (when no process-wide budget is shared, see
        :meth:`detectors.engine.Engine.share_key_budget`).
    ttl_seconds
        Event time after its last event at which a key is forgotten.
    """

    def __init__(self, max_keys: int, ttl_seconds: float) -> None:
        self.max_keys = max_keys
        self.ttl_seconds = ttl_seconds
        #: The states themselves (the compiled step looks keys up here directly).
        self.states: OrderedDict[str, KeyState] = OrderedDict()

    def __len__(self) -> int:
        return len(self.states)

    def open(self, key: str, ts: float, window_seconds: float) -> KeyState:
        """A new key's state, last in the order."""
        state = self.states[key] = KeyState(ts, window_seconds)
        return state

    def touch(self, key: str) -> None:
        """The key's window closed: it is the most recently active now."""
        self.states.move_to_end(key)

    def over_cap(self) -> bool:
        return len(self.states) > self.max_keys

    def oldest(self) -> str:
        """The least recently active key."""
        return next(iter(self.states))

    def remove(self, key: str) -> KeyState:
        return self.states.pop(key)

    def expired(self, watermark: float) -> list[str]:
        """Keys idle past the TTL at ``watermark``, whatever their place in the order.

        Expired keys sit at the front; up to :data:`EXPIRY_SCAN` unexpired keys are
        looked past, so one key whose last event is recent (a late or clamped one)
        cannot shield those behind it.
        """
        horizon = watermark - self.ttl_seconds
        found = []
        kept = 0
        last_ts = L.LAST_TS  # looked up once: the loop passes over a thousand keys or more
        for key, state in self.states.items():
            if state.times[last_ts] < horizon:
                found.append(key)
            else:
                kept += 1
                if kept > EXPIRY_SCAN:
                    break
        return found

    def estimate_bytes(self, sample: int = 32) -> int:
        """Memory of all states, estimated from the first ``sample`` keys."""
        if not self.states:
            return 0
        taken = total = 0
        for key, state in self.states.items():
            total += sys.getsizeof(key) + key_state_bytes(state)
            taken += 1
            if taken >= sample:
                break
        return int(total / taken * len(self.states))


def key_state_bytes(state: KeyState) -> int:
    """Approximate deep size of one key's state."""
    total = sys.getsizeof(state)
    for name in KeyState.__slots__:
        value = getattr(state, name)
        total += sys.getsizeof(value)
        if isinstance(value, Episode):
            total += sum(sys.getsizeof(getattr(value, s)) for s in Episode.__slots__)
    return total
