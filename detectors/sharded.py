"""One engine per Kafka partition, routed like Kafka's default partitioner.

Streaming workers hold one :class:`~detectors.engine.Engine` per assigned
partition; replay runs this class so the same events meet the same engines in
the same per-partition order, which is what makes their alerts identical.

Replay also runs the cross-key stage here. The summaries each engine produces
are tagged ``(watermark, partition, seq)`` and go through a
:class:`~detectors.summary_merge.SummaryMerger`, which hands them to one
:class:`~detectors.campaigns.CampaignStage` in tag order, the order streaming
workers reproduce (pipeline/runtime/campaign_stage.py), not in the input file's
interleaving of partitions. A summary is released once every partition's engine
has moved past its watermark, so campaign alerts come a little after the event
that caused them; :meth:`ShardedEngine.finish` releases the rest at end of input.
"""

from __future__ import annotations

from detectors.alerts import Alert
from detectors.campaign_config import CampaignConfig
from detectors.campaigns import CampaignStage
from detectors.config import EngineConfig
from detectors.engine import Engine, EngineStats
from detectors.engine.emitted import Emitted
from detectors.events import Event
from detectors.keybudget import KeyBudget
from detectors.native import NATIVE
from detectors.partitioning import router
from detectors.summary_merge import SummaryMerger

__all__ = ["ShardedEngine"]


class ShardedEngine:
    """Route events to ``config.partitions`` engines by key; run the campaign stage behind them.

    Parameters
    ----------
    config
        Per-key engine settings.
    campaign_config
        Campaign stage settings (defaults when omitted).
    campaigns
        Run the campaign stage (default). Off, the engines keep no summaries at all.
    prompt_key
        The deployment's secret for prompt hashes (see :class:`Engine`).

    Examples
    --------
    >>> from detectors.events import Event
    >>> sharded = ShardedEngine(EngineConfig(partitions=4))
    >>> sharded.process(Event(1_791_000_000.0, "key-1", 10, 10))
    Emitted(alerts=(), scores=(), summaries=())
    >>> sharded.stats.events_valid, len(sharded.engines)
    (1, 4)
    >>> sharded.finish()
    []
    """

    def __init__(
        self,
        config: EngineConfig | None = None,
        campaign_config: CampaignConfig | None = None,
        campaigns: bool = True,
        prompt_key: str = "",
    ) -> None:
        self.config = config or EngineConfig()
        self.engines = [Engine(self.config, prompt_key) for _ in range(self.config.partitions)]
        #: ``max_keys`` is one cap for all the shards, as for a worker's partitions
        self.key_budget = KeyBudget(self.config.max_keys)
        for engine in self.engines:
            engine.share_key_budget(self.key_budget)
        self._route = router(self.config.partitions)
        self.campaigns: CampaignStage | None = None
        self.merger: SummaryMerger | None = None
        #: per partition, the seq its next summary gets (the merger's tag)
        self.summary_seq = [0] * self.config.partitions
        if campaigns:
            self.campaigns = CampaignStage(campaign_config)
            self.merger = SummaryMerger(self.config.partitions)
            for engine in self.engines:
                engine.enable_summaries()
        hot_paths = [engine.hot_path for engine in self.engines]
        if NATIVE is not None and all(path is not None for path in hot_paths):
            # Routing and the per-event check compiled (native/src/sharded.rs): it calls
            # ``_merge`` only when that can release something; ``process`` below is the
            # reference.
            merge = self._merge if self.merger is not None else None
            held = self.merger.buffer if self.merger is not None else None
            self.process = NATIVE.ShardedPath(  # type: ignore[method-assign]
                ShardedEngine.process.__get__(self), hot_paths, merge, held
            ).process

    def process(self, event: Event) -> Emitted:
        """What the event caused: per-key alerts and scores, then campaign alerts.

        The engines' summaries go to the campaign stage (in the merger's order) and are
        not passed on.
        """
        partition = self._route(event.api_key_id)
        emitted = self.engines[partition].process(event)
        if self.merger is None:
            return emitted
        return self._merge(partition, emitted)

    def _merge(self, partition: int, emitted: Emitted) -> Emitted:
        """Offer the partition's new summaries; return ``emitted`` with any campaign alerts."""
        merger = self.merger
        assert merger is not None
        engine = self.engines[partition]
        summaries = emitted.summaries
        if summaries:
            emitted = Emitted(emitted.alerts, emitted.scores)
            # Partitions' watermarks are not passed on while nothing is held back (most
            # events): catch them all up now, so the merger holds exactly what passing on
            # every one would have left it with.
            self._catch_up()
            watermark = engine.watermark
            seq = self.summary_seq[partition]
            for summary in summaries:
                merger.offer(partition, seq, watermark, summary)
                seq += 1
            self.summary_seq[partition] = seq
        elif merger.buffer:
            # Every partition, not only this one: the compiled path calls here only when
            # this partition was the slowest, so the others' watermarks may be behind.
            self._catch_up()
        else:
            return emitted  # nothing held back, so nothing to release
        released = merger.release()
        if not released:
            return emitted
        assert self.campaigns is not None
        raised = self.campaigns.process_many(released)
        if not raised:
            return emitted
        return Emitted((*emitted.alerts, *raised), emitted.scores)

    def _catch_up(self) -> None:
        """Pass every partition's engine watermark on to the merger."""
        merger = self.merger
        assert merger is not None
        for partition, engine in enumerate(self.engines):
            merger.advance(partition, engine.watermark)

    def finish(self) -> list[Alert]:
        """End of input: run the summaries still held back; return their campaign alerts."""
        if self.merger is None or self.campaigns is None:
            return []
        return self.campaigns.process_many(self.merger.flush())

    def partition_of(self, api_key_id: str) -> int:
        return self._route(api_key_id)

    @property
    def stats(self) -> EngineStats:
        """Counters summed over the shards."""
        total = EngineStats()
        for engine in self.engines:
            s = engine.stats
            total.events_valid += s.events_valid
            total.events_duplicate += s.events_duplicate
            total.events_late += s.events_late
            total.events_early += s.events_early
            total.keys_tracked += s.keys_tracked
            total.keys_expired += s.keys_expired
            total.windows_folded += s.windows_folded
            total.windows_scored += s.windows_scored
            total.anomalous_keys += s.anomalous_keys
            total.state_bytes += s.state_bytes
            total.population_warm = total.population_warm or s.population_warm
            for severity, count in s.alerts_by_severity.items():
                total.alerts_by_severity[severity] += count
        if self.campaigns is not None:
            for severity, count in self.campaigns.stats.alerts_by_severity.items():
                total.alerts_by_severity[severity] += count
        return total

    def top_keys(self, k: int = 10) -> list[tuple[str, float]]:
        merged = [item for engine in self.engines for item in engine.top_keys(k)]
        merged.sort(key=lambda item: (-item[1], item[0]))
        return merged[:k]
