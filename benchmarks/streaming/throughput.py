"""Side-by-side throughput on the same topic: worker vs bare aiokafka vs bare faust.

Each consumer reads the same pre-filled topic from the beginning; times run
from the first record received to the last event handled, so start-up and
group joins are excluded. The worker runs in this process, on one core (the
broker is a separate process), twice: with the campaign stage in a
``distillwatch campaigns`` subprocess (the deployment that gives the stage its
own core; the per-key worker's rate) and with the stage in-process (every
worker's default; what one process does when it also holds the stage).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from pipeline.config import Settings
from pipeline.devtools.processes import stop_process
from pipeline.kafka.clients import aio_consumer
from pipeline.runtime.detect_loop import StreamProcessor


@dataclass
class Rate:
    """Events handled per second by one contender."""

    name: str
    events: int
    records: int
    seconds: float
    #: CPU seconds of this process over the same span (None: not measured)
    cpu_seconds: float | None = None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_share(self) -> float | None:
        """CPU time / wall time: well below 1 means the contender waited (for a core, a fetch)."""
        if self.cpu_seconds is None or self.seconds <= 0:
            return None
        return self.cpu_seconds / self.seconds


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
    cpu_started = time.process_time()
    for partition, value in records:
        engine = engines[partition]
        for item in decode_value(value):
            if isinstance(item, Event):
                events += 1
                engine.process(item)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return Rate("engines alone (decode + process)", events, len(records), seconds, cpu)


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


#: contender names by where the campaign stage runs
WORKER_NAMES = {
    "process": "distillwatch worker",
    "in-process": "worker + campaign stage in-process",
}


@contextlib.contextmanager
def campaigns_process(
    settings: Settings, timeout: float = 60.0
) -> Iterator[subprocess.Popen[bytes]]:
    """``distillwatch campaigns`` for ``settings``, started and holding the stage; stopped after.

    Waits (bounded) for its "campaign stage assigned" line, so its start-up
    (imports, group join) is not on the clock of the worker measured next.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLWATCH_")}
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
            "DISTILLWATCH_GROUP_ID": settings.group_id,
            "DISTILLWATCH_REQUESTS_TOPIC": settings.requests_topic,
            "DISTILLWATCH_ALERTS_TOPIC": settings.alerts_topic,
            "DISTILLWATCH_PARTITIONS": str(settings.partitions),
            "DISTILLWATCH_SUMMARIES_TOPIC": settings.summaries_topic,
            "DISTILLWATCH_CAMPAIGN_CHECKPOINT_TOPIC": settings.campaign_checkpoint_topic,
            "DISTILLWATCH_CHECKPOINT_INTERVAL_SECONDS": str(settings.checkpoint_interval_seconds),
            "DISTILLWATCH_PRODUCER_IDEMPOTENCE": str(settings.producer_idempotence).lower(),
            "DISTILLWATCH_METRICS_PORT": "0",
        }
    )
    with tempfile.TemporaryDirectory(prefix="dw-bench-campaigns-") as tmp:
        log = Path(tmp) / "campaigns.log"
        with log.open("wb") as handle:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline.cli.main", "campaigns"],
                env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while b"campaign stage assigned" not in log.read_bytes():
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_bytes()[-2000:].decode(errors="replace")
                    raise RuntimeError(f"distillwatch campaigns did not take the stage:\n{tail}")
                time.sleep(0.05)
            yield proc
        finally:
            stop_process(proc, timeout=40)


async def worker(
    settings: Settings,
    topic: str,
    records: int,
    events: int,
    stage: Literal["process", "in-process"] = "process",
) -> Rate:
    """The real detect loop (decode, validate, engine, publish summaries, checkpoint).

    ``stage="process"``: the campaign stage runs in a ``distillwatch campaigns``
    subprocess (the worker only publishes summaries); ``"in-process"``: this
    worker hosts it, as every worker does by default.
    """
    group = f"bench-worker-{topic}-{time.time_ns()}"
    run_settings = settings.model_copy(
        update={
            "requests_topic": topic,
            "group_id": group,
            # Fresh campaign topics per run: a stage starting without a checkpoint reads
            # the summaries topic from the beginning, earlier runs' summaries included.
            "summaries_topic": f"{group}-summaries",
            "campaign_checkpoint_topic": f"{group}-campaign-checkpoints",
            "campaign_stage": stage == "in-process",
        }
    )
    with contextlib.ExitStack() as stack:
        if stage == "process" and run_settings.campaigns:
            from pipeline.kafka.topics import ensure_campaign_topics

            ensure_campaign_topics(run_settings)
            stack.enter_context(campaigns_process(run_settings))
        return await _run_worker(run_settings, WORKER_NAMES[stage], records, events)


async def _run_worker(settings: Settings, name: str, records: int, events: int) -> Rate:
    processor = StreamProcessor(settings)
    await processor.start()
    task = asyncio.create_task(processor.run())
    try:
        deadline = time.monotonic() + 600
        while processor.events_processed < events and time.monotonic() < deadline:
            if task.done():  # the loop died: show why instead of a zero rate
                task.result()
                break
            await asyncio.sleep(0.005)
        # The count is reached inside the last batch, before it publishes: wait for that
        # batch to end, or its publishing (and, with few batches, the whole run) is off
        # the clock and the rate overstated.
        reached = time.perf_counter()
        while (processor.last_batch_done_at or 0.0) < reached and time.monotonic() < deadline:
            if task.done():
                task.result()
                break
            await asyncio.sleep(0.005)
        first, last = processor.first_batch_at, processor.last_batch_done_at
        seconds = (last - first) if first is not None and last is not None else 0.0
        cpu_first, cpu_last = processor.first_batch_cpu, processor.last_batch_done_cpu
        cpu = cpu_last - cpu_first if cpu_first is not None and cpu_last is not None else None
        return Rate(name, processor.events_processed, records, seconds, cpu)
    finally:
        await processor.stop()
        await asyncio.wait_for(task, 60)
