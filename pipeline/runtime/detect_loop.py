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
  ``distillwatch campaigns`` processes run the stage: pipeline/cli/campaigns.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiokafka import ConsumerRebalanceListener

from detectors.engine import Engine
from detectors.partitioning import router
from pipeline.config import Settings
from pipeline.kafka.checkpoint_store import CheckpointStore
from pipeline.kafka.clients import aio_consumer, aio_producer
from pipeline.kafka.log_reads import end_offsets, published_alert_ids
from pipeline.kafka.topics import ensure_campaign_topics
from pipeline.runtime.campaign_stage import CampaignProcessor
from pipeline.runtime.partition_state import BatchOutput, PartitionState
from pipeline.wire.checkpoint import Checkpoint
from pipeline.wire.summaries import encode_records

__all__ = ["StreamProcessor"]

log = logging.getLogger("distillwatch.stream")


class _Rebalance(ConsumerRebalanceListener):
    """aiokafka rebalance listener forwarding to the processor (awaited by aiokafka)."""

    def __init__(self, processor: StreamProcessor) -> None:
        self.processor = processor

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.processor.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.processor.on_assigned(assigned)


class StreamProcessor:
    """Consume the requests topic, run the engines, publish alerts and dead letters.

    Parameters
    ----------
    settings
        Topics, group, batching and checkpoint settings.
    metrics
        A ``PipelineMetrics`` (or ``None``): updated once per batch.
    """

    def __init__(self, settings: Settings, metrics: Any | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.engine_config = settings.engine_config()
        self.router = router(settings.partitions)
        self.states: dict[int, PartitionState] = {}
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()  # set while run() is not executing
        self._idle.set()
        self._consumer: Any = None
        self._producer: Any = None
        self._store: CheckpointStore | None = None
        self._last_checkpoint = time.monotonic()
        self._checkpoint_cursor = -1  # the partition checkpointed last (they take turns)
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
        self._consumer = aio_consumer(
            self.settings,
            group_id=self.settings.group_id,
            max_poll_records=self.settings.max_poll_records,
            session_timeout_ms=self.settings.session_timeout_ms,
            heartbeat_interval_ms=self.settings.heartbeat_interval_ms,
            rebalance_timeout_ms=self.settings.rebalance_timeout_ms,
            max_poll_interval_ms=max(60_000, self.settings.rebalance_timeout_ms),
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        await self._consumer.start()
        self._consumer.subscribe([self.settings.requests_topic], listener=_Rebalance(self))
        if self.settings.campaigns and self.settings.campaign_stage:
            self.campaigns = CampaignProcessor(self.settings, self._producer, self.metrics)
            await self.campaigns.start()  # creates the campaign topics
        elif self.settings.campaigns:
            # The stage runs elsewhere (`distillwatch campaigns`); the summaries topic
            # must exist before this worker's first batch publishes to it.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, ensure_campaign_topics, self.settings)

    def request_stop(self) -> None:
        """Ask :meth:`run` to return after the current batch."""
        self._stopping.set()

    async def stop(self) -> None:
        """Let :meth:`run` finish its batch, checkpoint every partition, leave the group."""
        self._stopping.set()
        # Bounded: run() notices the flag within one poll plus one batch.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=30)
        try:
            if self._consumer is not None:
                async with self._lock:
                    await self._checkpoint(list(self.states), force=True)
                await self._consumer.stop()  # leaves the group: others take over at once
            if self.campaigns is not None:
                await self.campaigns.stop()
                if self._campaign_task is not None:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._campaign_task, timeout=30)
        finally:
            if self._producer is not None:
                await self._producer.stop()
            self._consumer = self._producer = None

    async def run(self) -> None:
        """Process batches until :meth:`request_stop` (or :meth:`stop`) is called."""
        assert self._consumer is not None, "start() first"
        timeout = self.settings.poll_timeout_ms
        limit = self.settings.max_poll_records
        from aiokafka.errors import ConsumerStoppedError

        self._idle.clear()
        if self.campaigns is not None and self._campaign_task is None:
            self._campaign_task = asyncio.create_task(self.campaigns.run())
        try:
            while not self._stopping.is_set():
                try:
                    batch = await self._consumer.getmany(timeout_ms=timeout, max_records=limit)
                except ConsumerStoppedError:
                    return  # stop() closed the consumer under us
                await self._step(batch)
        finally:
            self._idle.set()

    async def _step(self, batch: dict[Any, list[Any]]) -> None:
        async with self._lock:
            if batch:
                await self._process(batch)
            # Partitions take turns, each still once per interval: snapshotting them all
            # at once stalled the loop (and alerts) ~0.9 s per interval (benchmarks/streaming).
            turn = self.settings.checkpoint_interval_seconds / max(1, len(self.states))
            turns = int((time.monotonic() - self._last_checkpoint) / turn)
            if turns:
                order = sorted(self.states)
                later = [p for p in order if p > self._checkpoint_cursor]
                due = (later + order)[: min(turns, len(order))]
                self._checkpoint_cursor = due[-1] if due else -1
                await self._checkpoint(due, commit=False)
                if not order or order[-1] in due:  # a round is complete: commit it at once
                    await self._commit(order)
                    self._update_lag()
                    if self.settings.campaigns:
                        await self._heartbeats()

    # ------------------------------------------------------------------ processing

    async def _process(self, batch: dict[Any, list[Any]]) -> None:
        started = time.perf_counter()
        if self.first_batch_at is None:
            self.first_batch_at = started
            self.first_batch_cpu = time.process_time()
        futures: list[Any] = []
        alert_futures: dict[int, list[Any]] = {}
        size = 0
        rejected: list[str] = []
        alerts_out: list[Any] = []
        max_ts: float | None = None
        for tp, records in batch.items():
            state = self.states.get(tp.partition)
            if state is None:
                continue  # revoked while this batch was in flight
            size += len(records)
            out = state.process(records)
            self.events_processed += out.events_in_place
            rejected.extend(out.rejection_codes)
            alerts_out.extend(out.alerts)
            if out.max_event_ts is not None and (max_ts is None or out.max_event_ts > max_ts):
                max_ts = out.max_event_ts
            alert_futures[tp.partition] = await self._publish(state, out, futures)
            if self.settings.campaigns:
                await self._publish_summaries(state, out.summaries, futures)
        # Everything is acknowledged before the next batch: a checkpoint written
        # after this point never covers an output that was not delivered.
        await asyncio.gather(*futures)
        for partition, pending in alert_futures.items():
            if pending and partition in self.states:
                metadata = [f.result() for f in pending]
                self.states[partition].published(max(m.offset for m in metadata) + 1)
        self.alerts_published += len(alerts_out)
        self.last_batch_done_at = time.perf_counter()
        self.last_batch_done_cpu = time.process_time()
        if self.metrics is not None:
            self.metrics.count_rejections(rejected)
            self.metrics.record_alerts(alerts_out)
            self.metrics.observe_batch(size, time.perf_counter() - started, max_ts)
            for partition, state in self.states.items():
                self.metrics.observe_engine(state.engine, partition)
        else:
            for state in self.states.values():
                state.engine.drain_scores()  # the engine buffers scores until read: keep it bounded

    async def _publish(
        self, state: PartitionState, out: BatchOutput, futures: list[Any]
    ) -> list[Any]:
        producer = self._producer
        settings = self.settings
        alert_futures = []
        for alert in out.alerts:
            future = await producer.send(
                settings.alerts_topic,
                value=alert.to_json(),
                key=alert.api_key_id.encode("utf-8"),
                partition=state.partition,
            )
            alert_futures.append(future)
        futures.extend(alert_futures)
        for value in out.dead_letters:
            futures.append(
                await producer.send(
                    settings.dead_letter_topic,
                    value=value,
                    key=str(state.partition).encode(),
                )
            )
        for target, items in out.forwards.items():
            for value, headers in items:
                futures.append(
                    await producer.send(
                        settings.requests_topic, value=value, partition=target, headers=headers
                    )
                )
        return alert_futures

    async def _publish_summaries(
        self,
        state: PartitionState,
        summaries: list[Any],
        futures: list[Any],
        force: bool = False,
    ) -> None:
        """Summaries and the partition's heartbeat: when either changed, or when forced.

        Forced heartbeats (every checkpoint interval) let a campaign stage that
        just took over learn about quiet partitions too.
        """
        from aiokafka import TopicPartition

        tp = TopicPartition(self.settings.requests_topic, state.partition)
        high = self._consumer.highwater(tp)
        beat = (state.engine.watermark, high is not None and state.next_offset >= high)
        if not (summaries or force) and self._beats.get(state.partition) == beat:
            return
        self._beats[state.partition] = beat
        for value in encode_records(state.partition, beat[0], beat[1], summaries):
            futures.append(
                await self._producer.send(self.settings.summaries_topic, value=value, partition=0)
            )

    async def _heartbeats(self) -> None:
        futures: list[Any] = []
        for state in self.states.values():
            await self._publish_summaries(state, [], futures, force=True)
        await asyncio.gather(*futures)

    # ------------------------------------------------------------------ checkpoints

    async def _checkpoint(
        self, partitions: list[int], force: bool = False, commit: bool = True
    ) -> None:
        assert self._store is not None
        for partition in partitions:
            state = self.states.get(partition)
            if state is None:
                continue
            if not (state.dirty or force):
                self._saved[partition] = state.next_offset  # unchanged since its checkpoint
                continue
            state.sequence += 1
            await self._store.save(
                Checkpoint(
                    partition=partition,
                    offset=state.next_offset,
                    alerts_offset=state.alerts_offset,
                    engine=state.engine.snapshot(),
                    forwarded=state.forwarded,
                    sequence=state.sequence,
                    summary_seq=state.summary_seq,
                )
            )
            state.dirty = False
            self._saved[partition] = state.next_offset
        self._last_checkpoint = time.monotonic()
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
        if offsets and self._consumer is not None:
            try:
                await self._consumer.commit(offsets)
            except KafkaError as exc:  # e.g. a rebalance in progress: the next commit fixes it
                log.info("offset commit skipped: %s", type(exc).__name__)

    def _update_lag(self) -> None:
        if self.metrics is None or self._consumer is None:
            return
        for tp in self._consumer.assignment():
            state = self.states.get(tp.partition)
            high = self._consumer.highwater(tp)
            if state is not None and high is not None:
                self.metrics.set_lag(tp.partition, high - state.next_offset)

    # ------------------------------------------------------------------ rebalance

    async def on_revoked(self, revoked: Any) -> None:
        """Checkpoint and drop the engines of revoked partitions."""
        partitions = [tp.partition for tp in revoked if tp.partition in self.states]
        if not partitions:
            return
        async with self._lock:
            await self._checkpoint(partitions)
            for partition in partitions:
                self.states.pop(partition, None)
                if self.metrics is not None:
                    self.metrics.forget_partition(partition)
        log.info("partitions revoked: %s", partitions)

    async def on_assigned(self, assigned: Any) -> None:
        """Restore newly assigned partitions from their checkpoints and seek there."""
        new = sorted(tp.partition for tp in assigned if tp.partition not in self.states)
        if not new:
            return
        assert self._store is not None
        async with self._lock:
            checkpoints = await self._store.load(new)
            scans = await published_alert_ids(
                self.settings, {p: cp.alerts_offset for p, cp in checkpoints.items()}
            )
            # A partition starting afresh ignores alerts already on the topic (an
            # older deployment's): a successor scans only from here.
            fresh = [p for p in new if p not in checkpoints]
            alert_ends = await end_offsets(self.settings, self.settings.alerts_topic, fresh)
            tps = {tp.partition: tp for tp in assigned}
            for partition in new:
                checkpoint = checkpoints.get(partition)
                state = self._restore(partition, checkpoint, scans)
                state.alerts_offset = max(state.alerts_offset, alert_ends.get(partition, 0))
                self.states[partition] = state
                if self.metrics is not None:  # partitions show up before the first batch
                    self.metrics.observe_engine(state.engine, partition)
                if checkpoint is not None:
                    self._consumer.seek(tps[partition], checkpoint.offset)
                elif self.settings.start_offset == "earliest":
                    await self._consumer.seek_to_beginning(tps[partition])
                else:
                    await self._consumer.seek_to_end(tps[partition])
            # Fresh partitions are checkpointed before their first event: a successor of a
            # worker killed before their first turn then knows where to look for alerts
            # already published, instead of taking them for an older deployment's.
            for partition in fresh:
                self.states[partition].next_offset = await self._consumer.position(tps[partition])
            await self._checkpoint(fresh, force=True, commit=False)
        restored = sorted(checkpoints)
        log.info("partitions assigned: %s (restored from checkpoints: %s)", new, restored)

    def _restore(
        self, partition: int, checkpoint: Checkpoint | None, scans: dict[int, set[str]]
    ) -> PartitionState:
        topic = self.settings.requests_topic
        self._beats.pop(partition, None)
        self._saved.pop(partition, None)
        if checkpoint is None:
            engine = Engine(self.engine_config)
            if self.settings.campaigns:
                engine.enable_summaries()
            return PartitionState(partition, engine, self.router, topic)
        engine = Engine.restore(checkpoint.engine, self.engine_config)
        if self.settings.campaigns:
            engine.enable_summaries()
        return PartitionState(
            partition,
            engine,
            self.router,
            topic,
            next_offset=checkpoint.offset,
            alerts_offset=checkpoint.alerts_offset,
            forwarded=checkpoint.forwarded,
            suppress=scans.get(partition, set()),
            sequence=checkpoint.sequence,
            summary_seq=checkpoint.summary_seq,
        )

    async def wait_assigned(self, timeout: float) -> bool:
        """Wait (bounded) until this processor holds at least one partition."""
        deadline = time.monotonic() + timeout
        while not self.states and time.monotonic() < deadline:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.05)
        return bool(self.states)
