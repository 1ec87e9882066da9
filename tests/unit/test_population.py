"""Population scales: robust location and spread, forgetting, and what teaches them."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from detectors.evidence.population import PopulationScale
from detectors.evidence.scales import Scales


def test_cold_scales_give_no_position() -> None:
    scale = PopulationScale(0.0, 10.0, min_spread=0.1, min_weight=20)
    for i in range(19):
        scale.learn_one(5.0, now=float(i))
    assert scale.position(9.0) == 0.0
    scale.learn_one(5.0, now=20.0)
    assert scale.position(9.0) > 0


def test_an_upper_quarter_of_outliers_barely_moves_the_spread() -> None:
    rng = random.Random(1)
    clean = PopulationScale(0.0, 12.0, min_spread=0.1)
    dirty = PopulationScale(0.0, 12.0, min_spread=0.1)
    for i in range(2000):
        x = rng.gauss(4.0, 1.0)
        clean.learn_one(x, now=float(i))
        dirty.learn_one(x if rng.random() > 0.25 else rng.gauss(9.0, 0.3), now=float(i))
    harvester = 9.0
    assert clean.position(harvester) > 6
    # The median moves up and the (lower-side) spread a little: still far above.
    assert dirty.position(harvester) > 3


def test_old_observations_are_forgotten() -> None:
    scale = PopulationScale(0.0, 10.0, min_spread=0.1, half_life=3600.0)
    for i in range(500):
        scale.learn_one(2.0, now=float(i))
    for i in range(500):
        scale.learn_one(8.0, now=86400.0 + i)
    assert 7.5 < scale.median < 8.5


@given(st.lists(st.floats(-1e9, 1e9) | st.just(float("nan")) | st.just(float("inf")), max_size=50))
def test_any_values_keep_it_finite(values: list[float]) -> None:
    scale = PopulationScale(0.0, 1.0, min_spread=0.1, min_weight=1)
    for i, v in enumerate(values):
        scale.learn_one(v, now=float(i))
    assert 0.0 <= scale.median <= 1.0 and scale.spread >= 0.1


def test_new_keys_teach_only_as_they_age() -> None:
    start = 0.0
    assert Scales.weight(3600.0, start, 7200.0) == 1.0  # seen in the first hours
    late = 86400.0
    assert Scales.weight(late, start, late + 3600.0) == 0.0
    assert 0.0 < Scales.weight(late, start, late + 24 * 3600.0) < 1.0
    assert Scales.weight(late, start, late + 72 * 3600.0) == 1.0
