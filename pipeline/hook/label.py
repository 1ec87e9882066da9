"""``distillwatch label KEY --benign|--abuse [--reason TEXT]``: record analyst feedback.

The label is appended to the local feedback file (always) and, when a broker
is configured, produced to the compacted ``distillwatch-feedback`` topic keyed
by the key id, from which running hooks (and workers) pick it up. A key
labelled benign is never acted on again by the hook; evaluate reads the same
file. See docs/HOOK.md for the record format.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipeline.hook.feedback import DEFAULT_TOPIC, append_file, make_record, produce

__all__ = ["DEFAULT_FILE", "add_arguments", "run"]

DEFAULT_FILE = "distillwatch-feedback.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``label`` arguments to ``parser``."""
    parser.add_argument("api_key_id", metavar="KEY", help="the api_key_id to label")
    verdict = parser.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--benign", dest="label", action="store_const", const="benign")
    verdict.add_argument("--abuse", dest="label", action="store_const", const="abuse")
    parser.add_argument(
        "--reason", default="", help="why (ticket, workload); stored with the label"
    )
    parser.add_argument(
        "--feedback-file",
        type=Path,
        default=Path(os.environ.get("DISTILLWATCH_FEEDBACK_FILE") or DEFAULT_FILE),
        help=f"JSON Lines file (default $DISTILLWATCH_FEEDBACK_FILE or ./{DEFAULT_FILE})",
    )
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")
    parser.add_argument(
        "--bootstrap-servers",
        help="also produce to Kafka (default: the workers' setting, $KAFKA_BOOTSTRAP_SERVERS or "
        "the config file)",
    )
    parser.add_argument("--topic", default=DEFAULT_TOPIC, help="compacted feedback topic")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for Kafka")


def run(args: argparse.Namespace) -> int:
    """Record the label; exit 1 if Kafka was asked for and failed (the file is kept)."""
    try:
        record = make_record(args.api_key_id, args.label, args.reason, now=time.time())
    except ValueError as exc:
        print(f"distillwatch label: {exc}", file=sys.stderr)
        return 2
    try:
        append_file(args.feedback_file, record)
    except OSError as exc:
        print(f"distillwatch label: cannot write {args.feedback_file}: {exc}", file=sys.stderr)
        return 1
    print(f"{record.api_key_id}: labelled {record.label} in {args.feedback_file}")
    from pipeline.hook.cli import broker_settings

    try:
        broker = broker_settings(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"distillwatch label: written to the file; bad settings: {exc}", file=sys.stderr)
        return 1
    if broker.kafka_bootstrap_servers:
        try:
            produce(broker.kafka_python_options(), args.topic, record, args.timeout)
        except Exception as exc:  # kafka-python raises many unrelated types
            print(
                f"distillwatch label: written to the file, but not to topic {args.topic}: {exc}",
                file=sys.stderr,
            )
            return 1
        print(f"{record.api_key_id}: published to {args.topic}")
    return 0
