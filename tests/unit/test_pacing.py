"""Hourly flatness: a flat key reads flat on every day, a diurnal one does not."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from detectors.events import Event
from detectors.pacing import hourly_flatness
from detectors.state import layout as L
from detectors.state.keystate import KeyState

HOUR = 3600.0


def _cvs(
    rate_at: Callable[[int], float], start: float, hours: float, seed: int = 1
) -> list[tuple[float, float]]:
    """(hours since start, excess CV) at every 5-minute fold of a Poisson stream."""
    rng = random.Random(seed)
    state = KeyState(start, 300.0)
    t, out = start, []
    peak = max(rate_at(h) for h in range(24))
    while t < start + hours * HOUR:
        t += rng.expovariate(peak / HOUR)
        if rng.random() > rate_at(int(t // HOUR) % 24) / peak:
            continue  # thinning: the rate of this hour of day
        while t >= state.window_end:
            state.fold(state.window_end)
            now = state.window_end
            out.append(((now - start) / HOUR, hourly_flatness(state, now)[0]))
            state.times[L.WINDOW_END] += 300.0
        state.add(Event(t, "k", 10, 500), None)
    return out


def test_a_flat_key_reads_flat_on_its_second_day_at_any_minute() -> None:
    # Day two used to read ~0.16-0.26: the current and the first partial hours shared a
    # bin with complete ones and their exposure was not counted (held-out seeds 25/26:
    # bulk harvesters at ~1,000 requests an hour lost their pacing evidence after 24 h).
    for start in (0.0, 1234.0):
        late = [cv for hours, cv in _cvs(lambda h: 1000.0, start, 50) if hours > 25]
        assert late and max(late) < 0.05, max(late)


def test_a_diurnal_key_still_reads_uneven() -> None:
    def daytime(hour: int) -> float:
        return 1000.0 * (0.1 + 0.9 * math.sin(math.pi * hour / 24) ** 2)

    late = [cv for hours, cv in _cvs(daytime, 0.0, 50) if hours > 25]
    assert min(late) > 0.4
