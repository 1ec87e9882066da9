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

import random
from typing import Any

from detectors.alerts import Episode, EpisodeTracker
from detectors.attributes import AttributeBits, AttributeIndex
from detectors.campaign_clusters import Cluster, ClusterProfile, KeyRecord
from detectors.campaign_config import CampaignConfig
from detectors.campaign_index import FrameGroup, TemplateIndex
from detectors.campaign_links import TopicProfile
from detectors.campaign_membership import CampaignStats
from detectors.campaign_population import KeyCounts, OpeningDays, Population, TopicBackground
from detectors.campaign_score import CampaignScore, Weights
from detectors.config import EngineConfig
from detectors.dedup import RecentIds
from detectors.engine import EngineStats
from detectors.engine.keytable import KeyTable
from detectors.engine.scoring import Scorer
from detectors.engine.succession import Succession
from detectors.evidence.combine import EvidenceCombiner
from detectors.evidence.population import PopulationScale
from detectors.evidence.scales import Scales
from detectors.state.keystate import KeyState
from detectors.state.prompt_memory import BloomGenerations, PromptMemory
from detectors.statecodec import register
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


def _index_state(index: AttributeIndex) -> dict[str, Any]:
    return {"capacity": index.capacity, "capacity_bytes": index.capacity_bytes}


def _index_from(state: dict[str, Any]) -> AttributeIndex:
    return AttributeIndex(int(state["capacity"]), int(state["capacity_bytes"]))


# -- the engine -------------------------------------------------------------------------
register(KeyState)
register(Episode)
register(EpisodeTracker)
register(AttributeIndex, to_state=_index_state, from_state=_index_from)
register(AttributeBits, to_state=_bits_state, from_state=_bits_from)
register(RecentIds)
register(EngineStats)
register(EngineConfig)
register(Scorer)
register(KeyTable)
register(Succession)
register(EvidenceCombiner)
register(Scales)
register(PopulationScale)
register(PromptMemory)
register(BloomGenerations)
register(KeySummary)
# -- the campaign stage and the summary merger ------------------------------------------
register(CampaignStats)
register(CampaignConfig)
register(Weights)
register(FrameGroup)
register(KeyRecord)
register(Cluster)
register(ClusterProfile)
register(TopicProfile)
register(CampaignScore)
register(Population)
register(KeyCounts)
register(OpeningDays)
register(TopicBackground)
register(TemplateIndex)
register(random.Random, to_state=_random_state, from_state=_random_from)
register(MergeStats)
