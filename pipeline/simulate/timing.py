"""Arrival-time processes: when a key sends requests.

Two layers. *Schedules* yield ``(start, end, rate)`` segments (rate in requests
per second): diurnal hours, business-hours sessions, batch jobs, 24/7 flat.
*Processes* turn segments into increasing event times: :func:`poisson`
(human or many-user traffic) or :func:`paced` (a worker pool with a fixed
request interval: machine pacing). A few patterns that are neither (agent tool
loops, synchronized campaign rounds, per-day quotas) have their own generator.

All randomness comes from ``r``, the key's own ``random.Random.random``; time
is plain Unix seconds, so nothing here reads a clock.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from math import cos, exp, log, pi

__all__ = [
    "BUSINESS",
    "CONSUMER",
    "FLAT",
    "Segment",
    "agent_loops",
    "bursts",
    "curve",
    "daily_quota",
    "diurnal",
    "duty_cycle",
    "flat",
    "jobs",
    "local_hour",
    "paced",
    "poisson",
    "quota_in",
    "rounds",
    "rounds_in",
    "sessions",
    "working_hours",
]

Draw = Callable[[], float]
Segment = tuple[float, float, float]

DAY = 86400.0
HOUR = 3600.0

#: Relative hourly load of a consumer app (local time): quiet nights, evening peak.
CONSUMER = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.55, 0.8, 0.9, 0.95, 1.0,
    1.0, 0.95, 0.9, 0.9, 0.95, 1.0, 1.1, 1.2, 1.25, 1.15, 0.8, 0.45,
)  # fmt: skip
#: Relative hourly load of an office workload.
BUSINESS = (
    0.03, 0.02, 0.02, 0.02, 0.02, 0.04, 0.1, 0.4, 0.9, 1.0, 1.0, 0.9,
    0.7, 0.95, 1.0, 1.0, 0.9, 0.6, 0.3, 0.15, 0.1, 0.08, 0.05, 0.04,
)  # fmt: skip
FLAT = (1.0,) * 24


def local_hour(t: float, tz_hours: float) -> int:
    """Hour of day (0-23) at UTC offset ``tz_hours``.

    >>> local_hour(0.0, -5)
    19
    """
    return int((t + tz_hours * HOUR) // HOUR) % 24


def _weekend(t: float, tz_hours: float) -> bool:
    # 1970-01-01 was a Thursday (weekday 3).
    return (int((t + tz_hours * HOUR) // DAY) + 3) % 7 >= 5


def _lognormal(r: Draw, sigma: float) -> float:
    # Box-Muller costs two draws; a centred sum of three uniforms is close enough here.
    return exp(sigma * (r() + r() + r() - 1.5) * 2.0)


def diurnal(
    r: Draw,
    start: float,
    end: float,
    per_day: float,
    tz_hours: float,
    profile: tuple[float, ...],
    weekend_factor: float,
    noise: float,
) -> Iterator[Segment]:
    """Hourly segments whose rate follows ``profile`` and averages ``per_day`` requests a day."""
    scale = per_day / (sum(profile) * HOUR)
    t = start - (start % HOUR)
    while t < end:
        rate = scale * profile[local_hour(t, tz_hours)] * _lognormal(r, noise)
        if _weekend(t, tz_hours):
            rate *= weekend_factor
        yield max(t, start), min(t + HOUR, end), rate
        t += HOUR


def flat(r: Draw, start: float, end: float, per_second: float, noise: float) -> Iterator[Segment]:
    """24/7 hourly segments around a constant rate (``noise`` = hour-to-hour log spread)."""
    return diurnal(r, start, end, per_second * DAY, 0.0, FLAT, 1.0, noise)


def curve(peak_hour: float, amplitude: float) -> tuple[float, ...]:
    """A smooth daily load curve: one peak at ``peak_hour``, trough 12 hours later.

    >>> c = curve(14.0, 0.8)
    >>> max(range(24), key=c.__getitem__), round(min(c), 2)
    (14, 0.2)
    """
    return tuple(1.0 + amplitude * cos(2.0 * pi * (h - peak_hour) / 24.0) for h in range(24))


def working_hours(
    r: Draw,
    start: float,
    end: float,
    per_second: float,
    tz_hours: float,
    hours: tuple[float, float],
    lunch: float,
    weekend_share: float,
) -> Iterator[Segment]:
    """Local office hours ``hours`` (begin, end) on weekdays at ``per_second``.

    The hour after noon runs at ``lunch`` times the rate; weekend days at
    ``weekend_share`` times it (0: nothing at weekends).
    """
    begin, finish = hours
    day = (start + tz_hours * HOUR) // DAY * DAY - tz_hours * HOUR  # local midnight
    while day < end:
        rate = per_second * _lognormal(r, 0.1)
        if _weekend(day + HOUR, tz_hours):
            rate *= weekend_share
        if rate > 0.0:
            parts = (
                (begin, 12.0, rate),
                (12.0, 13.0, rate * lunch),
                (13.0, finish, rate),
            )
            for a, b, x in parts:
                s, e = day + a * HOUR, day + b * HOUR
                if b > a and x > 0.0 and e > start and s < end:
                    yield max(s, start), min(e, end), x
        day += DAY


def duty_cycle(
    r: Draw,
    start: float,
    end: float,
    per_second: float,
    on_hours: float,
    off_hours: float,
    phase: float,
) -> Iterator[Segment]:
    """Hours of work at ``per_second``, then idle hours, over and over (lengths +-20 %).

    ``phase`` in [0, 1) shifts where in the first cycle the span starts.
    """
    t = start - phase * (on_hours + off_hours) * HOUR
    while t < end:
        e = t + on_hours * HOUR * (0.8 + 0.4 * r())
        if e > start:
            yield max(t, start), min(e, end), per_second * _lognormal(r, 0.1)
        t = e + off_hours * HOUR * (0.8 + 0.4 * r())


def bursts(
    r: Draw, start: float, end: float, per_day: float, minutes: float, per_second: float
) -> Iterator[Segment]:
    """Bursty sessions at any hour: about ``per_day`` a day, each about ``minutes`` long."""
    t = start
    while True:
        t -= log(1.0 - r()) * DAY / per_day
        if t >= end:
            return
        e = t + 60.0 * minutes * _lognormal(r, 0.5)
        yield t, min(e, end), per_second * _lognormal(r, 0.3)
        t = e


def sessions(
    r: Draw,
    start: float,
    end: float,
    tz_hours: float,
    per_day: float,
    minutes: float,
    per_second: float,
    weekend_prob: float,
) -> Iterator[Segment]:
    """Work sessions in local office hours (evenings sometimes): sparse and bursty.

    ``per_day`` sessions a working day of about ``minutes`` minutes each, at
    ``per_second`` within a session. Sessions of one day never overlap.
    """
    day = (start + tz_hours * HOUR) // DAY * DAY - tz_hours * HOUR
    while day < end:
        if not _weekend(day + HOUR, tz_hours) or r() < weekend_prob:
            count = int(per_day * 2 * r() + r())
            starts = sorted(day + HOUR * (8.5 + 11.5 * r() ** 1.3) for _ in range(count))
            last = day
            for s in starts:
                s = max(s, last)
                e = s + 60.0 * minutes * _lognormal(r, 0.5)
                last = e
                if e > start and s < end:
                    yield max(s, start), min(e, end), per_second * _lognormal(r, 0.3)
        day += DAY


def jobs(
    r: Draw,
    start: float,
    end: float,
    per_day: float,
    hours: tuple[float, float],
    per_second: float,
    nightly_hour: float | None,
) -> Iterator[Segment]:
    """Batch jobs lasting ``hours`` (min, max): at random times, or nightly at a fixed hour (CI)."""
    day = start - (start % DAY)
    while day < end:
        if nightly_hour is not None:
            starts = [day + nightly_hour * HOUR] if r() < min(1.0, per_day) else []
        else:
            count = int(per_day * 2 * r() + r())
            starts = sorted(day + DAY * r() for _ in range(count))
        last = day
        for s in starts:
            s = max(s, last)
            e = s + HOUR * (hours[0] + (hours[1] - hours[0]) * r())
            last = e
            if e > start and s < end:
                yield max(s, start), min(e, end), per_second * _lognormal(r, 0.2)
        day += DAY


def poisson(r: Draw, segments: Iterable[Segment]) -> Iterator[float]:
    """Poisson arrivals within each segment (memoryless, so segments restart cleanly)."""
    floor = float("-inf")  # overlapping segments must not make time run backwards
    for s, e, rate in segments:
        if rate <= 0.0 or e <= floor:
            continue
        t = max(s, floor)
        floor = e
        while True:
            t -= log(1.0 - r()) / rate
            if t >= e:
                break
            yield t


def paced(r: Draw, segments: Iterable[Segment], jitter: float) -> Iterator[float]:
    """Machine-paced arrivals: a fixed interval ``1/rate`` with ±``jitter`` relative noise."""
    t = -1.0
    for s, e, rate in segments:
        if rate <= 0.0:
            continue
        step = 1.0 / rate
        if t < s:
            t = s + step * r()
        while t < e:
            yield t
            t += step * (1.0 + jitter * (2.0 * r() - 1.0))


def agent_loops(r: Draw, segments: Iterable[Segment]) -> Iterator[tuple[float, int]]:
    """Coding-agent sessions: tool loops of quick requests, then a pause for the human.

    Yields ``(time, step)``; step 0 is the user's instruction, later steps are tool results.
    The segment rate is ignored: the loop structure sets the pace (~5-15 requests a minute).
    """
    t = float("-inf")
    for s, e, _rate in segments:
        t = max(s, t)
        while t < e:
            for step in range(1 + int(r() * 14)):
                yield t, step
                t += 1.5 + 6.0 * r()
                if t >= e:
                    break
            t += 15.0 - 80.0 * log(1.0 - r())


def rounds(
    campaign: Draw,
    r: Draw,
    start: float,
    end: float,
    period: float,
    offset: float,
    per_round: int,
    participation: float,
) -> Iterator[float]:
    """Synchronized campaign rounds: every key fires within seconds of a shared tick.

    ``campaign`` draws the shared schedule (identical for every key of the campaign: seed it
    with the campaign id); ``r`` draws this key's participation and jitter.
    """
    tick = start + period * campaign()
    while tick < end:
        slip = 10.0 * campaign()  # the operator's scheduler drifts, the same for all keys
        if r() < participation:
            t = tick + slip + offset
            for _ in range(per_round):
                t += 0.2 + 3.0 * r()
                if start <= t < end:
                    yield t
        tick += period


def rounds_in(
    campaign: Draw,
    r: Draw,
    segments: Iterable[Segment],
    period: float,
    offset: float,
    per_round: int,
    participation: float,
) -> Iterator[float]:
    """Synchronized rounds (as :func:`rounds`) only while the campaign's ``segments`` run.

    ``segments`` must be the same for every member (drawn from the campaign's seed);
    a segment's rate relative to ``peak`` (its largest rate so far, at least the first
    one's) scales each key's participation, so a daily curve thins rounds at night.
    """
    peak = 0.0
    for s, e, rate in segments:
        peak = max(peak, rate)
        share = participation * (rate / peak if peak > 0.0 else 0.0)
        tick = s + period * campaign()
        while tick < e:
            slip = 10.0 * campaign()
            if r() < share:
                t = tick + slip + offset
                for _ in range(per_round):
                    t += 0.2 + 3.0 * r()
                    if s <= t < e:
                        yield t
            tick += period


def quota_in(
    r: Draw, segments: Iterable[Segment], start: float, end: float, low: int, high: int
) -> Iterator[float]:
    """``low``-``high`` requests per 24 h block from ``start`` (a partial block gets its
    share), placed inside the block's ``segments`` in proportion to rate x duration.

    ``segments`` must be in time order; a segment crossing a block edge is split.
    """
    pending = iter(segments)
    carry: Segment | None = None
    day = start
    while day < end:
        edge = min(day + DAY, end)
        block: list[Segment] = []
        seg = carry if carry is not None else next(pending, None)
        carry = None
        while seg is not None and seg[0] < edge:
            s, e, rate = seg
            if e > edge:
                block.append((s, edge, rate))
                carry = (edge, e, rate)
                break
            block.append(seg)
            seg = next(pending, None)
        else:
            carry = seg
        count = int((low + int(r() * (high - low + 1))) * min(1.0, (end - day) / DAY))
        weights = list(accumulate((e - s) * rate for s, e, rate in block))
        if weights and weights[-1] > 0.0:
            total = weights[-1]
            times = []
            for _ in range(count):
                i = min(bisect_right(weights, r() * total), len(block) - 1)
                s, e, _rate = block[i]
                times.append(s + (e - s) * r())
            yield from sorted(times)
        day += DAY


def daily_quota(
    r: Draw, start: float, end: float, low: int, high: int, window: tuple[float, float]
) -> Iterator[float]:
    """``low``-``high`` requests per 24 h block (a partial block gets its share), inside
    the block's ``window`` (seconds from the block start, end <= 86400)."""
    day = start
    while day < end:
        share = min(1.0, (end - day) / DAY)
        count = int((low + int(r() * (high - low + 1))) * share)
        w0, w1 = day + window[0], min(day + window[1], end)
        if w1 > w0:
            yield from sorted(w0 + (w1 - w0) * r() for _ in range(count))
        day += DAY
