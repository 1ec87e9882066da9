"""Planted half-space forests are river's own forests, and copies never share state."""

from __future__ import annotations

import random
from typing import Any

from river import anomaly

from detectors import forests
from detectors.models import SCALED_FEATURES, PopulationModel


def _nodes(forest: anomaly.HalfSpaceTrees) -> list[tuple[Any, ...]]:
    return [
        (type(n).__name__, getattr(n, "feature", None), getattr(n, "threshold", None),
         n.l_mass, n.r_mass)
        for tree in forest.trees
        for n in tree.iter_dfs()
    ]  # fmt: skip


def _points(seed: int, count: int) -> list[dict[str, float]]:
    rng = random.Random(seed)
    return [{name: rng.random() for name in SCALED_FEATURES} for _ in range(count)]


def test_a_planted_forest_learns_and_scores_as_rivers_own() -> None:
    forests._forests.clear()
    grown = anomaly.HalfSpaceTrees(n_trees=10, height=8, window_size=50, seed=42)
    first = anomaly.HalfSpaceTrees(n_trees=10, height=8, window_size=50, seed=42)
    copied = anomaly.HalfSpaceTrees(n_trees=10, height=8, window_size=50, seed=42)
    names = sorted(SCALED_FEATURES)
    forests.plant(first, names)  # builds, remembers
    forests.plant(copied, names)  # copies
    for x in _points(1, 120):
        for forest in (grown, first, copied):
            forest.learn_one(x)
    probes = _points(2, 20)
    expected = [grown.score_one(x) for x in probes]
    assert [first.score_one(x) for x in probes] == expected
    assert [copied.score_one(x) for x in probes] == expected
    assert _nodes(first) == _nodes(copied) == _nodes(grown)
    assert first.rng.getstate() == grown.rng.getstate() == copied.rng.getstate()
    assert dict(first.limits) == dict(grown.limits)


def test_copies_do_not_share_masses_and_other_seeds_get_other_trees() -> None:
    a, b = PopulationModel(seed=5), PopulationModel(seed=5)
    other = PopulationModel(seed=6)
    x = _points(3, 1)[0]
    for _ in range(3):
        a.learn_one(x)
    b.learn_one(x)
    other.learn_one(x)
    masses = [n.l_mass for t in a._trees.trees for n in t.iter_dfs()]
    assert masses != [n.l_mass for t in b._trees.trees for n in t.iter_dfs()]
    thresholds = [getattr(n, "threshold", None) for n in a._trees.trees[0].iter_dfs()]
    assert thresholds != [getattr(n, "threshold", None) for n in other._trees.trees[0].iter_dfs()]
