"""Alert latency: from the triggering event's produce to the alert on the alerts topic.

A real ``distillwatch worker`` subprocess (default settings, fresh topics and
group per run) is started and waited for until it owns its partitions and sits
idle; only then does this process produce the dataset, one event per record
keyed by ``api_key_id``, at a fixed rate (half the worker's measured maximum),
while a task of the same event loop reads the alerts topic.

Matching. An alert's ``ts`` is the event time of the event that raised it,
rounded to the millisecond (``format_ts``), so ``(api_key_id, round(ts * 1000))``
finds that event and its produce time exactly.

Where the time goes. Both Kafka clients stamp records with the wall clock when
``send`` is called (CreateTime), so the alert record's timestamp splits each
latency in two: produce -> the worker's ``send`` of the alert (broker hop,
queueing behind earlier events, decode, engine) and ``send`` -> alert read here
(producer linger, acks, the broker, this consumer's fetch). Wall clock is used
only for these measurements, never for detection.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from detectors.events import Event, parse_line
from detectors.partitioning import PartitionCache
from pipeline.config import Settings
from pipeline.devtools.processes import stop_process
from pipeline.kafka.clients import aio_consumer, aio_producer
from pipeline.kafka.topics import ensure_topics

#: Quantiles reported (besides the maximum).
QUANTILES = (0.50, 0.90, 0.99)


@dataclass
class Latencies:
    """Latencies (seconds) of one kind of alert."""

    #: produce of the triggering event -> alert read from the alerts topic
    total: list[float] = field(default_factory=list)
    #: produce -> the worker's send of the alert (alert record timestamp)
    to_send: list[float] = field(default_factory=list)
    #: the worker's send -> alert read here
    to_read: list[float] = field(default_factory=list)


@dataclass
class Observed:
    """Alerts read during a run."""

    per_key: Latencies = field(default_factory=Latencies)
    #: campaign alerts: their ts is a summary's event time, not one event's, so the
    #: "trigger" is the first record whose event time reached it (any key)
    campaign: Latencies = field(default_factory=Latencies)
    #: event time of each matched per-key alert, relative to the dataset's first event
    event_offsets: list[float] = field(default_factory=list)
    unmatched: int = 0


@dataclass
class Produced:
    """The records of a run and, once sent, their send times."""

    first_ts: float
    #: (api_key_id, event ts in ms) -> record index
    by_event: dict[tuple[str, int], int]
    #: running maximum of event ts (ms) by record index (non-decreasing)
    watermark: list[int]
    #: wall-clock time of each record's send, appended while producing
    at: list[float] = field(default_factory=list)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of ``values`` (which need not be sorted).

    Examples
    --------
    >>> quantile([3.0, 1.0, 2.0, 4.0], 0.5), quantile([3.0, 1.0, 2.0, 4.0], 0.99)
    (2.0, 4.0)
    """
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(q * len(ordered) + 0.999999) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    """Count, p50/p90/p99 and max of ``values`` (seconds); only the count when empty."""
    if not values:
        return {"count": 0.0}
    out = {"count": float(len(values))}
    for q in QUANTILES:
        out[f"p{round(q * 100)}"] = quantile(values, q)
    out["max"] = max(values)
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(port: int) -> dict[str, float]:
    """The worker's unlabelled metric samples (empty when it does not answer)."""
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
    except OSError:
        return {}
    samples = {}
    for line in body.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and "{" not in parts[0]:
            samples[parts[0]] = float(parts[1])
    return samples


