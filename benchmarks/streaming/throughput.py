"""Side-by-side throughput on the same topic: worker vs bare aiokafka vs bare faust.

Each consumer reads the same pre-filled topic from the beginning; times run
from the first record received to the last event handled, so start-up and
group joins are excluded. The worker runs in this process, on one core (the
broker is a separate process).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

from pipeline.config import Settings
from pipeline.kafka_io import aio_consumer
from pipeline.stream import StreamProcessor


@dataclass
class Rate:
    """Events handled per second by one contender."""

    name: str
    events: int
    records: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def bare_aiokafka(settings: Settings, topic: str, records: int, events: int) -> Rate:
    """A bare ``getmany`` loop that parses every record value with orjson."""
    from aiokafka import TopicPartition

    consumer = aio_consumer(settings, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(settings.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = parsed = 0
        first = 0.0
        for _ in range(1_000_000):  # bounded; ends when every record was read
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if not batch and seen:
                break
            for items in batch.values():
                if not first:
                    first = time.perf_counter()
                for record in items:
                    value = orjson.loads(record.value)
                    parsed += len(value) if isinstance(value, list) else 1
                seen += len(items)
            if seen >= records:
                break
        return Rate("bare aiokafka getmany + orjson", parsed, seen, time.perf_counter() - first)
    finally:
        await consumer.stop()


def engine_only(settings: Settings, lines: list[bytes], batch_size: int) -> Rate:
    """Decode + validate + ``Engine.process``, no Kafka: the ceiling the worker adds to.

    Records are built as ``replay --to-kafka`` builds them (one event each, or
    ``batch_size`` events per record grouped per partition) and fed to one
    engine per partition, summaries drained per event when the campaign stage
    is on, as the worker does. ``worker rate / this rate`` is the share of time
    the worker spends in its engines; the rest is the worker's own (Kafka
    client, routing, publishing, checkpoints, the campaign stage).
    """
    from detectors.engine import Engine
    from detectors.events import Event, decode_value
    from detectors.partitioning import PartitionCache

    route = PartitionCache(settings.partitions)
    records: list[tuple[int, bytes]] = []
    pending: dict[int, list[bytes]] = {}
    for line in lines:
        item = decode_value(line)[0]
        partition = route(item.api_key_id) if isinstance(item, Event) else 0
        if batch_size <= 1:
            records.append((partition, line))
            continue
        pending.setdefault(partition, []).append(line)
        if len(pending[partition]) >= batch_size:
            records.append((partition, b"[" + b",".join(pending.pop(partition)) + b"]"))
    records.extend((p, b"[" + b",".join(items) + b"]") for p, items in sorted(pending.items()))
    engines = [Engine(settings.engine_config()) for _ in range(settings.partitions)]
    if settings.campaigns:
        for engine in engines:
            engine.enable_summaries()
    events = 0
    started = time.perf_counter()
    for partition, value in records:
        engine = engines[partition]
        for item in decode_value(value):
            if isinstance(item, Event):
                events += 1
                engine.process(item)
                engine.drain_summaries()
    seconds = time.perf_counter() - started
    return Rate("engines alone (decode + process)", events, len(records), seconds)


def bare_faust(settings: Settings, topic: str, records: int, events: int) -> Rate:
    """The do-nothing faust agent, in a subprocess (faust owns its event loop)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.streaming.faust_bare",
         settings.kafka_bootstrap_servers or "", topic, str(records)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    # faust may route print() through its logger: find the agent's JSON wherever it landed.
    text = out.stdout + out.stderr
    start = text.rindex('{"records"')
    result: dict[str, Any] = orjson.loads(text[start : text.index("}", start) + 1])
    # The agent does nothing per event, so a batched record counts all its events.
    return Rate("bare faust agent (does nothing)", events, records, float(result["seconds"]))


async def worker(settings: Settings, topic: str, records: int, events: int) -> Rate:
    """The real detect loop (decode, validate, engine, publish, checkpoint)."""
    run_settings = settings.model_copy(
        update={"requests_topic": topic, "group_id": f"bench-worker-{topic}-{time.time_ns()}"}
    )
    processor = StreamProcessor(run_settings)
    await processor.start()
    task = asyncio.create_task(processor.run())
    try:
        deadline = time.monotonic() + 600
        while processor.events_processed < events and time.monotonic() < deadline:
            if task.done():  # the loop died: show why instead of a zero rate
                task.result()
                break
            await asyncio.sleep(0.005)
        first, last = processor.first_batch_at, processor.last_batch_done_at
        seconds = (last - first) if first is not None and last is not None else 0.0
        return Rate("distillwatch worker", processor.events_processed, records, seconds)
    finally:
        await processor.stop()
        await asyncio.wait_for(task, 60)
