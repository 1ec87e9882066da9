"""Half-space forests built once per process and copied, not grown again per engine.

A replay holds one engine per partition and each engine's population model grows
the same river ``HalfSpaceTrees`` forest: same seed, same features, so the same
trees (10 trees of 511 nodes, ~20 ms each forest, ~2 ms to copy). :func:`plant`
gives a model's forest the trees its first ``learn_one`` would have built, from a
memo keyed by everything the construction reads, and leaves the random generator
where construction leaves it. river is pinned exactly (pyproject.toml); a test
checks planted forests against river's own, node for node.
"""

from __future__ import annotations

from typing import Any

from river import anomaly
from river.tree.padded import make_padded_tree

__all__ = ["plant"]

# river's construction arguments (river/anomaly/hst.py, HalfSpaceTrees.learn_one).
_PADDING = 0.15
_MEMO_SIZE = 4
_forests: dict[tuple[Any, ...], tuple[list[Any], tuple[Any, ...]]] = {}


def _copy(node: Any) -> Any:
    twin = object.__new__(type(node))
    state = node.__dict__.copy()
    children = state.get("children")
    if children is not None:
        state["children"] = tuple(_copy(child) for child in children)
    twin.__dict__.update(state)
    return twin


def plant(forest: anomaly.HalfSpaceTrees, features: list[str]) -> None:
    """Build ``forest``'s trees for ``features`` (sorted names) as its first learn would.

    Call before the first ``learn_one``; a forest that has trees is left alone.

    Examples
    --------
    >>> a = anomaly.HalfSpaceTrees(n_trees=2, height=3, seed=7)
    >>> b = anomaly.HalfSpaceTrees(n_trees=2, height=3, seed=7)
    >>> plant(a, ["x", "y"])
    >>> b.learn_one({"x": 0.5, "y": 0.5})  # river grows its own
    >>> [n.threshold for n in a.trees[0].iter_dfs() if hasattr(n, "threshold")] == [
    ...     n.threshold for n in b.trees[0].iter_dfs() if hasattr(n, "threshold")]
    True
    """
    if forest.trees:
        return
    # Reading the defaultdict registers each feature in it, as river's own build does.
    limits = {name: forest.limits[name] for name in features}
    key = (
        forest.n_trees,
        forest.height,
        tuple(limits.items()),
        forest.rng.getstate(),
    )
    built = _forests.get(key)
    if built is None:
        trees = [
            make_padded_tree(
                limits=dict(limits),
                height=forest.height,
                padding=_PADDING,
                rng=forest.rng,
                r_mass=0,
                l_mass=0,
            )
            for _ in range(forest.n_trees)
        ]
        if len(_forests) >= _MEMO_SIZE:
            _forests.pop(next(iter(_forests)))
        built = _forests[key] = (trees, forest.rng.getstate())
    trees, after = built
    forest.trees = [_copy(tree) for tree in trees]
    forest.rng.setstate(after)
    forest._tree_nodes = [list(tree.iter_dfs()) for tree in forest.trees]
