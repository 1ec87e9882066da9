"""``distillwatch triage``: the triage page and JSON API (docs/TRIAGE.md).

Serves on loopback unless ``--listen`` says otherwise. The store is an embedded
SQLite file; it is fed by replay output (``--alerts``, ``--scores``), the hook's
database (``--hook-db``, read-only; written only to release an action), the feedback
file, and, where a broker is configured, the alerts and feedback topics. Acting
(label, release) needs ``$DISTILLWATCH_TRIAGE_TOKEN`` (or ``..._FILE``); without
it the page is read-only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

__all__ = ["DEFAULT_DB", "DEFAULT_LISTEN", "TOKEN_ENV", "add_arguments", "run"]

TOKEN_ENV = "DISTILLWATCH_TRIAGE_TOKEN"
DEFAULT_DB = "distillwatch-triage.db"
DEFAULT_LISTEN = "127.0.0.1:9310"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``distillwatch triage``."""
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("DISTILLWATCH_TRIAGE_DB") or DEFAULT_DB),
        help=f"the triage store, SQLite (default $DISTILLWATCH_TRIAGE_DB or ./{DEFAULT_DB})",
    )
    parser.add_argument(
        "--alerts",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="load alerts.jsonl[.gz] of `distillwatch replay` (repeatable)",
    )
    parser.add_argument(
        "--scores",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="load scores.jsonl of `replay --scores`: every score, for the key timelines",
    )
    parser.add_argument(
        "--hook-db",
        type=Path,
        default=_env_path("DISTILLWATCH_HOOK_DB"),
        help="the hook's database: its decisions and deliveries, and where releases go "
        "(default $DISTILLWATCH_HOOK_DB)",
    )
    parser.add_argument(
        "--feedback-file",
        type=Path,
        default=Path(os.environ.get("DISTILLWATCH_FEEDBACK_FILE") or "distillwatch-feedback.jsonl"),
        help="labels file shared with `distillwatch label` and the hook "
        "(default $DISTILLWATCH_FEEDBACK_FILE or ./distillwatch-feedback.jsonl)",
    )
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="[HOST:]PORT",
        help=f"address to serve on (default {DEFAULT_LISTEN}: loopback only; port 0 = any free)",
    )
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")
    parser.add_argument(
        "--bootstrap-servers",
        help="follow the alerts and feedback topics on these brokers (default: the workers' "
        "setting, $KAFKA_BOOTSTRAP_SERVERS or the config file; none: no Kafka)",
    )
    parser.add_argument(
        "--no-kafka", action="store_true", help="do not follow topics even if a broker is set"
    )
    parser.add_argument("--feedback-topic", default="distillwatch-feedback")
    parser.add_argument(
        "--load-only", action="store_true", help="load --alerts/--scores into --db and exit"
    )
    parser.add_argument("--max-seconds", type=float, metavar="S", help="stop after S seconds")


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"--listen: expected [HOST:]PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def build_config(args: argparse.Namespace) -> object:
    """The :class:`~pipeline.triage.server.TriageConfig` for ``args`` (settings read once)."""
    from pipeline.config import load_settings
    from pipeline.hook.signing import load_secret
    from pipeline.triage.actions import ActionSettings
    from pipeline.triage.server import TriageConfig

    settings = load_settings(args.config, kafka_bootstrap_servers=args.bootstrap_servers)
    broker = settings if settings.kafka_bootstrap_servers and not args.no_kafka else None
    host, port = _address(args.listen)
    actions = ActionSettings(
        token=load_secret(TOKEN_ENV),
        feedback_file=args.feedback_file,
        broker=broker,
        feedback_topic=args.feedback_topic,
        hook_db=args.hook_db,
    )
    return TriageConfig(
        db=args.db,
        actions=actions,
        host=host,
        port=port,
        alerts_files=tuple(args.alerts),
        scores_files=tuple(args.scores),
        kafka=broker,
        alerts_topic=settings.alerts_topic,
    )


def run(args: argparse.Namespace) -> int:
    """Serve the triage page until Ctrl-C (or ``--max-seconds``)."""
    from pipeline.hook.signing import SecretError
    from pipeline.triage.server import PortBusy, TriageConfig, load_files, serve
    from pipeline.triage.store import TriageStore

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("distillwatch").setLevel(logging.INFO)
    try:
        config = build_config(args)
    except (ValueError, FileNotFoundError, SecretError) as exc:
        print(f"distillwatch triage: {exc}", file=sys.stderr)
        return 2
    assert isinstance(config, TriageConfig)
    for path in (*config.alerts_files, *config.scores_files):
        if not path.is_file():
            print(f"distillwatch triage: cannot read {path}: no such file", file=sys.stderr)
            return 2
    if args.load_only:
        store = TriageStore(config.db)
        try:
            load_files(store, config, print)
        finally:
            store.close()
        return 0

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if args.max_seconds:
            loop.call_later(args.max_seconds, stop.set)

        def ready(url: str) -> None:
            mode = "read-write" if config.actions.token else f"read-only (set ${TOKEN_ENV})"
            print(f"triage: {url}  ({mode}; Ctrl-C to stop)", flush=True)

        await serve(config, stop, ready, lambda text: print(text, flush=True))

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    except PortBusy as exc:
        print(f"distillwatch triage: {exc}", file=sys.stderr)
        return 1
    return 0
