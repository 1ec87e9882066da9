"""Keys an account mints one after another, judged as one history.

The engine scores keys, but the customer is the account. An account that mints a new
key every few requests (red team round 11, ``key_churn``: one every three requests,
about a thousand a day) leaves every key too young for any family to speak
(:func:`~detectors.evidence.families.credible` gives nothing on three requests), and
the campaign stage ties accounts, not the keys of one. So a key its account opens while
the account's previous key is still *young* (fewer than :data:`CHAIN_REQUESTS` requests
of its own) and was active within :data:`CHAIN_GAP` seconds carries on that key's
history: its state starts as a copy of the predecessor's (evidence, windows, prompt
sketches, age). A key that lived long enough to be judged on its own hands nothing
over: a team's service keys used side by side stay apart, and a key opened after an
hour's quiet starts afresh. Only keys whose events carry ``account_id`` are chained.

Examples
--------
>>> from detectors.state.keystate import KeyState
>>> from detectors.events import Event
>>> states, chain = {}, Succession()
>>> for i in range(4):
...     key = f"k{i}"
...     states[key] = state = KeyState(100.0 * i, 300.0)
...     carried = chain.opened("acct", key, state, states, 100.0 * i)
...     for j in range(3):
...         state.add(Event(100.0 * i + j, key, 20, 900), None)
>>> carried, states["k3"].total_events  # the fourth key carries all twelve requests
(True, 12)
>>> states["k3"].first_ts, chain.first_seen("k3", states["k3"])  # the chain's age, its own
(0.0, 300.0)
>>> states["late"] = KeyState(9e4, 300.0)
>>> chain.opened("acct", "late", states["late"], states, 9e4)  # an hour later: afresh
False
"""

from __future__ import annotations

from collections.abc import Mapping

from detectors.state import layout as L
from detectors.state.keystate import KeyState

__all__ = ["CHAIN_GAP", "CHAIN_REQUESTS", "Succession"]

#: Requests of its own from which a key is judged on its own and hands nothing over
#: (``credible`` speaks fully from twelve).
CHAIN_REQUESTS = 12.0
#: Seconds after the predecessor's last event within which a new key carries it on.
CHAIN_GAP = float(L.HOUR)


class Succession:
    """Per account, its latest key and how many requests that key inherited."""

    def __init__(self) -> None:
        #: account -> (its latest key, the requests that key's state started with)
        self.latest: dict[str, tuple[str, float]] = {}
        #: chained key -> when it was itself first seen (its state carries the chain's age)
        self.opened_at: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"Succession({self.latest!r}, {self.opened_at!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Succession)
            and self.latest == other.latest
            and self.opened_at == other.opened_at
        )

    __hash__ = None  # type: ignore[assignment]

    def opened(
        self, account: str, key: str, state: KeyState, states: Mapping[str, KeyState], ts: float
    ) -> bool:
        """Note ``key``, just opened by ``account`` at ``ts`` with a fresh ``state``; carry
        the account's previous key on into it when that key is young and recent. True when
        it did."""
        previous = self.latest.get(account)
        inherited = 0.0
        if previous is not None and previous[0] != key:
            before = states.get(previous[0])
            if (
                before is not None
                and before.times[L.TOTAL] - previous[1] < CHAIN_REQUESTS
                and ts - before.times[L.LAST_TS] <= CHAIN_GAP
            ):
                state.continue_from(before)
                inherited = state.times[L.TOTAL]
                self.opened_at[key] = ts
        self.latest[account] = (key, inherited)
        return inherited > 0.0

    def first_seen(self, key: str, state: KeyState) -> float:
        """When ``key`` itself was first seen: the campaign stage dates an account's onset
        by its keys' first sightings, and a chained key's state is as old as its chain."""
        return self.opened_at.get(key, state.first_ts)

    def forget(self, account: str | None, key: str) -> None:
        """``key`` left the engine: it can hand nothing over any more."""
        self.opened_at.pop(key, None)
        if account is not None:
            latest = self.latest.get(account)
            if latest is not None and latest[0] == key:
                del self.latest[account]
