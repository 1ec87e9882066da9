"""``distillwatch demo``: embedded broker + worker + simulated attackers, alerts live.

What ``make demo`` runs. Starts the embedded Kafka-protocol broker (or uses
``KAFKA_BOOTSTRAP_SERVERS`` when set), a worker (the same detect loop as
``distillwatch worker``) with its ``/metrics`` endpoint, and the simulator's
labelled traffic pushed into the requests topic on an accelerated clock
(``--speed`` seconds of event time per wall second). Alerts are read back from
the alerts topic and printed in a compact table as they arrive. Stops cleanly
on Ctrl-C or after ``--duration`` seconds (0: until Ctrl-C).

The demo engine warms up faster than the production defaults (see
``DEMO_ENGINE``) so the first alerts show within a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline.config import Settings, load_settings

__all__ = ["DEMO_ENGINE", "add_arguments", "run"]

#: Engine overrides for the demo: shorter warm-ups, so alerts appear quickly.
DEMO_ENGINE = {"population_warmup": 30, "key_warmup_seconds": 600.0}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``distillwatch demo``."""
    parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until Ctrl-C")
    parser.add_argument(
        "--speed", type=float, default=3600.0, help="event-time seconds per wall second"
    )
    parser.add_argument("--seed", type=int, default=1, help="simulator seed")
    parser.add_argument("--days", type=float, default=7.0, help="simulated days of traffic")
    parser.add_argument("--benign-keys", type=int, default=30, help="benign keys simulated")
    parser.add_argument("--metrics-port", type=int, default=None, help="/metrics port")
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")