def _wait_ready(port: int, worker: subprocess.Popen[bytes], timeout: float) -> None:
    """Until the worker owns its partitions (it has nothing to read yet: it is idle)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode} before it was ready")
        if _scrape(port).get("distillwatch_partitions_assigned", 0.0) > 0:
            return
        time.sleep(0.2)
    raise RuntimeError("the worker did not get its partitions in time")


async def _watch(consumer: Any, produced: Produced, seen: Observed) -> None:
    """Read the alerts topic until cancelled; match each alert to its triggering record."""
    while True:
        batch = await consumer.getmany(timeout_ms=50)
        now = time.time()
        for records in batch.values():
            for record in records:
                alert = orjson.loads(record.value)
                millis = _millis_of(alert["ts"])
                index: int | None
                if alert.get("detector") == "campaign":
                    index = bisect.bisect_left(produced.watermark, millis)
                    kind = seen.campaign
                else:
                    index = produced.by_event.get((alert["api_key_id"], millis))
                    kind = seen.per_key
                    if index is not None:
                        seen.event_offsets.append(millis / 1000 - produced.first_ts)
                if index is None or index >= len(produced.at):
                    seen.unmatched += 1
                    continue
                sent_at = produced.at[index]
                kind.total.append(now - sent_at)
                kind.to_send.append(record.timestamp / 1000 - sent_at)
                kind.to_read.append(now - record.timestamp / 1000)


async def _produce_and_watch(
    run: Settings,
    keyed: list[tuple[bytes, bytes | None, int]],
    produced: Produced,
    rate: float,
    drain_seconds: float,
) -> tuple[Observed, float]:
    """Produce at ``rate`` while reading alerts; (what was seen, produce seconds)."""
    from aiokafka import TopicPartition

    # aiokafka batches built here, not kafka-python: its producer managed only ~7k
    # records/s here, below the rate to hold, and per-record send() calls would take
    # CPU from the worker being measured. A tight fetch wait: this observer should
    # see an alert as soon as it is on the topic.
    consumer = aio_consumer(run, group_id=None, fetch_max_wait_ms=10)
    producer = aio_producer(run, acks=1, linger_ms=1, enable_idempotence=False)
    await consumer.start()
    await producer.start()
    seen = Observed()
    try:
        partitions = [TopicPartition(run.alerts_topic, p) for p in range(run.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        await consumer.getmany(timeout_ms=200)  # connected and positioned before producing
        watcher = asyncio.create_task(_watch(consumer, produced, seen))
        started = time.perf_counter()
        sent = 0
        while sent < len(keyed):
            # Send what is due, then yield a millisecond: the watcher runs in this loop
            # too, and a producer that never awaits would starve it when behind.
            due = min(len(keyed), int((time.perf_counter() - started) * rate) + 1)
            batches: dict[int, Any] = {}
            for line, key, partition in keyed[sent:due]:
                produced.at.append(time.time())
                batch = batches.get(partition)
                if batch is None or batch.append(key=key, value=line, timestamp=None) is None:
                    if batch is not None:  # full: send it, start another
                        await producer.send_batch(batch, run.requests_topic, partition=partition)
                    batch = batches[partition] = producer.create_batch()
                    batch.append(key=key, value=line, timestamp=None)
            for partition, batch in batches.items():
                await producer.send_batch(batch, run.requests_topic, partition=partition)
            sent = due
            await asyncio.sleep(0.001)
        await producer.flush()
        seconds = time.perf_counter() - started
        await asyncio.sleep(drain_seconds)  # the last alerts arrive
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    finally:
        await producer.stop()
        await consumer.stop()
    return seen, seconds


def _millis_of(text: str) -> int:
    from datetime import datetime

    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def measure(
    settings: Settings,
    lines: list[bytes],
    rate: float,
    engine_json: str,
    drain_seconds: float = 5.0,
) -> dict[str, Any]:
    """Produce ``lines`` at ``rate`` events/s through a worker subprocess; latency summaries.

    Parameters
    ----------
    settings
        Broker connection (the run's topics and group are its own).
    lines
        Encoded events, in produce order.
    rate
        Events per second to produce (paced evenly, checked against the clock).
    engine_json
        The worker's ``DISTILLWATCH_ENGINE``.
    drain_seconds
        How long to keep reading alerts after the last produce.

    Returns
    -------
    dict
        ``total``, ``to_send`` and ``to_read`` summaries (seconds), the achieved
        produce rate, the run length, the unmatched alert count and the worker's
        mean batch size and batch time from its ``/metrics``.
    """
    run_id = f"latency-{os.getpid()}-{time.time_ns() // 1_000_000}"
    run = settings.model_copy(
        update={
            "requests_topic": f"{run_id}-requests",
            "alerts_topic": f"{run_id}-alerts",
            "dead_letter_topic": f"{run_id}-dead-letters",
            "checkpoint_topic": f"{run_id}-checkpoints",
            "group_id": run_id,
        }
    )
    ensure_topics(run)
    # Parsed before the clock starts, so the produce loop does little besides send().
    # Keyed records go where Kafka's default partitioner would put them.
    route = PartitionCache(run.partitions)
    keyed: list[tuple[bytes, bytes | None, int]] = []
    produced = Produced(0.0, {}, [])
    high = 0
    for index, line in enumerate(lines):
        item = parse_line(line)
        if isinstance(item, Event):
            produced.first_ts = produced.first_ts or item.ts
            millis = round(item.ts * 1000)
            produced.by_event.setdefault((item.api_key_id, millis), index)
            high = max(high, millis)
            keyed.append((line, item.api_key_id.encode(), route(item.api_key_id)))
        else:
            keyed.append((line, None, 0))
        produced.watermark.append(high)
    port = _free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": run.kafka_bootstrap_servers or "",
        "DISTILLWATCH_METRICS_PORT": str(port),
        "DISTILLWATCH_GROUP_ID": run.group_id,
        "DISTILLWATCH_REQUESTS_TOPIC": run.requests_topic,
        "DISTILLWATCH_ALERTS_TOPIC": run.alerts_topic,
        "DISTILLWATCH_DEAD_LETTER_TOPIC": run.dead_letter_topic,
        "DISTILLWATCH_CHECKPOINT_TOPIC": run.checkpoint_topic,
        "DISTILLWATCH_ENGINE": engine_json,
        "DISTILLWATCH_START_OFFSET": "earliest",
        "DISTILLWATCH_PRODUCER_IDEMPOTENCE": str(settings.producer_idempotence).lower(),
    }
    # DW_BENCH_WORKER_CMD runs another command instead (e.g. an instrumented worker).
    command = shlex.split(os.environ.get("DW_BENCH_WORKER_CMD", "")) or [
        str(Path(sys.executable).parent / "distillwatch"),
        "worker",
    ]
    log = open(os.environ.get("DW_BENCH_WORKER_LOG", os.devnull), "wb")  # noqa: SIM115
    worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, worker, 90)
        cpu_before = _scrape(port).get("process_cpu_seconds_total", 0.0)
        seen, seconds = asyncio.run(_produce_and_watch(run, keyed, produced, rate, drain_seconds))
        worker_stats = _scrape(port)
    finally:
        stop_process(worker, timeout=30)
        log.close()
    batches = worker_stats.get("distillwatch_batch_seconds_count", 0.0)
    return {
        "rate": rate,
        "achieved_rate": len(keyed) / seconds,
        "seconds": seconds,
        "events": len(keyed),
        "event_hours": (max(seen.event_offsets, default=0.0)) / 3600,
        "total": summary(seen.per_key.total),
        "to_send": summary(seen.per_key.to_send),
        "to_read": summary(seen.per_key.to_read),
        "campaign_total": summary(seen.campaign.total),
        "campaign_to_send": summary(seen.campaign.to_send),
        "unmatched": seen.unmatched,
        # CPU the worker used over the produce + drain time: ~1.0 means it was saturated
        "worker_cpu_share": (worker_stats.get("process_cpu_seconds_total", 0.0) - cpu_before)
        / (seconds + drain_seconds),
        "alert_event_hours": sorted(round(x / 3600, 2) for x in seen.event_offsets),
        "worker_batches": batches,
        "worker_mean_batch_events": (
            worker_stats.get("distillwatch_batch_size_events_sum", 0.0) / batches if batches else 0
        ),
        "worker_mean_batch_seconds": (
            worker_stats.get("distillwatch_batch_seconds_sum", 0.0) / batches if batches else 0
        ),
    }
