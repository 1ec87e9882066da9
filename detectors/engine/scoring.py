"""Scoring one key: its statistics at two horizons, the families, the combined verdict.

The day horizon judges what a key has been doing; the hour horizon catches a
key that just changed (a stolen key, extraction starting inside a reseller's
traffic) before the day's sums are dominated by it. The verdict is the
horizon with the stronger total. Only keys that look benign teach the
population scales, so a long harvest never becomes the population's normal.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from detectors.evidence.combine import EvidenceCombiner, evidence_to_score
from detectors.evidence.families import Evidence, core_families, slice_families
from detectors.evidence.scales import Scales, span
from detectors.evidence.statistics import KeyStatistics, key_statistics
from detectors.evidence.support import ELEVATED, Support, support
from detectors.state import layout as L
from detectors.state.keystate import KeyState

__all__ = ["Scorer", "Verdict"]

HORIZON_NAMES = ("hour", "day")


class Verdict(NamedTuple):
    """A key's score at one event time and everything that explains it.

    ``sliced`` is True when the verdict is its harvest-like slice's
    (:mod:`detectors.state.slices`); ``day`` is always the whole key's statistics.
    """

    score: float
    total: float
    horizon: str
    families: tuple[Evidence, ...]
    support: Support
    support_added: float
    day: KeyStatistics
    sliced: bool = False


class Scorer:
    """Score keys against population scales it keeps learning.

    Parameters
    ----------
    combiner
        How family evidence adds up (defaults: :class:`EvidenceCombiner`).
    population_warmup
        Lessons each population scale needs before positions against it count.

    Examples
    --------
    >>> from detectors.events import Event
    >>> state = KeyState(0.0, 300.0)
    >>> for i in range(40):
    ...     state.add(Event(float(i), "k", 50, 1500), None)
    >>> verdict = Scorer().evaluate(state, 60.0)
    >>> verdict.families[0].value  # no population yet: no yield evidence either way
    0.0
    """

    def __init__(
        self, combiner: EvidenceCombiner | None = None, population_warmup: int = 10
    ) -> None:
        self.combiner = combiner or EvidenceCombiner()
        self.population_warmup = population_warmup
        self.scales = Scales(population_warmup)
        #: Event time of the engine's first event: keys seen near it are established.
        self.start: float | None = None
        #: From which a single request is harvest-like (refreshed by every lesson).
        self.thresholds = self.scales.thresholds()

    def evaluate(self, state: KeyState, now: float) -> Verdict:
        age = max(now - state.first_ts, 0.0)
        day = key_statistics(state.sums(1, now))
        signals = support(state, day, now, self.scales)
        best: Verdict | None = None
        for index, stats in ((1, day), (0, key_statistics(state.sums(0, now)))):
            families = core_families(stats, self.scales, span(age, L.HORIZONS[index]))
            total, added = self.combiner.total(families, signals)
            if best is None or total > best.total:
                best = Verdict(evidence_to_score(total), total, HORIZON_NAMES[index],
                               tuple(families), signals, added, day)  # fmt: skip
        assert best is not None
        sliced = state.slice
        if sliced is not None:
            slice_day = key_statistics(sliced.sums(1, now))
            families = slice_families(
                slice_day, day, self.scales, span(now - sliced.first_ts, L.DAY)
            )
            slice_signals = support(sliced, slice_day, now, self.scales)
            total, added = self.combiner.total(families, slice_signals)
            # The slice is judged with its key's context: a key whose traffic carries
            # conversations gives its long-answer requests half the benefit of the doubt.
            key_structure = next(e.value for e in best.families if e.family == "structure")
            total += 0.5 * min(self.combiner.clip(Evidence("structure", key_structure, ())), 0.0)
            if total > best.total:
                best = Verdict(evidence_to_score(total), total, "day", tuple(families),
                               slice_signals, added, day, sliced=True)  # fmt: skip
        return best

    def remember(self, state: KeyState, verdict: Verdict, now: float) -> None:
        """Keep, on the key, since when its core evidence has stayed high (persistence)."""
        core = verdict.total - verdict.support_added
        times = state.times
        if core >= ELEVATED:
            if times[L.ELEVATED_SINCE] > now:
                times[L.ELEVATED_SINCE] = now
        else:
            times[L.ELEVATED_SINCE] = math.inf

    def learn(self, state: KeyState, verdict: Verdict, now: float) -> None:
        """Teach the population scales from a key whose evidence is weak (see ``Scales``)."""
        times = state.times
        start = state.first_ts if self.start is None else self.start
        if Scales.due(verdict.day, verdict.total, times[L.POP_TS], now):
            weight = Scales.weight(state.first_ts, start, now)
            if weight > 0:
                self.scales.learn(verdict.day, now - state.first_ts, now, weight)
                self.thresholds = self.scales.thresholds()
            times[L.POP_TS] = now
