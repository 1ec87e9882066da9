"""``distillwatch replay``: run the detection engine over log files, on event time.

Writes ``alerts.jsonl`` (event-time order), ``rejected.jsonl`` (source, line,
reason per rejected line) and ``summary.json`` into ``--out``
(:func:`pipeline.runtime.replay.replay_files`). With ``--to-kafka`` it pushes
the files into the requests topic instead (:mod:`pipeline.kafka.push`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from pipeline.runtime.log_files import InputError, check_inputs
from pipeline.runtime.replay import replay_files

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help=".jsonl or .jsonl.gz, or - for stdin"
    )
    parser.add_argument("--out", type=Path, help="output directory (required unless --to-kafka)")
    parser.add_argument("--config", help="TOML settings file (engine settings under [engine])")
    parser.add_argument(
        "--scores", action="store_true", help="also write every score to scores.jsonl"
    )
    parser.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    parser.add_argument(
        "--no-campaigns",
        action="store_true",
        help="per-key detection only (what a worker without the campaign stage raises)",
    )
    parser.add_argument(
        "--to-kafka", action="store_true", help="push the inputs into the requests topic"
    )
    parser.add_argument(
        "--pace", type=float, help="with --to-kafka: N x the original pace (default: max)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=1, help="with --to-kafka: events per record"
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.config import describe_error, load_settings

    try:
        settings = load_settings(args.config)
    except (ValueError, FileNotFoundError) as exc:
        print(f"distillwatch replay: bad configuration: {describe_error(exc)}", file=sys.stderr)
        return 2
    # A bar on a terminal, a line every 10 s otherwise (pipeline.progress).
    show_progress = not args.no_progress
    if args.to_kafka:
        return _push(args, settings, show_progress)
    if args.out is None:
        print("distillwatch replay: --out DIR is required", file=sys.stderr)
        return 2
    try:
        result = replay_files(
            args.inputs,
            settings.engine_config(),
            out_dir=args.out,
            progress=show_progress,
            trace_scores=args.scores,
            campaigns=not args.no_campaigns,
            campaign_config=settings.campaign_config(),
            prompt_key=settings.prompt_key(),
        )
    except InputError as exc:
        print(f"distillwatch replay: {exc}", file=sys.stderr)
        return 1
    _print_summary(result.summary, args.out)
    if result.error is not None:
        print(f"distillwatch replay: {result.error}", file=sys.stderr)
        return 1
    return 0


def _push(args: argparse.Namespace, settings: Any, progress: bool) -> int:
    from pipeline.kafka.push import push_file

    if settings.kafka_bootstrap_servers is None:
        print(
            "distillwatch replay: --to-kafka needs KAFKA_BOOTSTRAP_SERVERS (or the config file)",
            file=sys.stderr,
        )
        return 2
    try:
        check_inputs(args.inputs)
        stats = push_file(
            args.inputs, settings, pace=args.pace, progress=progress, batch_size=args.batch_size
        )
    except InputError as exc:
        print(f"distillwatch replay: {exc}", file=sys.stderr)
        return 1
    print(orjson.dumps(stats.to_dict()).decode())
    return 0


def _print_summary(summary: dict[str, Any], out_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"replay → {out_dir}", show_header=False)
    for name in (
        "events_total",
        "events_valid",
        "events_rejected",
        "events_duplicate",
        "events_late",
        "keys_seen",
    ):
        table.add_row(name.replace("_", " "), f"{summary[name]:,}")
    table.add_row(
        "alerts (warning / critical)",
        f"{summary['alerts']['warning']:,} / {summary['alerts']['critical']:,}",
    )
    table.add_row("wall seconds", f"{summary['wall_seconds']:.2f}")
    table.add_row("events per second", f"{summary['events_per_second']:,.0f}")
    Console().print(table)
