"""Scoring one key: its statistics at two horizons, the families, the combined verdict.

The day horizon judges what a key has been doing; the hour horizon catches a
key that just changed (a stolen key, extraction starting inside a reseller's
traffic) before the day's sums are dominated by it. The verdict is the
horizon with the stronger total; how far the hour's evidence exceeds the day's
is itself a change (``with_evidence_change``). Only keys that look benign teach the
population scales, so a long harvest never becomes the population's normal.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from detectors.evidence.combine import EvidenceCombiner, evidence_to_score
from detectors.evidence.families import Evidence, core_families, ramp, slice_families
from detectors.evidence.scales import Scales, span
from detectors.evidence.statistics import KeyStatistics, key_statistics
from detectors.evidence.support import ELEVATED, Support, support, with_evidence_change
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


def distinct(
    sliced: KeyState,
    state: KeyState,
    now: float,
    whole: list[float] | None = None,
    part: list[float] | None = None,
) -> float:
    """How far a key's harvest-like requests ask for something the rest of it does not.

    A tutoring app's long explanations come from the same students asking the same way
    as the rest of its traffic; extraction hidden in a reseller's traffic asks for
    worked reasoning where the reseller's customers do not. The share of prompts with
    elicitation cues in the slice against the rest of the key (the key's sums minus the
    slice's), in [0, 1]; 0 without prompt text. ``whole`` and ``part`` are the key's and
    the slice's day sums at ``now`` when the caller has them already.

    >>> from detectors.events import Event
    >>> key, part = KeyState(0.0, 300.0), KeyState(0.0, 300.0)
    >>> asks, plain = (0, (5,), 2, 7, 10), (0, (6,), 0, 8, 10)
    >>> for i in range(40):
    ...     fp = asks if i % 4 == 0 else plain
    ...     key.add(Event(float(i), "k", 20, 900), fp)
    ...     if i % 4 == 0:
    ...         part.add(Event(float(i), "k", 20, 900), fp)
    >>> distinct(part, key, 40.0)
    1.0
    """
    if whole is None:
        whole = state.sums(1, now)
    if part is None:
        part = sliced.sums(1, now)
    rest_prompts = whole[L.FP] - part[L.FP]
    if part[L.FP] < 5.0 or rest_prompts < 5.0:
        return 0.0
    inside = part[L.CUE] / part[L.FP]
    outside = max(whole[L.CUE] - part[L.CUE], 0.0) / rest_prompts
    return ramp(inside - outside, 0.2, 0.5)


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

    def evaluate(self, state: KeyState, now: float, explain: bool = True) -> Verdict:
        """The key's verdict at event time ``now`` (reads the state, changes nothing).

        Without ``explain`` the families carry no parts (see :func:`core_families`);
        every number of the verdict is the same.
        """
        age = max(now - state.first_ts, 0.0)
        # Each horizon's sums are read once: the statistics and the support signals
        # both read them (a fresh list each, never changed by either).
        day_sums, hour_sums = state.sums(1, now), state.sums(0, now)
        day = key_statistics(day_sums)
        clip = self.combiner.clip
        horizons = []
        for index, stats in ((1, day), (0, key_statistics(hour_sums))):
            families = core_families(stats, self.scales, span(age, L.HORIZONS[index]), explain)
            horizons.append((index, families, [clip(e) for e in families]))
        day_core, hour_core = (sum(clipped) for _, _, clipped in horizons)
        signals = with_evidence_change(
            support(state, day, now, self.scales, day_sums, hour_sums), hour_core - day_core, age
        )
        best: Verdict | None = None
        for index, families, clipped in horizons:
            total, added = self.combiner.combine(clipped, signals)
            if best is None or total > best.total:
                best = Verdict(evidence_to_score(total), total, HORIZON_NAMES[index],
                               tuple(families), signals, added, day)  # fmt: skip
        assert best is not None
        sliced = state.slice
        if sliced is not None:
            slice_sums = sliced.sums(1, now)
            slice_day = key_statistics(slice_sums)
            families = slice_families(
                slice_day, day, self.scales, span(now - sliced.first_ts, L.DAY), explain
            )
            slice_signals = support(sliced, slice_day, now, self.scales, slice_sums)
            total, added = self.combiner.total(families, slice_signals)
            # The slice is judged with its key's context: a key whose traffic carries
            # conversations gives its long-answer requests half the benefit of the doubt.
            key_structure = next(e.value for e in best.families if e.family == "structure")
            total += 0.5 * min(self.combiner.clip(Evidence("structure", key_structure, ())), 0.0)
            trust = max(distinct(sliced, state, now, day_sums, slice_sums), signals.change)
            if total > best.total and trust > 0:
                total = best.total + (total - best.total) * trust
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
