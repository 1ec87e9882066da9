"""The engine's clock rule: event time, bounded by an allowed skew ahead of the watermark.

The engine keeps no wall clock: its time is the largest event time it has
accepted, the *watermark*. Left unbounded, one far-future timestamp (a
producer with a broken clock: year 2099) would move the watermark decades
ahead, make every later event of the partition late and expire every key.
So an event is placed on the partition's clock by one rule:

- not after the watermark: on time, or *late* when more than ``lateness``
  behind it (counted; the event is still used);
- ahead of the watermark by at most ``skew``: on time, and the watermark moves
  to it;
- further ahead: *early*, counted like late ones, and taken at the watermark
  (the clock does not move), unless the event just before was early too and
  lies within ``skew`` of it: two in a row confirm a real jump (a partition
  that was quiet for a day resumes), and the clock moves there. A single
  bogus timestamp costs nothing; a real jump costs one event's time.

The first event of a partition sets the watermark. Pure and deterministic:
:meth:`EventClock.place` is a function of its arguments. ``Engine.process``
calls it for every event outside ``[watermark - lateness, watermark + skew]``;
the compiled hot path (``native/src/engine.rs``) hands such events to
``Engine.process`` too, so there is one rule, here.

Examples
--------
>>> clock = EventClock(skew=3600.0, lateness=300.0)
>>> clock.place(-math.inf, 1000.0)            # the first event sets the watermark
(1000.0, 1000.0, 0)
>>> clock.place(1000.0, 1100.0)               # a little ahead: on time
(1100.0, 1100.0, 0)
>>> clock.place(1100.0, 500.0)                # more than 300 s behind: late
(1100.0, 500.0, 1)
>>> clock.place(1100.0, 4_000_000_000.0)      # year 2096, alone: early, taken at the watermark
(1100.0, 1100.0, 2)
>>> clock.place(1100.0, 90_000.0, previous_early=89_990.0)  # a day later, twice: a real jump
(90000.0, 90000.0, 0)
"""

from __future__ import annotations

import math

__all__ = ["EARLY", "LATE", "ON_TIME", "EventClock"]

ON_TIME, LATE, EARLY = 0, 1, 2


class EventClock:
    """Place events on a partition's event-time clock (see the module docstring).

    Parameters
    ----------
    skew
        How far ahead of the watermark an event may be and still be taken as it is.
    lateness
        How far behind the watermark an event may be before it counts as late.
    """

    __slots__ = ("lateness", "skew")

    def __init__(self, skew: float, lateness: float) -> None:
        self.skew = skew
        self.lateness = lateness

    def place(
        self, watermark: float, ts: float, previous_early: float | None = None
    ) -> tuple[float, float, int]:
        """``(new watermark, the event's time, ON_TIME | LATE | EARLY)``.

        ``previous_early`` is the timestamp of the event just before this one when
        that event was early (``None`` otherwise).
        """
        if ts <= watermark:
            return watermark, ts, LATE if ts < watermark - self.lateness else ON_TIME
        if watermark == -math.inf or ts <= watermark + self.skew:
            return ts, ts, ON_TIME
        if previous_early is not None and abs(ts - previous_early) <= self.skew:
            return ts, ts, ON_TIME  # confirmed by the event before: the partition jumped
        return watermark, watermark, EARLY
