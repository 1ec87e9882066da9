"""Arrival processes: when a key sends (or when its sessions start).

A :class:`Timing` is a shape (how the intensity varies over the week in some
local time zone) plus a rate (mean arrivals per hour while the shape is at
full intensity) plus a pacing (Poisson, or a metronome-like closed loop).
``arrivals(rng, t0, t1)`` yields sorted epoch seconds lazily.

Shapes
------
``flat``           same intensity 24/7
``working_hours``  local office hours on weekdays (lunch dip, weekends off or nearly)
``duty_cycle``     hours on, hours off, repeating (a 24 h period gives a nightly job)
``daily_curve``    a smooth daily load curve with a local peak, lighter weekends
``sparse``         a few arrivals a day at random local waking times
``bursty``         bursts of many requests seconds apart, hours between bursts
``window``         one or more fixed windows (a benchmark run, a backfill)

>>> import random
>>> t = Timing("flat", rate=60.0)
>>> xs = list(t.arrivals(random.Random(1), 0.0, 3600.0 * 10))
>>> 500 < len(xs) < 700 and xs == sorted(xs)
True
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

BIN = 300.0
DAY = 86400.0

#: Local UTC offsets (hours) used for human schedules.
TIME_ZONES: tuple[float, ...] = (
    -8.0,
    -7.0,
    -5.0,
    -3.0,
    0.0,
    1.0,
    2.0,
    3.0,
    5.5,
    7.0,
    8.0,
    9.0,
    10.0,
)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (exact for small means, normal approximation above 30)."""
    if lam <= 0.0:
        return 0
    if lam > 30.0:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass
