"""Shared helpers: settings for a test broker, run processors, read topics back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

from pipeline.config import Settings, load_settings
from pipeline.runtime.detect_loop import StreamProcessor

FAST = {
    # Several partitions (the default is one): handover, recovery and the campaign
    # stage's merge are about partitions moving between workers.
    "partitions": 8,
    # short group timings: a handover must not wait for faust/Kafka defaults
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "rebalance_timeout_ms": 5000,
    "checkpoint_interval_seconds": 0.5,
    "metrics_port": 0,
    # The campaign stage releases the last summaries once every partition has been
    # caught up and still for this long (end of a pushed file): tests wait that long.
    "campaign_idle_seconds": 3.0,
}


#: bootstrap servers of running embedded brokers (Tansu has no idempotent producer)
EMBEDDED: set[str] = set()


def test_settings(bootstrap: str, **overrides: Any) -> Settings:
    from tests.streaming.conftest import ENGINE_OVERRIDES

    idempotence = bootstrap not in EMBEDDED
    values = {**FAST, "engine": ENGINE_OVERRIDES, "producer_idempotence": idempotence, **overrides}
    return load_settings(None, kafka_bootstrap_servers=bootstrap, **values)


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test despite the name


def read_topic(settings: Settings, topic: str, idle_ms: int = 1500) -> list[Any]:
    """Every record of ``topic`` (reads until the topic stays quiet for ``idle_ms``)."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=idle_ms,
    )
    partitions = consumer.partitions_for_topic(topic) or set()
    consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
    consumer.seek_to_beginning()
    records = list(consumer)
    consumer.close()
    return records


def alert_ids(settings: Settings) -> list[str]:
    return [orjson.loads(r.value)["alert_id"] for r in read_topic(settings, settings.alerts_topic)]


class Harness:
    """Run StreamProcessors in this process, each as an asyncio task."""

    def __init__(self) -> None:
        self.tasks: dict[StreamProcessor, asyncio.Task[None]] = {}

    async def start(self, settings: Settings) -> StreamProcessor:
        processor = StreamProcessor(settings)
        await processor.start()
        self.tasks[processor] = asyncio.create_task(processor.run())
        return processor

    async def stop(self, processor: StreamProcessor) -> None:
        await processor.stop()
        task = self.tasks.pop(processor)
        await asyncio.wait_for(task, timeout=30)

    async def stop_all(self) -> None:
        for processor in list(self.tasks):
            await self.stop(processor)


async def wait_alerts(settings: Settings, count: int, timeout: float) -> list[str]:
    """Read the alerts topic until it holds ``count`` alerts (bounded); return their ids."""
    deadline = time.monotonic() + timeout
    loop = asyncio.get_running_loop()
    while True:
        ids = await loop.run_in_executor(None, lambda: alert_ids_quick(settings))
        if len(ids) >= count or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.5)


def alert_ids_quick(settings: Settings) -> list[str]:
    return [
        orjson.loads(r.value)["alert_id"]
        for r in read_topic(settings, settings.alerts_topic, idle_ms=500)
    ]


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 50 ms; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
