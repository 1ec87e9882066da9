"""The population scales every family is measured against, and what teaches them.

One :class:`~detectors.evidence.population.PopulationScale` per statistic. A
key with enough requests at the day horizon teaches them at most once an hour
of event time, with its day-horizon values, and only while its evidence is weak
(:data:`TEACH_BELOW`): a harvest cannot become "normal" by lasting.

Who counts as the population: keys the engine has known since its first hours
are assumed established customers (a log or a deployment starts in the middle
of their history; nothing in the events says how old an account is). A key
first seen later is new: its lessons weigh from nothing at
:data:`NEW_KEY_AGE` ``[0]`` to in full at ``[1]`` seconds of age, so a wave of
fresh accounts (a campaign opened over days) cannot redefine normal.
"""

from __future__ import annotations

import math

from detectors.evidence.population import PopulationScale
from detectors.evidence.statistics import KeyStatistics

__all__ = ["MIN_REQUESTS", "Scales", "output_per_day", "span"]

LN2 = math.log(2.0)
#: Day-horizon requests before a key teaches the population.
MIN_REQUESTS = 10.0
#: Prompts with text before a key teaches the content scales.
MIN_PROMPTS = 5.0
#: Event time between two lessons from one key.
LESSON_SECONDS = 3600.0
#: Keys whose total evidence is above this do not teach.
TEACH_BELOW = 2.5
#: Keys first seen this long after the engine's first event are new to it ...
ESTABLISHED_GRACE = 2 * 3600.0
#: ... and teach with a weight rising from 0 to 1 between these ages (seconds).
NEW_KEY_AGE = (6 * 3600.0, 48 * 3600.0)


def output_per_day(output_tokens: float, span_seconds: float) -> float:
    """log1p of delivered output per day, from a horizon's sum and the time it spans.

    >>> round(output_per_day(1000.0, 3600.0), 2) == round(math.log1p(24000.0), 2)
    True
    """
    return math.log1p(output_tokens / max(span_seconds, 1.0) * 86400.0)


def span(age_seconds: float, horizon_seconds: float) -> float:
    """Seconds a horizon's decayed sum stands for: the key's age, up to the horizon.

    A key younger than a tenth of the horizon (six minutes of the hour, 2.4 hours of
    the day) is extrapolated from that much, not from its first seconds.

    >>> span(60.0, 3600.0), span(7200.0, 3600.0), span(7200.0, 86400.0)
    (360.0, 3600.0, 8640.0)
    """
    return min(max(age_seconds, 0.1 * horizon_seconds), horizon_seconds)


class Scales:
    """Named population scales (see the module docstring).

    Examples
    --------
    >>> scales = Scales()
    >>> sorted(scales.by_name)[:3]
    ['answer', 'cue_share', 'harvestlike']
    """

    def __init__(self, min_weight: float = 10.0) -> None:
        self.min_weight = min_weight

        def scale(
            low: float, high: float, spread: float, most: float = math.inf
        ) -> PopulationScale:
            return PopulationScale(low, high, spread, most, min_weight=min_weight)

        # Token statistics are natural logs: a spread of 1 is a factor e. At most that
        # much per spread, whatever sits in the population's lower half.
        self.answer = scale(0.0, 12.0, 0.25, 1.0)
        self.yield_ = scale(-12.0, 12.0, 0.4, 1.0)
        self.output_day = scale(0.0, 25.0, 0.5, 1.5)
        self.cue_share = scale(0.0, 1.0, 0.1)
        self.sweep_share = scale(0.0, 1.0, 0.1)
        self.hidden = scale(0.0, 14.0, 0.4)
        self.reasoned = scale(0.0, 1.0, 0.15)
        self.harvestlike = scale(0.0, 1.0, 0.03)
        self.by_name: dict[str, PopulationScale] = {
            "answer": self.answer,
            "yield": self.yield_,
            "output_day": self.output_day,
            "cue_share": self.cue_share,
            "sweep_share": self.sweep_share,
            "hidden": self.hidden,
            "reasoned": self.reasoned,
            "harvestlike": self.harvestlike,
        }

    def learn(self, day: KeyStatistics, age_seconds: float, now: float, weight: float) -> None:
        """One lesson from a key's day-horizon statistics."""
        self.answer.learn_one(day.answer.value, now, weight)
        self.yield_.learn_one(day.yield_.value, now, weight)
        per_day = output_per_day(day.output_tokens, span(age_seconds, 86400.0))
        self.output_day.learn_one(per_day, now, weight)
        self.reasoned.learn_one(day.reasoned_share, now, weight)
        self.harvestlike.learn_one(day.harvestlike_share.value, now, weight)
        if day.prompts >= MIN_PROMPTS:
            self.cue_share.learn_one(day.cue_share.value, now, weight)
            self.sweep_share.learn_one(day.sweep_share.value, now, weight)
            self.hidden.learn_one(day.hidden.value, now, weight)

    @staticmethod
    def weight(first_seen: float, engine_start: float, now: float) -> float:
        """How much a key's lesson counts (see the module docstring).

        >>> Scales.weight(100.0, 0.0, 200.0), Scales.weight(86400.0, 0.0, 86400.0 + 6 * 3600)
        (1.0, 0.0)
        """
        if first_seen - engine_start <= ESTABLISHED_GRACE:
            return 1.0
        low, high = NEW_KEY_AGE
        return min(max((now - first_seen - low) / (high - low), 0.0), 1.0)

    def thresholds(self) -> tuple[float, float]:
        """(log output per input, log answer length) from which one request is harvest-like.

        Three spreads above the population's keys in output per input, and at least
        twice as much out as in (the ratio is scale-free: tokens over tokens); two
        spreads above them in answer length; never while the scales are cold.
        """
        if not (self.yield_.warm and self.answer.warm):
            return (float("inf"), float("inf"))
        return (
            max(self.yield_.median + 3.0 * self.yield_.spread, LN2),
            self.answer.median + 2.0 * self.answer.spread,
        )

    @staticmethod
    def due(day: KeyStatistics, total: float, last_lesson: float, now: float) -> bool:
        """Whether a key with these statistics and this evidence should teach the scales now."""
        return (
            day.n >= MIN_REQUESTS and total <= TEACH_BELOW and now - last_lesson >= LESSON_SECONDS
        )
