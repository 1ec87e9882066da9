"""Alert latency: from the triggering event's produce to the alert on the alerts topic.

A real ``distillwatch worker`` subprocess consumes the requests topic while
this process produces events at a fixed rate (half the measured maximum) and
reads the alerts topic. An alert's ``ts`` is the event time of the event that
raised it, so ``(api_key_id, ts)`` finds that event's produce time.
"""

from __future__ import annotations

import bisect
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer

from detectors.events import Event, parse_line
from pipeline.config import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_assigned(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read()
            for line in body.decode().splitlines():
                if line.startswith("distillwatch_partitions_assigned ") and float(line.split()[1]):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the worker did not get its partitions in time")


def _trigger_time(
    sent: dict[str, tuple[list[float], list[float]]], key: str, alert_ts: str
) -> float | None:
    from datetime import datetime

    times = sent.get(key)
    if times is None:
        return None
    ts = datetime.fromisoformat(alert_ts.replace("Z", "+00:00")).timestamp()
    index = bisect.bisect_left(times[0], ts - 1e-6)  # per-key ts are nearly sorted
    return times[1][index] if index < len(times[1]) else None


def measure(
    settings: Settings, lines: list[bytes], rate: float, engine_json: str
) -> dict[str, float]:
    """Produce ``lines`` at ``rate`` events/s through a worker subprocess; latency percentiles."""
    port = _free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers or "",
        "DISTILLWATCH_METRICS_PORT": str(port),
        "DISTILLWATCH_GROUP_ID": "bench-latency",
        "DISTILLWATCH_REQUESTS_TOPIC": "latency-requests",
        "DISTILLWATCH_ALERTS_TOPIC": "latency-alerts",
        "DISTILLWATCH_ENGINE": engine_json,
        "DISTILLWATCH_START_OFFSET": "earliest",
        "DISTILLWATCH_PRODUCER_IDEMPOTENCE": str(settings.producer_idempotence).lower(),
    }
    cli = str(Path(sys.executable).parent / "distillwatch")
    log = open(os.environ.get("DW_BENCH_WORKER_LOG", os.devnull), "wb")  # noqa: SIM115
    worker = subprocess.Popen([cli, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    # Per key, produced events as (event ts, produce time). An alert's ts is the end
    # of the window the triggering event closed: that event is the key's first one
    # produced with ts >= the alert's ts.
    sent: dict[str, tuple[list[float], list[float]]] = {}
    latencies: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        consumer = KafkaConsumer(
            "latency-alerts",
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
        )
        while not stop.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                now = time.perf_counter()
                for record in records:
                    alert = orjson.loads(record.value)
                    produced = _trigger_time(sent, alert["api_key_id"], alert["ts"])
                    if produced is not None:
                        latencies.append(now - produced)
        consumer.close()

    try:
        _wait_assigned(port, 90)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        time.sleep(1.0)  # the alert consumer joins before the first alert can exist
        producer = KafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=1, acks=1
        )
        started = time.perf_counter()
        for i, line in enumerate(lines):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            item = parse_line(line)
            key = item.api_key_id.encode() if isinstance(item, Event) else None
            if isinstance(item, Event):
                times = sent.setdefault(item.api_key_id, ([], []))
                times[0].append(item.ts)
                times[1].append(time.perf_counter())
            producer.send("latency-requests", line, key=key)
        producer.flush()
        time.sleep(3.0)  # the last alerts arrive
        stop.set()
        watcher.join(timeout=10)
        producer.close()
    finally:
        worker.terminate()
        log.close()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
    latencies.sort()
    if not latencies:
        return {"alerts": 0.0}
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {"alerts": float(len(latencies)), "p50": pick(0.50), "p99": pick(0.99),
            "max": latencies[-1], "rate": rate}  # fmt: skip
