"""The streaming campaign stage: summaries topic in, campaign alerts out.

Per-partition engines publish tagged summaries and watermark heartbeats to the
one-partition summaries topic (pipeline/wire/summaries.py). Every worker with
``campaign_stage`` on, and every ``distillwatch campaigns`` process
(pipeline/cli/campaigns.py), runs a :class:`CampaignProcessor` in the consumer
group ``<group_id>-campaigns``; the one that is assigned the topic's partition
runs the stage, the others stand by and take over (from its checkpoint) when it
leaves or dies. It:

- merges the summaries into the canonical ``(watermark, partition, seq)``
  order (:class:`~detectors.summary_merge.SummaryMerger`), the order
  ``ShardedEngine`` (replay) uses, and runs one
  :class:`~detectors.campaigns.CampaignStage` over them, so its alerts equal
  replay's;
- publishes campaign alerts to the alerts topic (partition of the member key,
  key ``api_key_id``, like per-key alerts), and waits for their
  acknowledgement before any checkpoint that covers them;
- checkpoints stage + merger + the summaries offset + the alerts offsets to
  scan from to a compacted one-partition topic (pipeline/wire/checkpoint.py);
- after a crash, its successor restores the checkpoint, scans the alerts
  topic from the recorded offsets for campaign alerts already published,
  re-reads the summaries from the checkpoint's offset and does not publish
  those alerts again (same ids: the stage is deterministic). Re-emitted
  summaries of a restarted per-partition worker are dropped by seq.

Idle partitions. A partition without traffic would hold back every release.
The stage stops waiting for a partition whose worker reported it caught up
(nothing left to read; workers repeat every partition's heartbeat each
checkpoint interval, so a stage that just took over learns it too; a partition
no worker has reported is waited for) and whose watermark has not moved for
``campaign_idle_seconds`` of wall time; it rejoins when it moves. This is the
one wall-clock decision here: it changes the order only if such a partition
later emits summaries older than what was released meanwhile (counted as
``late``). When the whole stream stops, every partition goes idle and the
stage releases everything, as replay does at the end of its input.

A checkpoint that cannot be restored (old format, forged, damaged) is refused
and reported (``distillwatch_checkpoint_restore_failures_total{stage="campaigns"}``);
the stage is not run from a fresh state, so ``distillwatch_campaign_stage_held``
stays 0 everywhere and the "campaign stage absent" rule fires. A summaries
record that cannot be decoded is skipped and counted (``summaries_skipped``).
The group machinery is :class:`~pipeline.kafka.consumer_loop.ConsumerLoop`;
idle release is :class:`~pipeline.runtime.cadence.IdleWatch` on its clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from detectors import statecodec
from detectors.alerts import Alert
from detectors.campaigns import CampaignStage
from detectors.partitioning import router
from detectors.summary_merge import SummaryMerger
from pipeline.config import Settings
from pipeline.kafka.checkpoint_store import CheckpointStore
from pipeline.kafka.consumer_loop import Clock, ConsumerLoop
from pipeline.kafka.log_reads import end_offsets, published_alert_ids
from pipeline.kafka.topics import ensure_campaign_topics
from pipeline.runtime.cadence import IdleWatch
from pipeline.runtime.sinks import TopicSink
from pipeline.wire.checkpoint import Checkpoint
from pipeline.wire.summaries import decode_record

__all__ = ["CampaignProcessor"]

log = logging.getLogger("distillwatch.campaigns")

# 2: detectors/statecodec.py instead of pickle (nothing read from a topic can execute)
STATE_VERSION = 2


class CampaignProcessor(ConsumerLoop):
    """Run the campaign stage on the summaries topic while this worker holds it.

    Parameters
    ----------
    settings
        Topics, group, timing.
    producer
        A started aiokafka producer: the worker's, or the campaigns process's own
        (shared; stopped by its owner).
    metrics
        A ``PipelineMetrics`` counting published campaign alerts, or ``None``.
    clock
        Monotonic seconds for checkpoint cadence and idle release.
    """

    def __init__(
        self,
        settings: Settings,
        producer: Any,
        metrics: Any | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(settings, clock)
        self.producer = producer
        self.metrics = metrics
        self.router = router(settings.partitions)
        store_settings = settings.model_copy(
            update={"checkpoint_topic": settings.campaign_checkpoint_topic}
        )
        self._store = CheckpointStore(store_settings, producer)
        self._store.owner = f"{settings.group_id}/{settings.requests_topic}/campaigns"
        self._sink = TopicSink(producer)
        self.stage: CampaignStage | None = None
        self.merger: SummaryMerger | None = None
        self.next_offset = 0
        #: alerts partition -> offset a successor scans from for our published alerts
        self.alerts_offsets: dict[int, int] = {}
        self.suppress: set[str] = set()
        self.sequence = 0
        self.dirty = False
        self.alerts_published = 0
        #: summaries records skipped as unreadable (counted, logged once each)
        self.summaries_skipped = 0
        #: why the last checkpoint could not be restored (the stage is then not run)
        self.restore_error: str | None = None
        #: numbers for /metrics, refreshed on the event loop
        #: (pipeline/metrics/campaign_collector.py)
        self.readings: dict[str, float] = {}
        self.idle = IdleWatch(settings.campaign_idle_seconds, clock())
        self._last_checkpoint = clock()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Create the stage's topics if needed and join the campaign consumer group."""
        created = await asyncio.get_running_loop().run_in_executor(
            None, ensure_campaign_topics, self.settings
        )
        if created:
            log.info("created topics: %s", ", ".join(created))
        await self.join(self.settings.summaries_topic, f"{self.settings.group_id}-campaigns")

    async def on_stop(self) -> None:
        await self._checkpoint(force=True)

    # ------------------------------------------------------------------ processing

    async def step(self, batch: dict[Any, list[Any]]) -> None:
        merger, stage = self.merger, self.stage
        if merger is None or stage is None:
            return  # not ours (or revoked while the batch was in flight)
        now = self.clock()
        for records in batch.values():
            for record in records:
                self._absorb(merger, record, now)
        self._mark_idle(merger, now)
        released = merger.release()
        if released:
            await self._publish(stage.process_many(released))
        if now - self._last_checkpoint >= self.settings.checkpoint_interval_seconds:
            await self._checkpoint()
        self._refresh_readings(full=False)

    def _absorb(self, merger: SummaryMerger, record: Any, now: float) -> None:
        if record.offset < self.next_offset:
            return  # fetched before a seek back to the checkpoint
        self.next_offset = record.offset + 1
        self.dirty = True
        try:
            item = decode_record(record.value or b"")
        except ValueError as exc:
            self.summaries_skipped += 1
            log.warning("summaries offset %d skipped: %s", record.offset, exc)
            return
        p = item.partition
        if not 0 <= p < merger.partitions:
            log.warning("summaries from partition %d ignored (partitions=%d)", p, merger.partitions)
            return
        before = merger.watermark(p)
        for seq, watermark, summary in item.summaries:
            merger.offer(p, seq, watermark, summary)
        merger.advance(p, item.watermark)
        moved = bool(item.summaries) or merger.watermark(p) > before
        self.idle.heard(p, moved, item.caught_up, now)

    def _mark_idle(self, merger: SummaryMerger, now: float) -> None:
        if not merger.pending:
            return  # nothing waits: no reason to give up on anyone
        quiet = merger.idle
        for p in self.idle.idle(range(merger.partitions), now):
            if p not in quiet:
                merger.set_idle(p)
                log.info("partition %d idle: campaign summaries no longer wait for it", p)

    async def _publish(self, alerts: list[Alert]) -> None:
        fresh = []
        for alert in alerts:
            if alert.alert_id in self.suppress:
                self.suppress.discard(alert.alert_id)  # a predecessor published it
            else:
                fresh.append(alert)
        if not fresh:
            return
        futures = [
            await self._sink.add(
                self.settings.alerts_topic,
                alert.to_json(),
                key=alert.api_key_id.encode("utf-8"),
                partition=self.router(alert.api_key_id),
            )
            for alert in fresh
        ]
        # Acknowledged before the next checkpoint can cover them.
        await self._sink.flush()
        self.alerts_published += len(fresh)
        if not self.suppress:
            for m in (f.result() for f in futures):
                self.alerts_offsets[m.partition] = max(
                    self.alerts_offsets.get(m.partition, 0), m.offset + 1
                )
        if self.metrics is not None:
            self.metrics.record_alerts(fresh)

    # ------------------------------------------------------------------ checkpoints

    def _state_blob(self) -> bytes:
        assert self.stage is not None and self.merger is not None
        state = {
            "stage": self.stage.snapshot(),
            "merger": self.merger.snapshot(),
            "alerts_offsets": dict(self.alerts_offsets),
        }
        return statecodec.encode(state, "campaign-checkpoint", STATE_VERSION)

    def _refresh_readings(self, full: bool = True) -> None:
        """Copy the stage's numbers for the metrics thread (it must not walk live state).

        The O(1) ones after every step; active campaigns (a walk over the groups) with
        each checkpoint.
        """
        merger, stage = self.merger, self.stage
        if merger is None or stage is None:
            return
        readings = dict(self.readings)
        readings.update(
            summaries_pending=merger.pending,
            summaries_late=merger.stats.late,
            summaries_gaps=merger.stats.gaps,
            summaries_duplicates=merger.stats.duplicates,
            summaries_skipped=self.summaries_skipped,
            partitions_idle=len(merger.idle),
        )
        if full or "campaigns_active" not in readings:
            stats = stage.stats
            readings.update(
                keys_tracked=stats.keys_tracked,
                groups_tracked=stats.groups_tracked,
                campaigns_active=stats.campaigns_active,
            )
        self.readings = readings  # one reference swap: the reader sees old or new, whole

    async def _checkpoint(self, force: bool = False) -> None:
        self._last_checkpoint = self.clock()
        self._refresh_readings()
        if self.stage is None or not (self.dirty or force):
            return
        self.sequence += 1
        await self._store.save(
            Checkpoint(
                partition=0,
                offset=self.next_offset,
                alerts_offset=0,
                engine=self._state_blob(),
                sequence=self.sequence,
            )
        )
        self.dirty = False

    # ------------------------------------------------------------------ rebalance

    async def on_revoked(self, revoked: list[Any]) -> None:
        if not any(tp.partition == 0 for tp in revoked):
            return
        if self.restore_error is not None and self.metrics is not None:
            self.metrics.health.restored("campaigns", 0)
        self.restore_error = None
        if self.stage is None:
            return
        await self._checkpoint(force=True)
        self.stage = self.merger = None
        log.info("campaign stage handed over")

    async def on_assigned(self, assigned: list[Any]) -> None:
        tps = [tp for tp in assigned if tp.partition == 0]
        if not tps or self.stage is not None:
            return
        errors: dict[int, str] = {}
        checkpoint = (await self._store.load([0], errors=errors)).get(0)
        state: dict[str, Any] | None = None
        try:
            if checkpoint is not None:
                state = _read_state(checkpoint.engine, self.settings)
        except ValueError as exc:
            errors[0] = str(exc)
        if errors:
            self._refuse(tps[0], errors[0])
            return
        partitions = list(range(self.settings.partitions))
        if checkpoint is None or state is None:
            self.stage = CampaignStage(self.settings.campaign_config())
            self.merger = SummaryMerger(self.settings.partitions)
            # Alerts already on the topic are an older deployment's: scan only from here.
            self.alerts_offsets = await end_offsets(
                self.settings, self.settings.alerts_topic, partitions
            )
            self.suppress = set()
            self.next_offset = 0
            self.sequence = 0
            if self.settings.start_offset == "earliest":
                await self.consumer.seek_to_beginning(tps[0])
            else:
                await self.consumer.seek_to_end(tps[0])
        else:
            self.stage, self.merger = state["stage"], state["merger"]
            self.alerts_offsets = state["alerts_offsets"]
            scans = await published_alert_ids(self.settings, self.alerts_offsets, campaign=True)
            self.suppress = set().union(*scans.values()) if scans else set()
            self.next_offset = checkpoint.offset
            self.sequence = checkpoint.sequence
            self.consumer.seek(tps[0], checkpoint.offset)
        self.idle.reset(self.clock())
        self.dirty = False
        if checkpoint is None:
            # At once: a successor of a stage that dies before its first periodic
            # checkpoint must still know where this one's alerts start.
            await self._checkpoint(force=True)
        log.info(
            "campaign stage assigned (%s)",
            "restored from checkpoint" if checkpoint is not None else "fresh",
        )

    def _refuse(self, tp: Any, reason: str) -> None:
        """Hold the summaries partition without running the stage, and say so loudly."""
        self.consumer.pause(tp)
        self.restore_error = reason
        if self.metrics is not None:
            self.metrics.health.restore_failed("campaigns", 0)
        log.error(
            "campaign stage not run: its checkpoint was refused: %s "
            "(docs/STREAMING.md, 'A checkpoint that cannot be restored')",
            reason,
        )


def _read_state(blob: bytes, settings: Settings) -> dict[str, Any]:
    """Stage, merger and alert offsets from a campaign checkpoint (``StateError`` if refused)."""
    state = statecodec.decode(blob, "campaign-checkpoint", STATE_VERSION)
    if type(state) is not dict or type(state.get("alerts_offsets")) is not dict:
        raise statecodec.StateError("campaign checkpoint: not a campaign stage's state")
    if not all(type(k) is int and type(v) is int for k, v in state["alerts_offsets"].items()):
        raise statecodec.StateError("campaign checkpoint: bad alert offsets")
    return {
        "stage": CampaignStage.restore(state["stage"], settings.campaign_config()),
        "merger": SummaryMerger.restore(state["merger"]),
        "alerts_offsets": dict(state["alerts_offsets"]),
    }
