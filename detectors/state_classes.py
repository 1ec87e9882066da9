"""The classes allowed in snapshots: one ``register`` line per class.

:mod:`detectors.statecodec` restores only instances of registered classes (a
checkpoint read from Kafka must not choose what runs). Everything an engine,
a campaign stage or a summary merger holds is listed here, river's objects
included. To snapshot a new class, add one line::

    register(MyNewState)

and, if it holds something the codec cannot write (a callable, a
``defaultdict``, a generator), give it ``to_state=``/``from_state=`` functions
as for ``HalfSpaceTrees`` below. Bump the snapshot version of whatever holds
it. ``tests/unit/test_statecodec.py`` round-trips real engines and stages: a
class missing here fails there with its name.

Importing this module registers them; the snapshot/restore methods import it.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from typing import Any

from river import anomaly, stats
from river.tree.padded import PaddedBranch, PaddedLeaf

from detectors.alerts import Episode, EpisodeTracker
from detectors.attributes import AttributeBits
from detectors.campaign_config import CampaignConfig
from detectors.campaign_index import TemplateIndex
from detectors.campaign_score import GroupScore, KeyRecord
from detectors.campaigns import CampaignStats, Group
from detectors.config import EngineConfig
from detectors.dedup import RecentIds
from detectors.engine import EngineStats
from detectors.ensemble import ExtractionEnsemble
from detectors.features import KeyState
from detectors.models import (
    KeyChangeDetector,
    PopulationBaseline,
    PopulationModel,
    RankCalibrator,
)
from detectors.statecodec import StateError, register
from detectors.summaries import KeySummary
from detectors.summary_merge import MergeStats

__all__: list[str] = []


def _random_state(rng: random.Random) -> Any:
    return rng.getstate()


def _random_from(state: Any) -> random.Random:
    rng = random.Random()
    rng.setstate(state)  # checks the shape: a forged state raises, nothing runs
    return rng


def _bits_state(bits: AttributeBits) -> dict[str, Any]:
    # The memos are a cache of a pure function: left out, a snapshot stays small
    # whatever user agents a key sent.
    return {"capacity": bits.capacity, "capacity_bytes": bits.capacity_bytes}


def _bits_from(state: dict[str, Any]) -> AttributeBits:
    return AttributeBits(int(state["capacity"]), int(state["capacity_bytes"]))


def _fields(cls: type, names: tuple[str, ...]) -> tuple[Any, Any]:
    """Compact to/from-state functions for objects that hold exactly ``names``.

    A forest has ~5,000 nodes per engine: their values in a fixed order, without
    attribute names, keep a snapshot near pickle's size. A node with other
    attributes (a river upgrade) is refused when writing, never silently cut.
    """

    def to_state(obj: Any) -> list[Any]:
        if tuple(sorted(obj.__dict__)) != tuple(sorted(names)):
            raise StateError(f"{cls.__qualname__} holds {sorted(obj.__dict__)}, not {names}")
        return [obj.__dict__[name] for name in names]

    def from_state(values: Any) -> Any:
        if type(values) is not list or len(values) != len(names):
            raise StateError(f"{cls.__qualname__}: expected {len(names)} values")
        obj: Any = object.__new__(cls)
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return to_state, from_state


_BRANCH = _fields(PaddedBranch, ("children", "feature", "threshold", "l_mass", "r_mass"))
_LEAF = _fields(PaddedLeaf, ("l_mass", "r_mass"))


def _forest_state(forest: anomaly.HalfSpaceTrees) -> dict[str, Any]:
    # ``limits`` is a defaultdict whose factory is a callable: written as a plain dict,
    # the factory rebuilt as river builds it (river is pinned exactly).
    state = dict(forest.__dict__)
    state["limits"] = dict(forest.limits)
    return state


def _forest_from(state: dict[str, Any]) -> anomaly.HalfSpaceTrees:
    forest = object.__new__(anomaly.HalfSpaceTrees)
    forest.__dict__.update(state)
    forest.limits = defaultdict(functools.partial(tuple, (0.0, 1.0)), state["limits"])
    return forest


# -- the engine -------------------------------------------------------------------------
register(KeyState)
register(Episode)
register(EpisodeTracker)
register(AttributeBits, to_state=_bits_state, from_state=_bits_from)
register(RecentIds)
register(EngineStats)
register(EngineConfig)
register(ExtractionEnsemble)
register(PopulationModel)
register(PopulationBaseline)
register(KeyChangeDetector)
register(RankCalibrator)
register(KeySummary)
# -- river, inside the engine's models ----------------------------------------------------
register(anomaly.HalfSpaceTrees, to_state=_forest_state, from_state=_forest_from)
register(PaddedBranch, to_state=_BRANCH[0], from_state=_BRANCH[1])
register(PaddedLeaf, to_state=_LEAF[0], from_state=_LEAF[1])
register(stats.Quantile)
register(type(stats.Quantile()._quantile))  # river's compiled quantile: its own get/setstate
register(random.Random, to_state=_random_state, from_state=_random_from)
# -- the campaign stage and the summary merger ------------------------------------------
register(CampaignStats)
register(CampaignConfig)
register(Group)
register(KeyRecord)
register(GroupScore)
register(TemplateIndex)
register(MergeStats)
