"""``distillwatch demo``: embedded broker + worker + simulated attackers, alerts live.

What ``make demo`` runs. Starts the embedded Kafka-protocol broker (or uses
``KAFKA_BOOTSTRAP_SERVERS`` when set), a worker (the same detect loop as
``distillwatch worker``) with its ``/metrics`` endpoint, and the simulator's
labelled traffic pushed into the requests topic on an accelerated clock
(``--speed`` seconds of event time per wall second). Alerts are read back from
the alerts topic and printed as they arrive: a live table on a terminal (its
columns fold, never cut, at any width), plain lines with a progress line every
few seconds otherwise. The triage page (``distillwatch triage``) is served
beside it, fed from the alerts topic, and its URL printed. Stops cleanly on
Ctrl-C or after ``--duration`` seconds (0: until Ctrl-C).

The demo engine warms up faster than the production defaults (see
``DEMO_ENGINE``) so the first alerts show within a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
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
    parser.add_argument(
        "--attack-instances", type=int, default=2, help="instances of each attack family"
    )
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")
    parser.add_argument(
        "--triage-listen",
        default="127.0.0.1:0",
        metavar="[HOST:]PORT",
        help="where the triage page listens (default: loopback, a free port)",
    )
    parser.add_argument("--no-triage", action="store_true", help="do not serve the triage page")
    parser.add_argument(
        "--triage-dir",
        type=Path,
        help="the triage's store, feedback file and token (default: a new temporary folder)",
    )


@dataclass
class _Status:
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    event_ts: float = 0.0
    alerts: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=15))
    seen: list[dict[str, Any]] = field(default_factory=list)
    by_severity: dict[str, int] = field(default_factory=lambda: {"warning": 0, "critical": 0})
    metrics_url: str = ""
    triage_url: str = ""
    brokers: str = ""
    done_sending: bool = False
    printed: int = 0


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
    from pipeline.cli.worker import MetricsPortBusy
    from pipeline.devtools.embedded_broker import BrokerError, EmbeddedBroker
    from pipeline.triage.server import PortBusy

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
    except (MetricsPortBusy, PortBusy) as exc:
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
    terminal = console.is_terminal
    console.print(f"[bold]distillwatch demo[/] brokers {status.brokers}")
    console.print(f"metrics: {status.metrics_url}   (Ctrl-C to stop)")
    processor = StreamProcessor(settings, metrics)
    await processor.start()
    tasks = [
        asyncio.create_task(processor.run()),
        asyncio.create_task(_traffic(settings, args, status, stop)),
        asyncio.create_task(_watch_alerts(settings, status, stop)),
    ]
    triage_stop = asyncio.Event()
    if not args.no_triage:
        triage = await _start_triage(settings, args, status, triage_stop, console)
        tasks.append(triage)
    try:
        live: Any = Live(_render_for(console, status), console=console, refresh_per_second=4)
        with live if terminal else contextlib.nullcontext():
            deadline = None if args.duration <= 0 else time.monotonic() + args.duration
            last_line = time.monotonic()
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.25)
                if terminal:
                    live.update(_render_for(console, status))
                else:
                    _print_new_alerts(status)
                    if time.monotonic() - last_line >= 5.0:
                        last_line = time.monotonic()
                        print(_progress(status), flush=True)
    finally:
        stop.set()
        await processor.stop()
        triage_stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.close()
    total = sum(status.by_severity.values())
    if not terminal:
        _print_new_alerts(status)
    console.line()  # the live table's last frame may end without a newline
    console.print(f"stopped: {status.sent:,} events sent, {total} alerts")
    return 0


async def _start_triage(
    settings: Settings,
    args: argparse.Namespace,
    status: _Status,
    stop: asyncio.Event,
    console: Any,
) -> asyncio.Task[None]:
    """Serve the triage page on the demo's alerts topic; print its URL and where its token is."""
    from pipeline.cli.triage import TOKEN_ENV, _address
    from pipeline.hook.signing import Secret, load_secret
    from pipeline.triage.actions import ActionSettings
    from pipeline.triage.server import TriageConfig, serve

    folder = args.triage_dir or Path(tempfile.mkdtemp(prefix="distillwatch-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    token = load_secret(TOKEN_ENV)
    token_note = f"token from ${TOKEN_ENV}"
    if token is None:
        token_file = folder / "triage-token"
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(18) + "\n")
        token = Secret(token_file.read_bytes().strip())
        token_note = f"token to label or release: in {token_file}"
    host, port = _address(args.triage_listen)
    config = TriageConfig(
        db=folder / "triage.db",
        actions=ActionSettings(
            token=token, feedback_file=folder / "feedback.jsonl", broker=settings
        ),
        host=host,
        port=port,
        kafka=settings,
        alerts_topic=settings.alerts_topic,
    )
    ready = asyncio.Event()

    def on_ready(url: str) -> None:
        status.triage_url = url
        console.print(f"triage: {url}   ({token_note})", soft_wrap=True)
        ready.set()

    task = asyncio.create_task(serve(config, stop, on_ready))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()  # raises PortBusy (one line) or what broke it
    return task


def _progress(status: _Status) -> str:
    from detectors.events import format_ts

    elapsed = max(1e-9, time.monotonic() - status.started)
    clock = format_ts(status.event_ts) if status.event_ts else "-"
    return (
        f"events {status.sent:,} ({status.sent / elapsed:,.0f}/s)  event time {clock}  alerts: "
        f"{status.by_severity.get('critical', 0)} critical, "
        f"{status.by_severity.get('warning', 0)} warning"
        + ("  [traffic finished]" if status.done_sending else "")
    )


def _print_new_alerts(status: _Status) -> None:
    """Off a terminal: each alert once, on one line, never cut (the live table needs a tty)."""
    fresh = status.seen[status.printed :]
    status.printed = len(status.seen)
    for alert in fresh:
        print(_alert_line(alert), flush=True)


def _alert_line(alert: dict[str, Any]) -> str:
    return (
        f"{str(alert.get('ts', ''))[:19].replace('T', ' ')}  {alert.get('severity', ''):<8} "
        f"{float(alert.get('score', 0.0)):.2f}  {alert.get('api_key_id', '')}  "
        f"[{alert.get('detector', '')}]  {_why(alert)}"
    )


def _why(alert: dict[str, Any]) -> str:
    summary = alert.get("summary")
    if isinstance(summary, str) and summary:
        return summary.split(": ", 1)[-1]  # the severity and score are in their own columns
    from detectors.wording import Reason, describe

    reasons = alert.get("reasons") or []
    return "; ".join(
        describe(Reason.from_mapping(r)).text for r in reasons[:2] if isinstance(r, dict)
    )


async def _traffic(
    settings: Settings, args: argparse.Namespace, status: _Status, stop: asyncio.Event
) -> None:
    """Push simulated events, paced by their own event time at ``--speed``."""
    from detectors.events import Event, parse_line
    from pipeline.kafka.clients import aio_producer
    from pipeline.simulate import SimulationConfig, encode_event, simulate

    events, _labels = simulate(
        SimulationConfig(
            seed=args.seed,
            days=args.days,
            benign_keys=args.benign_keys,
            attack_instances=args.attack_instances,
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
                    status.seen.append(alert)
                    severity = alert.get("severity", "warning")
                    status.by_severity[severity] = status.by_severity.get(severity, 0) + 1
    finally:
        await consumer.stop()


#: Below this many columns the alerts are stacked (a line of facts, then the reasons)
#: instead of a table whose columns could not all fit.
TABLE_MIN_WIDTH = 90


def _render(status: _Status, width: int = 120) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text(_progress(status), overflow="fold")
    links = f"metrics {status.metrics_url}"
    if status.triage_url:
        links += f"   triage {status.triage_url}"
    if width < TABLE_MIN_WIDTH:
        lines: list[Any] = [head, Text(links, style="dim", overflow="fold")]
        for alert in status.alerts:
            style = "bold red" if alert.get("severity") == "critical" else "yellow"
            facts = Text(overflow="fold")
            facts.append(str(alert.get("ts", ""))[5:16].replace("T", " ") + " ")
            facts.append(str(alert.get("severity", "")), style=style)
            facts.append(f" {float(alert.get('score', 0.0)):.2f} {alert.get('api_key_id', '')}")
            lines += [facts, Text("  " + _why(alert), overflow="fold")]
        return Group(*lines)
    # Columns fold rather than cut: at any width the key and the reasons stay whole.
    table = Table(expand=True, show_lines=False, header_style="bold")
    table.add_column("event time", no_wrap=True, min_width=11)
    table.add_column("key", overflow="fold", min_width=8, max_width=28)
    table.add_column("severity", no_wrap=True, min_width=8)
    table.add_column("score", no_wrap=True, min_width=5, justify="right")
    table.add_column("why", overflow="fold", ratio=1, min_width=20)
    for alert in status.alerts:
        style = "bold red" if alert.get("severity") == "critical" else "yellow"
        detector = str(alert.get("detector", ""))
        table.add_row(
            str(alert.get("ts", ""))[5:16].replace("T", " "),
            str(alert.get("api_key_id", "")),
            Text(str(alert.get("severity", "")), style=style),
            f"{float(alert.get('score', 0.0)):.2f}",
            (f"[{detector}] " if detector == "campaign" else "") + _why(alert),
        )
    return Group(head, Text(links, style="dim", overflow="fold"), table)


def _render_for(console: Any, status: _Status) -> Any:
    return _render(status, console.width)
