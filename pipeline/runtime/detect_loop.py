"""The detect loop: an aiokafka consumer feeding one engine per requests partition.

Why not a faust agent: faust's per-record dispatch caps an agent that does
nothing at ~10k records/s on this machine, while a bare aiokafka ``getmany``
loop reads 200-300k/s (DESIGN.md; ``python -m benchmarks.streaming`` measures
both). faust also owns offsets and acks, which makes "resume exactly at the
checkpoint" hard to guarantee. So :class:`StreamProcessor` runs a raw
consumer, and the faust app (pipeline/runtime/faust_app.py) hosts it as a service.

Guarantees (tested in tests/streaming):

- per partition, events reach the engine in offset order, so a worker's
  alerts equal replay's (``ShardedEngine`` with the same partition count);
- state: each partition's engine is checkpointed (pipeline/wire/checkpoint.py)
  every ``checkpoint_interval_seconds``, on revocation and on shutdown; a
  worker that gets the partition restores it and seeks to the checkpoint;
- alerts: published before the checkpoint that covers them; alerts a crashed
  worker published after its last checkpoint are found on the alerts topic
  and not published again, so none is lost and none is duplicated;
- campaigns (``settings.campaigns``): each partition's summaries and watermark
  go to the summaries topic after every batch, acknowledged before the
  checkpoint that covers them; with ``settings.campaign_stage`` the worker
  also hosts a :class:`~pipeline.runtime.campaign_stage.CampaignProcessor`, which runs
  the campaign stage while this worker holds the summaries topic (without it,
  ``distillwatch campaigns`` processes run the stage: pipeline/cli/campaigns.py);
- no record stops the loop: a record that fails to decode or to process is a
  dead letter with its reason (pipeline/runtime/partition_state.py);
- a checkpoint never covers an offset whose outputs were not acknowledged, on
  every exit path: a partition whose last batch did not finish publishing
  (an exception, a cancelled task on SIGTERM) is not checkpointed again by this
  worker; its successor resumes from the previous checkpoint;
- a partition whose checkpoint cannot be restored (old format, forged,
  damaged) is held paused and reported
  (``distillwatch_checkpoint_restore_failures_total``,
  ``distillwatch_partitions_failed``); the other partitions keep running.

The consumer-group machinery (rebalance listener, group options, run/stop and
the lock) is :class:`~pipeline.kafka.consumer_loop.ConsumerLoop`; checkpoint
turns are :class:`~pipeline.runtime.cadence.CheckpointTurns` on its clock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from detectors.engine import Engine
from detectors.keybudget import KeyBudget
from detectors.partitioning import router
from pipeline.config import Settings
from pipeline.kafka.checkpoint_store import CheckpointStore
from pipeline.kafka.clients import aio_producer
from pipeline.kafka.consumer_loop import Clock, ConsumerLoop
from pipeline.kafka.log_reads import end_offsets, published_alert_ids
from pipeline.kafka.topics import ensure_campaign_topics
from pipeline.runtime.cadence import CheckpointTurns
from pipeline.runtime.campaign_stage import CampaignProcessor
from pipeline.runtime.partition_state import BatchOutput, PartitionState
from pipeline.runtime.sinks import TopicSink
from pipeline.wire.checkpoint import Checkpoint
from pipeline.wire.summaries import encode_records

__all__ = ["StreamProcessor"]

log = logging.getLogger("distillwatch.stream")


class StreamProcessor(ConsumerLoop):
    """Consume the requests topic, run the engines, publish alerts and dead letters.

    Parameters
    ----------
    settings
        Topics, group, batching and checkpoint settings.
    metrics
        A ``PipelineMetrics`` (or ``None``): updated once per batch.
    clock
        Monotonic seconds for checkpoint turns (tests step it by hand).
    """

    def __init__(
        self, settings: Settings, metrics: Any | None = None, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(settings, clock)
        self.metrics = metrics
        self.engine_config = settings.engine_config()
        #: ``max_keys`` is one cap for every partition this worker holds
        self.key_budget = KeyBudget(self.engine_config.max_keys)
        self.router = router(settings.partitions)
        self.states: dict[int, PartitionState] = {}
        #: partitions held paused because their checkpoint could not be restored -> why
        self.failed: dict[int, str] = {}
        self._producer: Any = None
        self._store: CheckpointStore | None = None
        self._sink: TopicSink | None = None
        self.turns = CheckpointTurns(settings.checkpoint_interval_seconds, clock())
        self._saved: dict[int, int] = {}  # partition -> requests offset of its last checkpoint
        self.campaigns: CampaignProcessor | None = None
        self._campaign_task: asyncio.Task[None] | None = None
        #: partition -> (watermark, caught up) last sent to the summaries topic
        self._beats: dict[int, tuple[float, bool]] = {}
        self.alerts_published = 0
        self.events_processed = 0
        #: perf_counter() when the first records arrived / the last batch was done (benchmarks)
        self.first_batch_at: float | None = None
        self.last_batch_done_at: float | None = None
        #: process_time() at the same two moments: CPU used, to tell busy from starved
        self.first_batch_cpu: float | None = None
        self.last_batch_done_cpu: float | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect the producer and consumer, and join the consumer group."""
        from aiokafka.coordinator.assignors.range import RangePartitionAssignor

        self._producer = aio_producer(self.settings)
        await self._producer.start()
        self._store = CheckpointStore(self.settings, self._producer)
        self._sink = TopicSink(self._producer)
        await self.join(
            self.settings.requests_topic,
            self.settings.group_id,
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        if self.settings.campaigns and self.settings.campaign_stage:
            self.campaigns = CampaignProcessor(self.settings, self._producer, self.metrics)
            await self.campaigns.start()  # creates the campaign topics
        elif self.settings.campaigns:
            # The stage runs elsewhere (`distillwatch campaigns`); the summaries topic
            # must exist before this worker's first batch publishes to it.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, ensure_campaign_topics, self.settings)

    async def run(self) -> None:
        """Process batches until :meth:`request_stop` (or :meth:`stop`) is called."""
        if self.campaigns is not None and self._campaign_task is None:
            self._campaign_task = asyncio.create_task(self.campaigns.run())
        await super().run()

    async def stop(self) -> None:
        """Let :meth:`run` finish its batch, checkpoint every partition, leave the group."""
        try:
            await super().stop()
            if self.campaigns is not None:
                await self.campaigns.stop()
                if self._campaign_task is not None:
                    await asyncio.wait({self._campaign_task}, timeout=30)
        finally:
            if self._producer is not None:
                await self._producer.stop()
            self._producer = None

    async def on_stop(self) -> None:
        await self._checkpoint(list(self.states), force=True)

    async def step(self, batch: dict[Any, list[Any]]) -> None:
        if batch:
            await self._process(batch)
        due, round_done = self.turns.due(self.states, self.clock())
        if due:
            await self._checkpoint(due, commit=False)
        if due and round_done:  # a round is complete: commit it at once
            await self._commit(sorted(self.states))
            self._update_lag()
            if self.settings.campaigns:
                await self._heartbeats()

    # ------------------------------------------------------------------ processing

    async def _process(self, batch: dict[Any, list[Any]]) -> None:
        assert self._sink is not None
        started = time.perf_counter()
        if self.first_batch_at is None:
            self.first_batch_at = started
            self.first_batch_cpu = time.process_time()
        alert_futures: dict[int, list[Any]] = {}
        size = 0
        rejected: list[str] = []
        alerts_out: list[Any] = []
        scores: dict[int, list[float]] = {}
        max_ts: float | None = None
        for tp, records in batch.items():
            state = self.states.get(tp.partition)
            if state is None:
                continue  # revoked while this batch was in flight, or held failed
            size += len(records)
            out = state.process(records)  # marks the state unacknowledged
            self.events_processed += out.events_in_place
            rejected.extend(out.rejection_codes)
            alerts_out.extend(out.alerts)
            scores[tp.partition] = out.scores
            if out.max_event_ts is not None and (max_ts is None or out.max_event_ts > max_ts):
                max_ts = out.max_event_ts
            alert_futures[tp.partition] = await self._publish(state, out)
            if self.settings.campaigns:
                await self._publish_summaries(state, out.summaries)
        # Everything is acknowledged before the next batch: a checkpoint written
        # after this point never covers an output that was not delivered. If this
        # raises (or the task is cancelled), the states stay unacknowledged and are
        # never checkpointed by this worker again.
        await self._sink.flush()
        for partition, pending in alert_futures.items():
            state = self.states.get(partition)
            if state is not None:
                ends = [f.result().offset + 1 for f in pending]
                state.acknowledged(max(ends) if ends else None)
        self.alerts_published += len(alerts_out)
        self.last_batch_done_at = time.perf_counter()
        self.last_batch_done_cpu = time.process_time()
        if self.metrics is not None:
            self.metrics.count_rejections(rejected)
            self.metrics.record_alerts(alerts_out)
            self.metrics.observe_batch(size, time.perf_counter() - started, max_ts)
            for partition, state in self.states.items():
                self.metrics.observe_engine(state.engine, partition, scores.get(partition, ()))

    async def _publish(self, state: PartitionState, out: BatchOutput) -> list[Any]:
        sink = self._sink
        assert sink is not None
        settings = self.settings
        alert_futures = [
            await sink.add(
                settings.alerts_topic,
                alert.to_json(),
                key=alert.api_key_id.encode("utf-8"),
                partition=state.partition,
            )
            for alert in out.alerts
        ]
        for value in out.dead_letters:
            await sink.add(settings.dead_letter_topic, value, key=str(state.partition).encode())
        for target, items in out.forwards.items():
            for value, headers in items:
                await sink.add(settings.requests_topic, value, partition=target, headers=headers)
        return alert_futures

    async def _publish_summaries(
        self, state: PartitionState, summaries: list[Any], force: bool = False
    ) -> None:
        """Summaries and the partition's heartbeat: when either changed, or when forced.

        Forced heartbeats (every checkpoint interval) let a campaign stage that
        just took over learn about quiet partitions too.
        """
        from aiokafka import TopicPartition

        assert self._sink is not None
        tp = TopicPartition(self.settings.requests_topic, state.partition)
        high = self.consumer.highwater(tp)
        beat = (state.engine.watermark, high is not None and state.next_offset >= high)
        if not (summaries or force) and self._beats.get(state.partition) == beat:
            return
        self._beats[state.partition] = beat
        for value in encode_records(state.partition, beat[0], beat[1], summaries):
            await self._sink.add(self.settings.summaries_topic, value, partition=0)

    async def _heartbeats(self) -> None:
        assert self._sink is not None
        for state in self.states.values():
            if not state.unacknowledged:
                await self._publish_summaries(state, [], force=True)
        await self._sink.flush()

    # ------------------------------------------------------------------ checkpoints

    async def _checkpoint(
        self, partitions: list[int], force: bool = False, commit: bool = True
    ) -> None:
        assert self._store is not None
        for partition in partitions:
            state = self.states.get(partition)
            if state is None:
                continue
            if state.unacknowledged:
                # Its last batch's outputs were never acknowledged: a checkpoint now would
                # cover them. The successor resumes from the previous checkpoint instead.
                log.warning("partition %d not checkpointed: unpublished outputs", partition)
                continue
            if not (state.dirty or force):
                self._saved[partition] = state.next_offset  # unchanged since its checkpoint
                continue
            # The state's sequence is that of its last checkpoint *written*: it moves
            # with ``dirty``, after the write, so nobody sees a new sequence on a
            # partition whose checkpoint is still on its way.
            sequence = state.sequence + 1
            await self._store.save(
                Checkpoint(
                    partition=partition,
                    offset=state.next_offset,
                    alerts_offset=state.alerts_offset,
                    engine=state.engine.snapshot(),
                    forwarded=state.forwarded,
                    sequence=sequence,
                    summary_seq=state.summary_seq,
                )
            )
            state.sequence = sequence
            state.dirty = False
            self._saved[partition] = state.next_offset
        self.turns.checkpointed(self.clock())
        if commit:
            await self._commit(partitions)

    async def _commit(self, partitions: list[int]) -> None:
        """Commit checkpointed positions to the group: informational (lag), not for resuming."""
        from aiokafka import TopicPartition
        from aiokafka.errors import KafkaError

        offsets = {
            TopicPartition(self.settings.requests_topic, p): self._saved[p]
            for p in partitions
            if p in self.states and p in self._saved
        }
        if offsets and self.consumer is not None:
            try:
                await self.consumer.commit(offsets)
            except KafkaError as exc:  # e.g. a rebalance in progress: the next commit fixes it
                log.info("offset commit skipped: %s", type(exc).__name__)

    def _update_lag(self) -> None:
        if self.metrics is None or self.consumer is None:
            return
        for tp in self.consumer.assignment():
            state = self.states.get(tp.partition)
            high = self.consumer.highwater(tp)
            if state is not None and high is not None:
                self.metrics.set_lag(tp.partition, high - state.next_offset)

    # ------------------------------------------------------------------ rebalance

    async def on_revoked(self, revoked: list[Any]) -> None:
        """Checkpoint and drop the engines of revoked partitions."""
        for tp in revoked:
            if self.failed.pop(tp.partition, None) is not None and self.metrics is not None:
                self.metrics.health.restored("detect", tp.partition)
        partitions = [tp.partition for tp in revoked if tp.partition in self.states]
        if not partitions:
            return
        await self._checkpoint(partitions)
        for partition in partitions:
            state = self.states.pop(partition, None)
            if state is not None:
                state.engine.share_key_budget(None)  # its keys leave this worker's count
            if self.metrics is not None:
                self.metrics.forget_partition(partition)
        log.info("partitions revoked: %s", partitions)

    async def on_assigned(self, assigned: list[Any]) -> None:
        """Restore newly assigned partitions from their checkpoints and seek there.

        A partition whose checkpoint is refused is paused and reported, never run
        from a fresh state (that would re-raise its alerts and lose its history).
        """
        new = sorted(tp.partition for tp in assigned if tp.partition not in self.states)
        if not new:
            return
        assert self._store is not None
        tps = {tp.partition: tp for tp in assigned}
        errors: dict[int, str] = {}
        checkpoints = await self._store.load(new, errors=errors)
        restored: dict[int, PartitionState] = {}
        for partition, checkpoint in checkpoints.items():
            try:
                restored[partition] = self._restore(partition, checkpoint)
            except ValueError as exc:  # StateError: old format, forged, damaged
                errors[partition] = str(exc)
        for partition, reason in sorted(errors.items()):
            self._hold(tps[partition], reason)
        scans = await published_alert_ids(
            self.settings, {p: checkpoints[p].alerts_offset for p in restored}
        )
        # A partition starting afresh ignores alerts already on the topic (an
        # older deployment's): a successor scans only from here.
        fresh = [p for p in new if p not in checkpoints and p not in errors]
        alert_ends = await end_offsets(self.settings, self.settings.alerts_topic, fresh)
        for partition in new:
            if partition in errors:
                continue
            state = restored.get(partition) or self._fresh(partition)
            state.engine.share_key_budget(self.key_budget)
            state.suppress = set(scans.get(partition, set()))
            state.alerts_offset = max(state.alerts_offset, alert_ends.get(partition, 0))
            self.states[partition] = state
            if self.metrics is not None:  # partitions show up before the first batch
                self.metrics.observe_engine(state.engine, partition)
            if partition in restored:
                self.consumer.seek(tps[partition], state.next_offset)
            elif self.settings.start_offset == "earliest":
                await self.consumer.seek_to_beginning(tps[partition])
            else:
                await self.consumer.seek_to_end(tps[partition])
        # Fresh partitions are checkpointed before their first event: a successor of a
        # worker killed before their first turn then knows where to look for alerts
        # already published, instead of taking them for an older deployment's.
        for partition in fresh:
            self.states[partition].next_offset = await self.consumer.position(tps[partition])
        await self._checkpoint(fresh, force=True, commit=False)
        log.info("partitions assigned: %s (restored from checkpoints: %s)", new, sorted(restored))

    def _hold(self, tp: Any, reason: str) -> None:
        """Pause a partition whose checkpoint was refused, and say so loudly."""
        self.consumer.pause(tp)
        self.failed[tp.partition] = reason
        if self.metrics is not None:
            self.metrics.health.restore_failed("detect", tp.partition)
        log.error(
            "partition %d held, not processed: its checkpoint was refused: %s "
            "(docs/STREAMING.md, 'A checkpoint that cannot be restored')",
            tp.partition,
            reason,
        )

    def _fresh(self, partition: int) -> PartitionState:
        self._beats.pop(partition, None)
        self._saved.pop(partition, None)
        engine = Engine(self.engine_config, self.settings.prompt_key())
        if self.settings.campaigns:
            engine.enable_summaries()
        return PartitionState(partition, engine, self.router, self.settings.requests_topic)

    def _restore(self, partition: int, checkpoint: Checkpoint) -> PartitionState:
        engine = Engine.restore(checkpoint.engine, self.engine_config, self.settings.prompt_key())
        self._beats.pop(partition, None)
        self._saved.pop(partition, None)
        if self.settings.campaigns:
            engine.enable_summaries()
        return PartitionState(
            partition,
            engine,
            self.router,
            self.settings.requests_topic,
            next_offset=checkpoint.offset,
            alerts_offset=checkpoint.alerts_offset,
            forwarded=checkpoint.forwarded,
            sequence=checkpoint.sequence,
            summary_seq=checkpoint.summary_seq,
        )

    async def wait_assigned(self, timeout: float) -> bool:
        """Wait (bounded) until this processor holds at least one partition."""
        deadline = time.monotonic() + timeout
        while not self.states and time.monotonic() < deadline and not self.stopping:
            await asyncio.sleep(0.05)
        return bool(self.states)
