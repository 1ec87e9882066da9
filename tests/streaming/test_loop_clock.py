"""Checkpoint cadence and idle release on an injected clock: time is stepped, never slept.

The loops read time only through their ``clock``; these tests hand them a
number they move by hand (pipeline/kafka/consumer_loop.py, pipeline/runtime/cadence.py).
"""

from __future__ import annotations

import asyncio
from collections import namedtuple

import orjson
import pytest

from detectors.campaigns import CampaignStage
from detectors.summaries import KeySummary
from detectors.summary_merge import SummaryMerger
from pipeline.config import load_settings
from pipeline.kafka.topics import ensure_topics
from pipeline.runtime.cadence import CheckpointTurns, IdleWatch
from pipeline.runtime.campaign_stage import CampaignProcessor
from pipeline.runtime.detect_loop import StreamProcessor
from pipeline.wire.summaries import encode_records
from tests.streaming.helpers import test_settings, wait_for

Record = namedtuple("Record", "offset value headers")


class Clock:
    """A settable monotonic clock."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_every_partition_is_checkpointed_once_per_interval_in_turns() -> None:
    turns = CheckpointTurns(interval=8.0, now=0.0)
    partitions = list(range(8))
    written: list[tuple[float, int]] = []
    for tick in range(1, 33):  # 32 seconds in steps of 1: four intervals
        now = float(tick)
        due, _ = turns.due(partitions, now)
        if due:
            written.extend((now, p) for p in due)
            turns.checkpointed(now)
    per_partition = {p: [t for t, q in written if q == p] for p in partitions}
    assert all(len(times) == 4 for times in per_partition.values())
    assert [p for _, p in written[:8]] == partitions  # in turn, one second apart
    assert len({t for t, _ in written}) == len(written)  # never two at the same moment


def test_idle_release_waits_for_quiet_caught_up_partitions() -> None:
    watch = IdleWatch(limit=60.0, now=0.0)
    watch.heard(0, moved=True, caught_up=True, now=0.0)
    watch.heard(1, moved=True, caught_up=True, now=50.0)
    assert watch.idle(range(2), now=59.9) == []
    assert watch.idle(range(2), now=60.0) == [0]
    watch.heard(0, moved=True, caught_up=True, now=61.0)  # it moved: waited for again
    assert watch.idle(range(2), now=110.0) == [1]
    watch.reset(now=200.0)
    assert watch.idle(range(2), now=300.0) == []  # nobody reported since the reset


def _summary(key: str, ts: float) -> KeySummary:
    return KeySummary(key, None, ts, ts, events=1.0, score=0.1)


def test_campaign_stage_releases_an_idle_partition_on_its_clock() -> None:
    """Partition 1 stops; after ``campaign_idle_seconds`` of clock time its wait ends."""
    settings = load_settings(None, partitions=2, campaign_idle_seconds=60.0)
    clock = Clock()
    processor = CampaignProcessor(settings, producer=None, clock=clock)
    processor.stage = CampaignStage(settings.campaign_config())
    merger = processor.merger = SummaryMerger(2)
    offset = 0

    def absorb(partition: int, watermark: float, caught_up: bool, summaries: list) -> None:
        nonlocal offset
        for value in encode_records(partition, watermark, caught_up, summaries):
            processor._absorb(merger, Record(offset, value, ()), clock())
            offset += 1

    absorb(1, 100.0, True, [])  # partition 1: caught up, then quiet
    absorb(0, 200.0, False, [(0, 150.0, _summary("a", 150.0))])
    processor._mark_idle(merger, clock())
    assert merger.release() == [] and merger.pending == 1  # held for partition 1
    clock.now += 59.0
    processor._mark_idle(merger, clock())
    assert merger.pending == 1
    clock.now += 1.0
    processor._mark_idle(merger, clock())
    assert [s.api_key_id for s in merger.release()] == ["a"]


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_detect_loop_checkpoints_when_its_clock_says_so(embedded_broker) -> None:
    """Frozen clock: no periodic checkpoint; one interval later: every partition, once."""
    settings = test_settings(
        embedded_broker.bootstrap_servers,
        requests_topic="clock-req",
        alerts_topic="clock-alerts",
        checkpoint_topic="clock-cp",
        dead_letter_topic="clock-dl",
        group_id="clock",
        partitions=4,
        campaigns=False,
        checkpoint_interval_seconds=10.0,
    )
    ensure_topics(settings)
    clock = Clock()

    async def scenario() -> None:
        processor = StreamProcessor(settings, clock=clock)
        await processor.start()
        task = asyncio.create_task(processor.run())
        try:
            await wait_for(lambda: len(processor.states) == 4, 60, "four partitions")
            from pipeline.kafka.clients import aio_producer

            producer = aio_producer(settings)
            await producer.start()
            event = {"ts": 1791205451.0, "prompt_tokens": 1, "completion_tokens": 2}
            for i in range(40):
                value = orjson.dumps({**event, "api_key_id": f"k{i}"})
                await producer.send_and_wait(settings.requests_topic, value, key=f"k{i}".encode())
            await producer.stop()
            await wait_for(lambda: processor.events_processed == 40, 30, "40 events")
            first = {p: s.sequence for p, s in processor.states.items()}
            assert set(first.values()) == {1}  # the checkpoint every fresh partition gets
            await asyncio.sleep(0.5)  # several polls go by: the frozen clock holds them back
            assert {p: s.sequence for p, s in processor.states.items()} == first
            clock.now += 10.0  # one interval: every partition's turn has come
            await wait_for(
                lambda: all(s.sequence == 2 for s in processor.states.values()),
                30,
                "one checkpoint per partition",
            )
            assert not any(s.dirty for s in processor.states.values())
        finally:
            await processor.stop()
            await asyncio.wait_for(task, 30)

    asyncio.run(scenario())


@pytest.mark.integration
@pytest.mark.timeout(120)
def test_a_batch_that_failed_to_publish_is_never_checkpointed(embedded_broker) -> None:
    """Publishing fails mid-batch: run() stops with the error, and the checkpoint written
    on the way out does not cover the failed batch (its successor redoes it)."""
    from pipeline.kafka.checkpoint_store import CheckpointStore
    from pipeline.kafka.clients import aio_producer

    settings = test_settings(
        embedded_broker.bootstrap_servers,
        requests_topic="fail-req",
        alerts_topic="fail-alerts",
        checkpoint_topic="fail-cp",
        dead_letter_topic="fail-dl",
        group_id="fail",
        partitions=1,
        campaigns=False,
    )
    ensure_topics(settings)
    clock = Clock()
    event = {"ts": 1791205451.0, "api_key_id": "k", "prompt_tokens": 1, "completion_tokens": 2}

    async def send(producer: object, count: int, start: int) -> None:
        for i in range(start, start + count):
            value = orjson.dumps({**event, "request_id": f"r{i}"})
            await producer.send_and_wait(settings.requests_topic, value, key=b"k")  # type: ignore[attr-defined]

    async def scenario() -> tuple[int, int]:
        processor = StreamProcessor(settings, clock=clock)
        await processor.start()
        task = asyncio.create_task(processor.run())
        producer = aio_producer(settings)
        await producer.start()
        try:
            await wait_for(lambda: 0 in processor.states, 60, "the partition")
            await send(producer, 10, 0)
            await wait_for(lambda: processor.events_processed == 10, 30, "10 events")
            safe = processor.states[0].next_offset
            sink = processor._sink
            assert sink is not None

            async def broken_flush() -> None:
                raise ConnectionError("the broker went away mid-batch")

            sink.flush = broken_flush  # type: ignore[method-assign]
            await send(producer, 10, 10)
            with pytest.raises(ConnectionError):
                await asyncio.wait_for(task, 30)
            assert processor.states[0].next_offset > safe  # processed, never published
        finally:
            await producer.stop()
            await processor.stop()  # the way out: a forced checkpoint of every partition
        store_producer = aio_producer(settings)
        await store_producer.start()
        try:
            checkpoint = (await CheckpointStore(settings, store_producer).load([0]))[0]
        finally:
            await store_producer.stop()
        return safe, checkpoint.offset

    safe, covered = asyncio.run(scenario())
    assert covered <= safe  # the failed batch is not covered: a successor redoes it