@dataclass
class _Status:
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    event_ts: float = 0.0
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=15))
    by_severity: dict[str, int] = field(default_factory=lambda: {"warning": 0, "critical": 0})
    metrics_url: str = ""
    brokers: str = ""
    done_sending: bool = False


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns 0 on a clean stop (Ctrl-C or ``--duration``)."""
    engine = {**DEMO_ENGINE}
    try:
        settings = load_settings(
            args.config, metrics_port=args.metrics_port, engine=engine, group_id="distillwatch-demo"
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"distillwatch demo: {exc}", file=sys.stderr)
        return 2
    from pipeline.devtools.embedded_broker import BrokerError, EmbeddedBroker

    broker: Any = contextlib.nullcontext()
    if settings.kafka_bootstrap_servers is None:
        broker = EmbeddedBroker()
    try:
        with broker:
            if isinstance(broker, EmbeddedBroker):
                settings = settings.model_copy(
                    update={
                        "kafka_bootstrap_servers": broker.bootstrap_servers,
                        "producer_idempotence": False,  # Tansu has no idempotent producer
                    }
                )
            return asyncio.run(_demo(settings, args))
    except BrokerError as exc:
        print(f"distillwatch demo: {exc}", file=sys.stderr)
        return 1


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.live import Live

    from pipeline.cli.worker import build_metrics
    from pipeline.kafka.topics import ensure_topics
    from pipeline.runtime.detect_loop import StreamProcessor

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await loop.run_in_executor(None, ensure_topics, settings)
    metrics, server = build_metrics(settings)
    status = _Status(
        metrics_url=f"http://{settings.metrics_host}:{server.port}/metrics",
        brokers=settings.kafka_bootstrap_servers or "",
    )
    console = Console()
    console.print(f"[bold]distillwatch demo[/] brokers {status.brokers}")
    console.print(f"metrics: {status.metrics_url}   (Ctrl-C to stop)")
    processor = StreamProcessor(settings, metrics)
    await processor.start()
    tasks = [
        asyncio.create_task(processor.run()),
        asyncio.create_task(_traffic(settings, args, status, stop)),
        asyncio.create_task(_watch_alerts(settings, status, stop)),
    ]
    try:
        with Live(_render(status), console=console, refresh_per_second=4) as live:
            deadline = None if args.duration <= 0 else time.monotonic() + args.duration
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.25)
                live.update(_render(status))
    finally:
        stop.set()
        await processor.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.close()
    total = sum(status.by_severity.values())
    console.line()  # the live table's last frame may end without a newline
    console.print(f"stopped: {status.sent:,} events sent, {total} alerts")
    return 0


async def _traffic(
    settings: Settings, args: argparse.Namespace, status: _Status, stop: asyncio.Event
) -> None:
    """Push simulated events, paced by their own event time at ``--speed``."""
    from detectors.events import Event, parse_line
    from pipeline.kafka.clients import aio_producer
    from pipeline.simulate import SimulationConfig, encode_event, simulate

    events, _labels = simulate(
        SimulationConfig(
            seed=args.seed, days=args.days, benign_keys=args.benign_keys, attack_instances=1
        )
    )
    producer = aio_producer(settings, linger_ms=20)
    await producer.start()
    first_ts: float | None = None
    started = time.monotonic()
    try:
        for raw in events:
            if stop.is_set():
                break
            value = encode_event(raw)
            item = parse_line(value)
            key = item.api_key_id.encode() if isinstance(item, Event) else None
            if isinstance(item, Event):
                if first_ts is None:
                    first_ts, started = item.ts, time.monotonic()
                delay = started + (item.ts - first_ts) / args.speed - time.monotonic()
                if delay > 0.01:
                    await asyncio.sleep(delay)
                status.event_ts = max(status.event_ts, item.ts)
            await producer.send(settings.requests_topic, value, key=key)
            status.sent += 1
            if status.sent % 500 == 0:
                await asyncio.sleep(0)  # let the worker and the display run
    finally:
        status.done_sending = True
        await producer.stop()


async def _watch_alerts(settings: Settings, status: _Status, stop: asyncio.Event) -> None:
    from pipeline.kafka.clients import aio_consumer

    consumer = aio_consumer(settings, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    consumer.subscribe([settings.alerts_topic])
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    alert = orjson.loads(record.value)
                    status.alerts.appendleft(alert)
                    severity = alert.get("severity", "warning")
                    status.by_severity[severity] = status.by_severity.get(severity, 0) + 1
    finally:
        await consumer.stop()


def _render(status: _Status) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from detectors.events import format_ts

    elapsed = max(1e-9, time.monotonic() - status.started)
    clock = format_ts(status.event_ts) if status.event_ts else "-"
    head = Text(
        f"events {status.sent:,} ({status.sent / elapsed:,.0f}/s)   event time {clock}   "
        f"alerts: {status.by_severity.get('critical', 0)} critical, "
        f"{status.by_severity.get('warning', 0)} warning"
        + ("   [traffic finished]" if status.done_sending else "")
    )
    table = Table(expand=True, show_lines=False, header_style="bold")
    table.add_column("event time", no_wrap=True, min_width=11)
    table.add_column("key", no_wrap=True, max_width=16)
    table.add_column("severity", no_wrap=True, min_width=8)
    table.add_column("score", no_wrap=True, min_width=5, justify="right")
    table.add_column("detector", no_wrap=True, max_width=14)
    table.add_column("top reason", no_wrap=True, ratio=1)
    for alert in status.alerts:
        reasons = alert.get("reasons") or [{}]
        top = reasons[0]
        reason = f"{top.get('feature', '')}={top.get('value', '')} (base {top.get('baseline', '')})"
        style = "bold red" if alert.get("severity") == "critical" else "yellow"
        table.add_row(
            str(alert.get("ts", ""))[5:16].replace("T", " "),
            str(alert.get("api_key_id", ""))[:24],
            Text(str(alert.get("severity", "")), style=style),
            f"{float(alert.get('score', 0.0)):.2f}",
            str(alert.get("detector", "")),
            reason if reasons[0] else "",
        )
    return Group(head, Text(f"metrics {status.metrics_url}", style="dim"), table)
