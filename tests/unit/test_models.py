"""Scoring models: population anomaly model, calibrator, baseline, per-key change detector.

Seeded random populations only; assertions are relations (A above B, in range, monotone).
"""

from __future__ import annotations

import math
import random
import statistics
from array import array

import pytest

from detectors.models import (
    SCALED_FEATURES,
    KeyChangeDetector,
    PopulationBaseline,
    PopulationModel,
    RankCalibrator,
    scale_features,
    unscale,
)


def normal_point(
    rng: random.Random, centre: float = 0.25, spread: float = 0.05
) -> dict[str, float]:
    """One ordinary key: every scaled feature near ``centre``."""
    return {name: min(max(rng.gauss(centre, spread), 0.0), 1.0) for name in SCALED_FEATURES}


def trained(seed: int, count: int = 400, warmup: int = 200) -> PopulationModel:
    rng = random.Random(seed)
    model = PopulationModel(warmup=warmup, window_size=50, seed=seed)
    for _ in range(count):
        x = normal_point(rng)
        model.score_one(x)  # the engine scores before it learns
        model.learn_one(x)
    return model


# -- scaling ------------------------------------------------------------------------------


def test_scaling_maps_into_the_unit_interval_and_is_monotone() -> None:
    for name in SCALED_FEATURES:
        values = [0.0, 0.01, 0.5, 1.0, 3.0, 50.0, 1e3, 1e6, 1e12]
        scaled = [scale_features({name: v})[name] for v in values]
        assert all(0.0 <= s <= 1.0 for s in scaled), name
        assert scaled == sorted(scaled), name
        assert scaled[0] == 0.0 and scaled[-1] == 1.0, name
    assert scale_features({"requests_per_hour": -5.0})["requests_per_hour"] == 0.0


@pytest.mark.parametrize("name", SCALED_FEATURES)
def test_unscale_inverts_scaling_inside_the_range(name: str) -> None:
    for s in (0.1, 0.5, 0.9):
        raw = unscale(name, s)
        assert scale_features({name: raw})[name] == pytest.approx(s, abs=1e-9)


# -- population model ---------------------------------------------------------------------


def test_population_model_is_silent_during_warm_up() -> None:
    rng = random.Random(1)
    model = PopulationModel(warmup=100, window_size=30, seed=1)
    outlier = dict.fromkeys(SCALED_FEATURES, 0.99)
    for _ in range(99):
        model.learn_one(normal_point(rng))
        assert not model.warm
        assert model.score_one(outlier) == 0.0
    model.learn_one(normal_point(rng))
    assert model.warm


def test_an_outlier_scores_above_typical_points() -> None:
    model = trained(seed=2)
    rng = random.Random(99)
    typical = [model.score_one(normal_point(rng)) for _ in range(30)]
    outliers = [model.score_one(normal_point(rng, centre=0.9)) for _ in range(10)]
    assert min(outliers) > statistics.median(typical)
    assert statistics.mean(outliers) > statistics.mean(typical) + 0.3
    # Exactly [0, 1] is the calibrator's job (see its own tests); rounding aside here.
    assert all(-1e-9 <= s <= 1.0 + 1e-9 for s in typical + outliers)


def test_one_odd_feature_scores_above_the_same_point_without_it() -> None:
    model = trained(seed=3)
    rng = random.Random(5)
    for _ in range(10):
        x = normal_point(rng)
        odd = dict(x, requests_per_hour=1.0, template_share=1.0, interarrival_cv=0.0)
        assert model.score_one(odd) >= model.score_one(x)


def test_same_seed_same_scores() -> None:
    a, b = trained(seed=7), trained(seed=7)
    rng = random.Random(8)
    probes = [normal_point(rng, centre=rng.random()) for _ in range(20)]
    assert [a.score_one(x) for x in probes] == [b.score_one(x) for x in probes]


# -- calibrator ---------------------------------------------------------------------------


def test_calibrator_is_zero_before_it_learns() -> None:
    assert RankCalibrator().score_one(0.7) == 0.0


def _beta_calibrator() -> RankCalibrator:
    rng = random.Random(11)
    cal = RankCalibrator(bins=50)
    for _ in range(2000):
        cal.learn_one(rng.betavariate(2, 5))
    return cal


GRID = [i / 100 for i in range(-10, 111)]


def test_calibrator_is_monotone_from_near_0_to_near_1() -> None:
    cal = _beta_calibrator()
    scores = [cal.score_one(raw) for raw in GRID]
    assert scores == sorted(scores)
    assert scores[0] < 0.05 and scores[-1] > 0.95
    assert all(-1e-9 <= s <= 1.0 + 1e-9 for s in scores)


def test_calibrator_stays_inside_the_unit_interval_exactly() -> None:
    cal = _beta_calibrator()
    assert all(0.0 <= cal.score_one(raw) <= 1.0 for raw in GRID)


def test_calibrator_reads_percentiles_of_what_it_learned() -> None:
    rng = random.Random(12)
    cal = RankCalibrator(bins=200, half_life=1e9)
    raws = [rng.random() for _ in range(5000)]
    for raw in raws:
        cal.learn_one(raw)
    for q in (0.1, 0.5, 0.9):
        point = sorted(raws)[int(q * len(raws))]
        assert cal.score_one(point) == pytest.approx(q, abs=0.03)


