"""Layout of a key's value array and the arithmetic that folds a window into it.

One ``array("f")`` per key holds ``[window | hour | day | week | 24 hours]``:
the open window's counters, their decayed sums at three horizons, and the
hour-of-day profile (see :class:`detectors.features.KeyState`). The compiled hot
path (``native/src/keystate.rs``) uses the same layout; a test compares them.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

from detectors.native import NATIVE

__all__ = ["COUNTERS", "HORIZONS", "PROFILE", "PROFILE_TAU", "fold_values"]

# Indices of the per-window counters (also of the decayed sums).
N, PTOK, CTOK, RTOK, MULTI, CAPPED, HIMAX, ERR, THROTTLED = range(9)
FP, TEMPLATE, REASONING, NEW_IP, NEW_UA, GAP_N, GAP_SUM, GAP_SQ = range(9, 17)
# Output tokens of the fingerprinted prompts that ask for written-out reasoning: the
# answers distillers want, measured apart from the rest of a mixed key's traffic.
REASONED_CTOK = 17
COUNTERS = 18
HORIZON_COUNT = 3  # hour, day, week
PROFILE = COUNTERS * (1 + HORIZON_COUNT)  # where the hour-of-day profile starts

HOUR = 3600.0
DAY = 86400.0
HORIZONS = (HOUR, DAY, 7 * DAY)
assert len(HORIZONS) == HORIZON_COUNT
# Decay time of the hour-of-day profile (what pacing reads the profile back with).
PROFILE_TAU = 7 * DAY


def _fold_values(v: array, elapsed: float, slot: int) -> None:
    """Decay the horizons and hour-of-day profile by ``elapsed``, add the window, clear it.

    The reference for ``native/src/keystate.rs`` (``fold_values``); change both together.
    """
    for h, horizon in enumerate(HORIZONS, start=1):
        decay = math.exp(-elapsed / horizon)
        base = COUNTERS * h
        for i in range(COUNTERS):
            v[base + i] = v[base + i] * decay + v[i]
    events = v[N]
    if events:
        decay = math.exp(-elapsed / PROFILE_TAU)
        for i in range(PROFILE, PROFILE + 24):
            v[i] *= decay
        v[PROFILE + slot] += events
    for i in range(COUNTERS):
        v[i] = 0.0


fold_values: Callable[[array, float, int], None] = (
    NATIVE.fold_values if NATIVE is not None else _fold_values
)
