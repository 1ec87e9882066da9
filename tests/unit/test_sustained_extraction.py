"""The ensemble's four-way term: harvest, content, pacing and volume all at once.

A harvester whose answers are short (~550 tokens), every prompt asking for a worked,
step-by-step answer, ~700 requests an hour around the clock settled at ~0.80 without
it (simulator seeds 25 and 26: one bulk harvester each stayed at warning). Each
benign hard negative lacks at least one of the four; with one family gone the term
adds nothing, and the score must stay where the pairs put it.
"""

from __future__ import annotations

import pytest

from detectors.config import EngineConfig
from detectors.ensemble import Contribution, ExtractionEnsemble

CRITICAL = EngineConfig().critical_threshold
FOUR = ("harvest", "content", "pacing", "volume")

# The family values of seed 25's missed harvester in its steady state.
SHORT_ANSWER_HARVESTER = {
    "harvest": 0.67,
    "content": 0.7,
    "pacing": 1.0,
    "volume": 0.9,
    "change": 0.03,
    "anomaly": 0.0,
}


def _fam(values: dict[str, float]) -> dict[str, tuple[float, list[Contribution]]]:
    return {name: (value, [Contribution(name, value, value)]) for name, value in values.items()}


def test_short_answer_harvester_around_the_clock_is_critical() -> None:
    score = ExtractionEnsemble().score(_fam(SHORT_ANSWER_HARVESTER))
    assert score >= CRITICAL


def test_without_the_term_it_stays_below_critical() -> None:
    weights = dict(ExtractionEnsemble.DEFAULT_WEIGHTS)
    weights.pop("harvest*content*pacing*volume")
    assert ExtractionEnsemble(weights=weights).score(_fam(SHORT_ANSWER_HARVESTER)) < CRITICAL


@pytest.mark.parametrize("missing", FOUR)
def test_the_term_needs_all_four_families(missing: str) -> None:
    values = {**SHORT_ANSWER_HARVESTER, missing: 0.0}
    with_term = ExtractionEnsemble()
    weights = dict(ExtractionEnsemble.DEFAULT_WEIGHTS)
    weights.pop("harvest*content*pacing*volume")
    without_term = ExtractionEnsemble(weights=weights)
    assert with_term.score(_fam(values)) == pytest.approx(without_term.score(_fam(values)))
    assert with_term.score(_fam(values)) < CRITICAL


def test_the_term_lifts_each_of_its_families_in_the_reasons() -> None:
    ens = ExtractionEnsemble()
    ranked = [part.feature for _, part in ens.contributions(_fam(SHORT_ANSWER_HARVESTER))]
    # pacing (1.0 and partnered with all three others) leads; change and anomaly,
    # outside the term and near zero, trail
    assert ranked[0] == "pacing"
    assert ranked.index("volume") < ranked.index("change")
