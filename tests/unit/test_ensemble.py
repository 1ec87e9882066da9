"""The extraction ensemble: families, their combination, and the reasons behind a score.

Properties, not weights: every family answers to its own features, the score is a
monotone map into [0, 1], and only co-occurring families reach the critical threshold.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from typing import Any

import pytest

from detectors.config import EngineConfig
from detectors.ensemble import Contribution, ExtractionEnsemble, ramp
from detectors.features import FEATURE_NAMES

ENS = ExtractionEnsemble()
CRITICAL = EngineConfig().critical_threshold
FAMILIES = ("harvest", "content", "pacing", "volume", "change", "anomaly")
Families = dict[str, tuple[float, list[Contribution]]]

QUIET: dict[str, float] = {"requests_per_hour": 5.0}
# One feature set per family that saturates it (each on top of QUIET).
HARVESTER_PARTS: dict[str, dict[str, float]] = {
    "harvest": {
        "output_tokens_mean": 1800.0,
        "output_input_ratio": 30.0,
        "reasoning_share": 0.3,
        "multi_sample_share": 0.3,
        "temperatures_distinct": 4.0,
    },
    "content": {
        "content_observed": 1.0,
        "template_share": 0.9,
        "templates_active": 2.0,
        "reasoning_prompt_share": 0.9,
        "vocabulary_breadth": 600.0,
    },
    "pacing": {
        "active_hours_24h": 24.0,
        "observed_hours": 30.0,
        "hourly_volume_cv": 0.05,
        "requests_per_hour": 20.0,
    },
    "volume": {"requests_per_hour": 3000.0},
}


def families(features: Mapping[str, float], anomaly: float = 0.0, change: float = 0.0) -> Families:
    return ENS.families(features, anomaly=anomaly, change=change)


def value(features: Mapping[str, float], family: str, **kwargs: float) -> float:
    return families(features, **kwargs)[family][0]


def direct(**values: float) -> Families:
    """Family values set directly (no features): for properties of the combination."""
    return {name: (values.get(name, 0.0), []) for name in FAMILIES}


def features(*parts: str, **extra: float) -> dict[str, float]:
    out = dict(QUIET)
    for part in parts:
        for name, v in HARVESTER_PARTS[part].items():
            out[name] = max(out.get(name, 0.0), v)
    out.update(extra)
    return out


# -- ramp ---------------------------------------------------------------------------------


def test_ramp_is_a_clamped_monotone_line() -> None:
    xs = [x / 4 for x in range(-8, 50)]
    ys = [ramp(x, 1.0, 9.0) for x in xs]
    assert ys == sorted(ys)
    assert ys[0] == 0.0 and ys[-1] == 1.0
    assert all(0.0 <= y <= 1.0 for y in ys)
    assert ramp(1.0, 1.0, 9.0) == 0.0 and ramp(9.0, 1.0, 9.0) == 1.0
    assert ramp(3.0, 1.0, 9.0) < ramp(7.0, 1.0, 9.0)


# -- families -----------------------------------------------------------------------------


def test_a_quiet_key_has_no_evidence_in_any_family() -> None:
    fam = families(QUIET)
    for name in FAMILIES:
        assert fam[name][0] == 0.0, name
    assert ENS.score(fam) < 0.05
    assert ENS.contributions(fam) == []


@pytest.mark.parametrize("family", list(HARVESTER_PARTS))
def test_each_family_fires_on_its_own_features_only(family: str) -> None:
    fam = families(features(family))
    assert fam[family][0] > 0.5
    for other in HARVESTER_PARTS:
        if other != family:
            assert fam[other][0] == 0.0, other


FAMILY_SWEEPS: list[tuple[str, str, list[float], dict[str, float]]] = [
    ("harvest", "output_tokens_mean", [0, 200, 400, 800, 1200, 3000], {"output_input_ratio": 20}),
    ("harvest", "output_input_ratio", [0, 1, 2, 4, 6, 50], {"output_tokens_mean": 2000}),
    ("harvest", "reasoning_share", [0, 0.1, 0.3, 0.5, 0.7, 1.0], {}),
    ("harvest", "multi_sample_share", [0, 0.05, 0.1, 0.3, 0.5, 1.0], {}),
    ("harvest", "temperatures_distinct", [0, 1, 3, 5, 7, 20], {}),
    ("harvest", "capped_output_share", [0, 0.2, 0.4, 0.6, 0.8, 1.0], {}),
    ("harvest", "high_max_tokens_share", [0, 0.2, 0.4, 0.6, 0.9, 1.0], {}),
    (
        "content",
        "template_share",
        [0, 0.2, 0.4, 0.6, 0.8, 1.0],
        {"content_observed": 1, "templates_active": 2},
    ),
    ("content", "reasoning_prompt_share", [0, 0.1, 0.3, 0.5, 0.7, 1.0], {"content_observed": 1}),
    (
        "content",
        "vocabulary_breadth",
        [0, 100, 300, 500, 800, 2000],
        {"content_observed": 1, "template_share": 0.9, "templates_active": 2},
    ),
    (
        "content",
        "reasoned_output_mean",
        [0, 400, 600, 800, 1100, 4000],
        {"content_observed": 1, "reasoning_prompt_share": 0.1},
    ),
    (
        "pacing",
        "active_hours_24h",
        [0, 12, 18, 20, 22, 24],
        {"observed_hours": 30, "hourly_volume_cv": 0.05, "requests_per_hour": 20},
    ),
    (
        "pacing",
        "observed_hours",
        [0, 4, 8, 12, 16, 30],
        {"active_hours_24h": 24, "hourly_volume_cv": 0.05, "requests_per_hour": 20},
    ),
    ("volume", "requests_per_hour", [0, 10, 50, 200, 800, 5000], {}),
]


@pytest.mark.parametrize(("family", "feature", "grid", "context"), FAMILY_SWEEPS)
def test_a_family_rises_with_its_own_features(
    family: str, feature: str, grid: list[float], context: dict[str, float]
) -> None:
    values = [value({**QUIET, **context, feature: x}, family) for x in grid]
    assert values == sorted(values), values
    assert values[0] < values[-1]
    assert all(0.0 <= v <= 1.0 for v in values)


def test_pacing_falls_as_hourly_volume_gets_uneven() -> None:
    base = dict(HARVESTER_PARTS["pacing"])
    values = [
        value({**base, "hourly_volume_cv": cv}, "pacing") for cv in (0, 0.1, 0.2, 0.3, 0.5, 2)
    ]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0.5 > values[-1] == 0.0


def test_a_young_or_light_key_is_not_machine_paced() -> None:
    paced = HARVESTER_PARTS["pacing"]
    assert value(paced, "pacing") > 0.5
    assert value({**paced, "observed_hours": 2.0, "active_hours_24h": 2.0}, "pacing") == 0.0
    assert value({**paced, "requests_per_hour": 1.0}, "pacing") == 0.0


def test_content_is_zero_without_prompt_text() -> None:
    seen = features("content", reasoned_output_mean=3000.0)
    blind = {**seen, "content_observed": 0.0}
    assert value(seen, "content") > 0.5
    assert value(blind, "content") == 0.0
    assert not any(
        part.feature in HARVESTER_PARTS["content"] and w > 0
        for w, part in ENS.contributions(families(blind))
    )


# -- the combined score -------------------------------------------------------------------


def test_the_score_is_in_the_unit_interval_and_monotone_in_every_family() -> None:
    rng = random.Random(21)
    for _ in range(500):
        point = {name: rng.choice((0.0, 1.0, rng.random())) for name in FAMILIES}
        score = ENS.score(direct(**point))
        assert 0.0 <= score <= 1.0
        for name in FAMILIES:
            bumped = dict(point, **{name: min(point[name] + rng.uniform(0.01, 1.0), 1.0)})
            assert ENS.score(direct(**bumped)) >= score, name
    assert ENS.score(direct()) < ENS.score(direct(**dict.fromkeys(FAMILIES, 1.0)))


@pytest.mark.parametrize("family", FAMILIES)
def test_no_single_family_alone_reaches_critical(family: str) -> None:
    assert ENS.score(direct(**{family: 1.0})) < CRITICAL


@pytest.mark.parametrize("family", list(HARVESTER_PARTS))
def test_no_single_family_of_real_features_reaches_critical(family: str) -> None:
    for anomaly in (0.0, 1.0):
        assert ENS.score(families(features(family), anomaly=anomaly)) < CRITICAL


@pytest.mark.parametrize("pair", list(itertools.combinations(HARVESTER_PARTS, 2)))
def test_no_pair_of_the_four_families_reaches_critical(pair: tuple[str, str]) -> None:
    # Every pair fits some benign heavy user (templated batch jobs run around the clock,
    # content farms take long outputs at volume): the design needs more than two.
    assert ENS.score(families(features(*pair))) < CRITICAL


BENIGN: dict[str, dict[str, Any]] = {
    # Batch classifier: one template over a taxonomy, short answers, around the clock.
    "classifier": dict(
        features("content", "pacing", "volume"),
        reasoning_prompt_share=0.0,
        output_tokens_mean=5.0,
        output_input_ratio=0.05,
    ),
    # Translation service: 24/7, high volume, no templates, outputs as long as inputs.
    "translation": dict(
        features("pacing", "volume"), output_tokens_mean=400.0, output_input_ratio=1.0
    ),
    # Content farm: long outputs by day, high volume, no reasoning asks, not machine-paced.
    "content farm": dict(
        features("volume"),
        output_tokens_mean=2000.0,
        output_input_ratio=20.0,
        active_hours_24h=10.0,
        observed_hours=30.0,
        hourly_volume_cv=0.9,
    ),
}


@pytest.mark.parametrize("name", list(BENIGN))
def test_benign_heavy_users_stay_below_critical(name: str) -> None:
    assert ENS.score(families(BENIGN[name])) < CRITICAL


@pytest.mark.parametrize(
    "parts",
    [
        ("harvest", "content", "pacing"),
        ("harvest", "content", "pacing", "volume"),
    ],
)
def test_a_harvesters_co_occurring_families_reach_critical(parts: tuple[str, ...]) -> None:
    assert ENS.score(families(features(*parts))) >= CRITICAL


def test_a_taken_over_key_harvesting_around_the_clock_reaches_critical() -> None:
    # No prompt text: harvesting, machine pacing and a sudden change of behaviour.
    fam = families(features("harvest", "pacing", "volume"), change=1.0)
    assert ENS.score(fam) >= CRITICAL


def test_all_four_together_score_above_any_three() -> None:
    four = ENS.score(families(features(*HARVESTER_PARTS)))
    for three in itertools.combinations(HARVESTER_PARTS, 3):
        assert four > ENS.score(families(features(*three))), three


def test_a_higher_temperature_flattens_the_score() -> None:
    hot = ExtractionEnsemble(temperature=3.0)
    loud, quiet = direct(**dict.fromkeys(FAMILIES, 1.0)), direct()
    assert hot.score(loud) < ENS.score(loud)
    assert hot.score(quiet) > ENS.score(quiet)


# -- contributions ------------------------------------------------------------------------


def test_contributions_are_ranked_strongest_first_and_name_real_features() -> None:
    fam = families(features(*HARVESTER_PARTS, capped_output_share=0.5), anomaly=0.5)
    ranked = ENS.contributions(fam)
    assert len(ranked) >= 5
    weights = [w for w, _ in ranked]
    assert weights == sorted(weights, reverse=True)
    assert all(w > 0 for w in weights)
    assert all(part.feature in FEATURE_NAMES for _, part in ranked)
    assert len({part.feature for _, part in ranked}) == len(ranked)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"multi_sample_share": 0.9}, "multi_sample_share"),
        ({"reasoning_share": 0.9}, "reasoning_share"),
        ({"capped_output_share": 0.95}, "capped_output_share"),
        ({"requests_per_hour": 5000.0}, "requests_per_hour"),
    ],
)
def test_the_strongest_reason_is_the_feature_that_fired(
    extra: dict[str, float], expected: str
) -> None:
    ranked = ENS.contributions(families({**QUIET, **extra}))
    assert ranked[0][1].feature == expected
    assert ranked[0][1].value == extra[expected]


def test_a_stronger_feature_contributes_more() -> None:
    weak = ENS.contributions(families({**QUIET, "multi_sample_share": 0.15}))
    strong = ENS.contributions(families({**QUIET, "multi_sample_share": 0.35}))
    assert strong[0][0] > weak[0][0] > 0
