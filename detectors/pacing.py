"""Machine pacing: how evenly a key's traffic spreads over the hours of the day.

Daytime jobs and people leave the night empty; a harvester runs around the clock.
Read from the key's decayed hour-of-day profile (:mod:`detectors.state.layout`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from detectors.state.layout import DAY, HOUR, PROFILE_TAU

if TYPE_CHECKING:
    from detectors.state.keystate import KeyState

__all__ = ["hourly_flatness"]

_DAY_KEEP = math.exp(-DAY / PROFILE_TAU)


def hourly_flatness(state: KeyState, now: float) -> tuple[float, float]:
    """Excess coefficient of variation of hourly volume over the key's observed hours.

    Reads the hour-of-day profile over the complete hours since the key appeared
    (all 24 hours of the day once it is a day old). Each hour-of-day's count is
    divided by its exposure: how many times that hour has passed since the key
    appeared, with the profile's own decay, so a key two and a half days old is
    not called uneven because some hours were seen three times and others twice.
    Poisson noise is subtracted, so a machine-paced key reads ~0 at any rate while
    a diurnal app reads 0.5 or more. Returns (excess CV, complete hours observed).

    Examples
    --------
    >>> from detectors.state.keystate import KeyState
    >>> state = KeyState(0.0, 300.0)
    >>> for hour in range(1, 61):  # 60 hours of exactly 100 requests per hour
    ...     for i in range(24):
    ...         state.hour_profile[i] *= math.exp(-HOUR / PROFILE_TAU)
    ...     state.hour_profile[hour % 24] += 100
    >>> cv, hours = hourly_flatness(state, 61 * HOUR)
    >>> round(cv, 3), hours
    (0.0, 60.0)
    """
    last_complete = int(now // HOUR) - 1
    first_complete = int(state.first_ts // HOUR) + 1
    observed = last_complete - first_complete + 1
    span = min(observed, 24)
    if span < 2:
        return 0.0, float(max(observed, 0))
    profile = state.hour_profile
    # Two partial hours share a bin with a complete one once a day has passed: the
    # current hour (counted up to ``now``) and the key's first hour (from its first
    # event). Their exposure counts too, or a perfectly flat key reads a CV of ~0.2
    # from its second day on (one bin holding up to two hours' worth).
    current = last_complete + 1
    current_part = (now - current * HOUR) / HOUR
    first_hour = first_complete - 1
    first_part = (first_complete * HOUR - state.first_ts) / HOUR
    rates: list[float] = []
    noise = 0.0
    for k in range(span):
        hour = last_complete - k
        passes = (hour - first_complete) // 24 + 1
        # Decayed exposure: 1 + r + r^2 + ... over the passes of this hour of day,
        # discounted by how long ago its latest pass ended.
        latest = math.exp(-(now - (hour + 1) * HOUR) / PROFILE_TAU)
        exposure = latest * (1 - _DAY_KEEP**passes) / (1 - _DAY_KEEP)
        if (current - hour) % 24 == 0:
            exposure += current_part
        if hour > first_hour and (hour - first_hour) % 24 == 0:
            exposure += first_part * math.exp(-(now - first_complete * HOUR) / PROFILE_TAU)
        rate = profile[hour % 24] / exposure
        rates.append(rate)
        noise += 1.0 / exposure
    mean = sum(rates) / span
    if mean <= 0:
        return 0.0, float(observed)
    var = sum((r - mean) ** 2 for r in rates) / (span - 1)
    # Poisson: a rate estimated from exposure e has variance mean / e.
    excess = var - mean * noise / span
    return math.sqrt(max(excess, 0.0)) / mean, float(observed)
