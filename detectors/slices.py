"""The high-``max_tokens`` slice: a mixed key's harvesting traffic, scored on its own.

Extraction mixed into a reseller's (or any busy app's) traffic is diluted in the
key's features: its templates, long answers and around-the-clock pacing are a
minority of the key's requests. Distillers ask for room to answer at length
(``max_tokens`` in the thousands) far more often than the chat, RAG and tutoring
traffic they hide in, so the requests with ``max_tokens >= HIGH_MAX_TOKENS`` are
counted again in a second :class:`~detectors.features.KeyState` and scored as if
they were a key of their own, with the same ensemble and the same bar.

The slice opens only for keys whose high-``max_tokens`` requests are a real
minority of their day (``MIN_SHARE``..``MAX_SHARE``): for a key whose traffic is
all high-``max_tokens`` (coding agents, content generators, a harvester's own key)
the slice would be the key again, so it costs nothing there and most keys never
hold one (memory per key stays as measured in ``benchmarks/key_memory.py``).
"""

from __future__ import annotations

from detectors.ensemble import ramp
from detectors.features import COUNTERS, HIGH_MAX_TOKENS, HIMAX, KeyState, N

__all__ = [
    "CONTENT_TRUST",
    "HIGH_MAX_TOKENS",
    "MAX_SHARE",
    "MIN_EVENTS",
    "MIN_SHARE",
    "PREFIX",
    "slice_trust",
    "wants_slice",
]

# Share of the key's (day-decayed) requests asking for HIGH_MAX_TOKENS or more.
MIN_SHARE = 0.02
MAX_SHARE = 0.8
# High-max_tokens requests (day-decayed) before the slice is worth its memory.
MIN_EVENTS = 20.0
# Content evidence (the ensemble's family) from which a slice's score counts in full.
# A reseller's or platform's high-max_tokens slice gathers many customers' long-form
# and coding traffic; merged across time zones it is long, flat and around the clock,
# which is harvest and pacing evidence without any extraction in it (its content reads
# 0.15-0.38 on the simulator's resellers). Extraction mixed in asks for worked answers
# over a few templates (0.62-1.0 on seeds 18, 24-27 where a slice made it critical).
CONTENT_TRUST = (0.4, 0.6)
# Reasons carried by the slice name their feature with this prefix.
PREFIX = "high_max_tokens."
_DAY = COUNTERS * 2  # start of the day horizon's sums in KeyState.values


def wants_slice(state: KeyState) -> bool:
    """Whether ``state``'s key should get a high-``max_tokens`` slice (call after a fold).

    Examples
    --------
    >>> from detectors.events import Event
    >>> state = KeyState(0.0, 300.0)
    >>> for i in range(200):
    ...     state.add(Event(float(i), "k", 10, 50, max_tokens=8192 if i % 4 == 0 else 512), None)
    >>> state.fold(300.0)
    >>> wants_slice(state)
    True
    >>> everything_high = KeyState(0.0, 300.0)
    >>> for i in range(200):
    ...     everything_high.add(Event(float(i), "k", 10, 50, max_tokens=8192), None)
    >>> everything_high.fold(300.0)
    >>> wants_slice(everything_high)
    False
    """
    values = state.values
    high = values[_DAY + HIMAX]
    total = values[_DAY + N]
    return high >= MIN_EVENTS and MIN_SHARE * total <= high <= MAX_SHARE * total


def slice_trust(content: float) -> float:
    """How far a slice's higher score may lift its key's (0: not at all, 1: all the way).

    Without prompt text the content family is 0 and a slice never lifts its key: its
    metadata alone cannot tell extraction from a platform's long-form customers.

    Examples
    --------
    >>> slice_trust(0.3), slice_trust(0.5), slice_trust(0.7)
    (0.0, 0.5, 1.0)
    """
    return ramp(content, *CONTENT_TRUST)