class Timing:
    """An arrival process; see the module docstring for the shapes."""

    shape: str
    rate: float
    tz: float = 0.0
    pacing: str = "poisson"
    params: dict[str, float] = field(default_factory=dict)
    windows: list[tuple[float, float]] = field(default_factory=list)

    def describe(self) -> dict[str, object]:
        """A JSON-ready summary for the labels' ``structure``."""
        out: dict[str, object] = {"shape": self.shape, "pacing": self.pacing}
        if self.shape in ("working_hours", "daily_curve", "sparse"):
            out["tz"] = self.tz
        out.update({k: round(v, 2) for k, v in self.params.items()})
        return out

    def _local_hour(self, t: float) -> tuple[float, int]:
        local = t + self.tz * 3600.0
        return (local % DAY) / 3600.0, int(local // DAY + 3) % 7  # 1970-01-01 was a Thursday

    def intensity(self, t: float) -> float:
        """Relative intensity at time ``t`` (1.0 = the nominal rate)."""
        s = self.shape
        if s == "flat":
            return 1.0
        if s == "working_hours":
            hour, dow = self._local_hour(t)
            if dow >= 5:
                return self.params.get("weekend", 0.0)
            start, end = self.params.get("start", 9.0), self.params.get("end", 18.0)
            if not start <= hour < end:
                return self.params.get("night", 0.0)
            if 12.0 <= hour < 13.0:
                return 0.45
            edge = min(hour - start, end - hour)
            return 0.6 if edge < 0.5 else 1.0
        if s == "duty_cycle":
            on, off = self.params["on"], self.params["off"]
            phase = (t / 3600.0 + self.params.get("phase", 0.0)) % (on + off)
            return 1.0 if phase < on else 0.0
        if s == "daily_curve":
            hour, dow = self._local_hour(t)
            amp = self.params.get("amp", 0.7)
            peak = self.params.get("peak", 15.0)
            value = 1.0 + amp * math.cos(2 * math.pi * (hour - peak) / 24.0)
            if dow >= 5:
                value *= self.params.get("weekend", 0.7)
            return max(value, 0.02)
        if s == "window":
            return 1.0 if any(a <= t < b for a, b in self.windows) else 0.0
        raise ValueError(f"no intensity for shape {s!r}")

    def arrivals(self, rng: random.Random, t0: float, t1: float) -> Iterator[float]:
        """Sorted arrival times in ``[t0, t1)``."""
        if self.rate <= 0.0:
            return iter(())
        if self.shape == "sparse":
            return self._sparse(rng, t0, t1)
        if self.shape == "bursty":
            return self._bursty(rng, t0, t1)
        if self.pacing == "metronome":
            return self._metronome(rng, t0, t1)
        return self._binned(rng, t0, t1)

    def _binned(self, rng: random.Random, t0: float, t1: float) -> Iterator[float]:
        per_bin = self.rate * BIN / 3600.0
        start = t0
        while start < t1:
            end = min(start + BIN, t1)
            lam = per_bin * (end - start) / BIN * self.intensity((start + end) / 2.0)
            count = poisson(rng, lam)
            if count:
                yield from sorted(start + rng.random() * (end - start) for _ in range(count))
            start = end

    def _metronome(self, rng: random.Random, t0: float, t1: float) -> Iterator[float]:
        gap = 3600.0 / self.rate
        jitter = self.params.get("jitter", 0.1)
        t = t0 + rng.random() * gap
        while t < t1:
            if self.shape == "flat" or rng.random() < self.intensity(t):
                yield t
            t += max(0.05, gap * (1.0 + jitter * rng.gauss(0.0, 1.0)))

    def _sparse(self, rng: random.Random, t0: float, t1: float) -> Iterator[float]:
        # ``rate`` is per hour like every shape; a sparse key spreads rate*24 a day
        # over local waking hours (or the whole day for unattended scripts).
        per_day = self.rate * 24.0
        awake = self.params.get("awake", 1.0) > 0.5
        day = math.floor((t0 + self.tz * 3600.0) / DAY)
        while True:
            day_start = day * DAY - self.tz * 3600.0
            if day_start >= t1:
                return
            lo, hi = (8.0, 23.0) if awake else (0.0, 24.0)
            times = sorted(
                day_start + 3600.0 * rng.uniform(lo, hi) for _ in range(poisson(rng, per_day))
            )
            yield from (t for t in times if t0 <= t < t1)
            day += 1

    def _bursty(self, rng: random.Random, t0: float, t1: float) -> Iterator[float]:
        size = self.params.get("burst_size", 40.0)
        spacing = self.params.get("spacing", 3.0)
        burst_rate = self.rate / size  # bursts per hour keeping the mean rate
        t = t0 + rng.expovariate(burst_rate / 3600.0)
        while t < t1:
            n = max(1, round(rng.expovariate(1.0 / size)))
            s = t
            for _ in range(n):
                if s >= t1:
                    break
                yield s
                s += rng.expovariate(1.0 / spacing)
            t = max(s, t + rng.expovariate(burst_rate / 3600.0))


SHAPES: tuple[str, ...] = (
    "flat",
    "working_hours",
    "duty_cycle",
    "daily_curve",
    "sparse",
    "bursty",
)


def draw_timing(rng: random.Random, shape: str, rate: float) -> Timing:
    """A timing of ``shape`` with randomised details and a nominal ``rate`` per hour.

    ``rate`` is the mean over an active hour; for ``sparse`` it is the mean over
    all hours (a few a day means a rate around 0.1-0.3).
    """
    tz = rng.choice(TIME_ZONES)
    if shape == "flat":
        pacing = "metronome" if rng.random() < 0.35 else "poisson"
        return Timing("flat", rate, tz, pacing, {"jitter": rng.uniform(0.02, 0.4)})
    if shape == "working_hours":
        params = {
            "start": float(rng.choice((7, 8, 8.5, 9, 9.5, 10))),
            "end": float(rng.choice((16, 17, 17.5, 18, 19))),
            "weekend": rng.choice((0.0, 0.0, 0.03)),
            "night": rng.choice((0.0, 0.0, 0.01)),
        }
        return Timing("working_hours", rate, tz, "poisson", params)
    if shape == "duty_cycle":
        on = float(rng.choice((1, 2, 3, 4, 6, 8)))
        off = float(rng.choice((1, 2, 4, 6, 10, 16)))
        params = {"on": on, "off": off, "phase": rng.uniform(0, on + off), "jitter": 0.1}
        pacing = "metronome" if rng.random() < 0.3 else "poisson"
        return Timing("duty_cycle", rate, tz, pacing, params)
    if shape == "daily_curve":
        params = {
            "amp": rng.uniform(0.35, 0.95),
            "peak": rng.uniform(11.0, 21.0),
            "weekend": rng.uniform(0.4, 1.1),
        }
        return Timing("daily_curve", rate, tz, "poisson", params)
    if shape == "sparse":
        return Timing("sparse", rate, tz, "poisson", {"awake": float(rng.random() < 0.6)})
    if shape == "bursty":
        params = {"burst_size": rng.uniform(10, 120), "spacing": rng.uniform(0.5, 8.0)}
        return Timing("bursty", rate, tz, "poisson", params)
    raise ValueError(f"unknown shape {shape!r}")


def mean_intensity(timing: Timing) -> float:
    """Average intensity over a week (so a mean daily volume can be targeted)."""
    if timing.shape in ("flat", "sparse", "bursty"):
        return 1.0
    if timing.shape == "window":
        return 1.0
    week = 7 * DAY
    samples = [timing.intensity(i * 1800.0 + 900.0) for i in range(int(week / 1800.0))]
    return max(sum(samples) / len(samples), 1e-3)
