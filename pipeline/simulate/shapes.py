"""Timing shapes: turn a structure's ``timing`` into segments and arrival times.

``per_second`` is the rate while the key works (its workers' speed); the shape
decides when it works. ``drip`` ignores it and draws a few requests a day up to
about two an hour. Knobs are drawn from the ``rng`` given, so two keys with the
same shape differ (time zone, hours, cycle lengths, curve).

>>> import random
>>> segs = list(segments("duty_cycle", random.Random(1), 0.0, 86400.0, 1.0))
>>> 0 < sum(e - s for s, e, _ in segs) < 86400.0
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from pipeline.simulate import timing as tm

__all__ = ["TZ", "arrivals", "segments"]

#: UTC offsets keys live in (hours).
TZ: tuple[float, ...] = (-8.0, -7.0, -5.0, -3.0, 0.0, 1.0, 1.0, 2.0, 3.0, 5.5, 8.0, 9.0)


def _loguniform(rng: random.Random, low: float, high: float) -> float:
    return float(low * (high / low) ** rng.random())


def segments(
    shape: str, rng: random.Random, start: float, end: float, per_second: float
) -> Iterator[tm.Segment]:
    """``(start, end, rate)`` segments of one timing shape (see :mod:`.structure`)."""
    r = rng.random
    if shape == "flat":
        return tm.flat(r, start, end, per_second, rng.uniform(0.03, 0.15))
    if shape == "working_hours":
        begin = rng.uniform(7.5, 10.0)
        hours = (begin, begin + rng.uniform(7.0, 10.0))
        weekend = 0.0 if rng.random() < 0.7 else rng.uniform(0.05, 0.3)
        return tm.working_hours(
            r, start, end, per_second, rng.choice(TZ), hours, rng.uniform(0.2, 1.0), weekend
        )
    if shape == "duty_cycle":
        return tm.duty_cycle(
            r, start, end, per_second, rng.uniform(1.0, 8.0), rng.uniform(1.0, 12.0), rng.random()
        )
    if shape == "daily_curve":
        profile = rng.choice(
            (tm.CONSUMER, tm.BUSINESS, tm.curve(rng.uniform(0, 24), rng.uniform(0.3, 0.95)))
        )
        per_day = per_second * tm.HOUR * sum(profile) / max(profile)  # the peak at per_second
        return tm.diurnal(
            r, start, end, per_day, rng.choice(TZ), profile, rng.uniform(0.6, 1.0), 0.1
        )
    if shape == "drip":
        return tm.flat(r, start, end, _loguniform(rng, 3.0, 48.0) / tm.DAY, 0.2)
    if shape == "bursty_sessions":
        return tm.bursts(
            r, start, end, rng.uniform(2.0, 12.0), _loguniform(rng, 5.0, 90.0),
            per_second * rng.uniform(1.5, 4.0),
        )  # fmt: skip
    raise ValueError(f"unknown timing shape {shape!r}")


def arrivals(
    shape: str, pacing: str, rng: random.Random, start: float, end: float, per_second: float
) -> Iterator[float]:
    """Request times of one key: the shape's segments, machine-paced or Poisson."""
    r = rng.random
    segs = segments(shape, rng, start, end, per_second)
    if pacing == "machine":
        return tm.paced(r, segs, rng.uniform(0.05, 0.5))
    return tm.poisson(r, segs)