def test_calibrator_forgets_old_scores() -> None:
    cal = RankCalibrator(bins=20, half_life=50)
    for _ in range(500):
        cal.learn_one(0.8)
    for _ in range(500):
        cal.learn_one(0.2)
    # Without forgetting 0.5 would sit at the median; recent (low) scores dominate.
    assert cal.score_one(0.5) > 0.95


def test_calibrator_survives_renormalisation() -> None:
    cal = RankCalibrator(bins=10, half_life=1.0)  # weights double per observation
    for i in range(1000):
        cal.learn_one((i % 10) / 10 + 0.05)
    scores = [cal.score_one(i / 10 + 0.05) for i in range(10)]
    assert all(math.isfinite(s) and 0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores)


# -- population baseline ------------------------------------------------------------------


def test_baseline_tracks_the_population_median() -> None:
    rng = random.Random(13)
    base = PopulationBaseline(("a", "b"))
    for _ in range(3000):
        base.learn_one({"a": rng.uniform(0, 100), "b": rng.expovariate(1 / 10)})
    assert base.get("a") == pytest.approx(50, abs=5)
    assert base.get("b") == pytest.approx(10 * math.log(2), rel=0.2)


def test_baseline_sampling_still_finds_the_median() -> None:
    rng = random.Random(14)
    every = PopulationBaseline(("a",), every=1)
    sampled = PopulationBaseline(("a",), every=7)
    for _ in range(5000):
        x = {"a": rng.uniform(0, 100)}
        every.learn_one(x)
        sampled.learn_one(x)
    assert sampled.get("a") == pytest.approx(every.get("a"), abs=6)


def test_baseline_reads_zero_before_learning_and_for_absent_features() -> None:
    base = PopulationBaseline(("a", "b"))
    assert base.get("a") == 0.0
    for v in (5.0, 6.0, 7.0):
        base.learn_one({"a": v})
    assert base.get("a") > 0.0
    assert base.get("b") == 0.0


# -- per-key change detector --------------------------------------------------------------


NAMES = ("requests_per_hour", "template_share", "ip_prefixes", "new_ip_share")


def _feed(det: KeyChangeDetector, state: array, rng: random.Random, centre: float, n: int) -> None:
    for _ in range(n):
        det.learn_one(state, {name: rng.gauss(centre, 0.02) for name in NAMES})


def test_change_detector_is_silent_until_warm() -> None:
    det = KeyChangeDetector(NAMES, warmup=10)
    state = det.new_state()
    rng = random.Random(15)
    for _ in range(9):
        det.learn_one(state, {name: rng.gauss(0.2, 0.02) for name in NAMES})
        assert det.score_one(state, dict.fromkeys(NAMES, 0.95)) == 0.0
    det.learn_one(state, dict.fromkeys(NAMES, 0.2))
    assert det.score_one(state, dict.fromkeys(NAMES, 0.95)) > 0.0


def test_a_key_that_shifts_scores_above_one_that_stays() -> None:
    rng = random.Random(16)
    det = KeyChangeDetector(NAMES, alpha=0.05, warmup=24)
    stays, shifts = det.new_state(), det.new_state()
    _feed(det, stays, rng, 0.2, 100)
    _feed(det, shifts, rng, 0.2, 100)
    same = {name: rng.gauss(0.2, 0.02) for name in NAMES}
    moved = {name: rng.gauss(0.7, 0.02) for name in NAMES}
    assert det.score_one(shifts, moved) > det.score_one(stays, same) + 0.3
    assert 0.0 <= det.score_one(stays, same) < det.score_one(shifts, moved) < 1.0


def test_a_bigger_shift_scores_higher() -> None:
    rng = random.Random(17)
    det = KeyChangeDetector(NAMES)
    state = det.new_state()
    _feed(det, state, rng, 0.2, 100)
    scores = [det.score_one(state, dict.fromkeys(NAMES, 0.2 + d)) for d in (0.0, 0.1, 0.3, 0.6)]
    assert scores == sorted(scores)
    assert scores[0] < scores[-1]


def test_learning_the_new_behaviour_lowers_the_change_score() -> None:
    rng = random.Random(18)
    det = KeyChangeDetector(NAMES, alpha=0.05)
    state = det.new_state()
    _feed(det, state, rng, 0.2, 100)
    moved = dict.fromkeys(NAMES, 0.7)
    before = det.score_one(state, moved)
    _feed(det, state, rng, 0.7, 30)
    middle = det.score_one(state, moved)
    _feed(det, state, rng, 0.7, 200)
    after = det.score_one(state, moved)
    assert before > middle > after
    assert after < 0.3 < before


def test_keys_do_not_share_state() -> None:
    rng = random.Random(19)
    det = KeyChangeDetector(NAMES)
    a, b = det.new_state(), det.new_state()
    _feed(det, a, rng, 0.2, 50)
    _feed(det, b, rng, 0.8, 50)
    assert det.baseline(a, "template_share") < 0.3 < 0.7 < det.baseline(b, "template_share")
    probe = dict.fromkeys(NAMES, 0.8)
    assert det.score_one(a, probe) > det.score_one(b, probe)


def test_deviations_name_the_feature_that_moved() -> None:
    rng = random.Random(20)
    det = KeyChangeDetector(NAMES)
    state = det.new_state()
    _feed(det, state, rng, 0.2, 100)
    z = det.deviations(state, dict(dict.fromkeys(NAMES, 0.2), new_ip_share=0.9))
    assert max(z, key=z.__getitem__) == "new_ip_share"
    assert all(math.isfinite(v) and v >= 0 for v in z.values())
