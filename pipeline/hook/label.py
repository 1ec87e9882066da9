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
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Settings
from pipeline.hook.feedback import DEFAULT_TOPIC, FeedbackRecord, append_file, make_record, produce

__all__ = ["DEFAULT_FILE", "Labelled", "add_arguments", "record_label", "run"]

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


@dataclass(frozen=True)
class Labelled:
    """What came of one label: the record, and where it went (``error`` when it failed)."""

    record: FeedbackRecord | None
    written: bool
    published: bool
    error: str | None = None
    code: int = 0


def record_label(
    api_key_id: str,
    label: str,
    reason: str,
    feedback_file: Path,
    broker: Settings | None,
    topic: str = DEFAULT_TOPIC,
    timeout: float = 15.0,
    now: float | None = None,
) -> Labelled:
    """Append the label to the feedback file and, with a broker, produce it to ``topic``.

    The one code path of ``distillwatch label`` and of the triage page's label action.
    """
    try:
        record = make_record(api_key_id, label, reason, now=time.time() if now is None else now)
    except ValueError as exc:
        return Labelled(None, False, False, str(exc), 2)
    try:
        append_file(feedback_file, record)
    except OSError as exc:
        return Labelled(record, False, False, f"cannot write {feedback_file}: {exc}", 1)
    if broker is None or not broker.kafka_bootstrap_servers:
        return Labelled(record, True, False)
    try:
        produce(broker.kafka_python_options(), topic, record, timeout)
    except Exception as exc:  # kafka-python raises many unrelated types
        return Labelled(
            record, True, False, f"written to the file, but not to topic {topic}: {exc}", 1
        )
    return Labelled(record, True, True)


def run(args: argparse.Namespace) -> int:
    """Record the label; exit 1 if Kafka was asked for and failed (the file is kept)."""
    from pipeline.hook.cli import broker_settings

    try:
        broker = broker_settings(args)
    except (ValueError, FileNotFoundError) as exc:
        broker = None
        bad_settings = str(exc)
    else:
        bad_settings = ""
    done = record_label(
        args.api_key_id,
        args.label,
        args.reason,
        args.feedback_file,
        broker,
        args.topic,
        args.timeout,
    )
    if done.record is None or not done.written:
        print(f"distillwatch label: {done.error}", file=sys.stderr)
        return done.code
    record = done.record
    print(f"{record.api_key_id}: labelled {record.label} in {args.feedback_file}")
    if bad_settings:
        print(
            f"distillwatch label: written to the file; bad settings: {bad_settings}",
            file=sys.stderr,
        )
        return 1
    if done.error:
        print(f"distillwatch label: {done.error}", file=sys.stderr)
        return done.code
    if done.published:
        print(f"{record.api_key_id}: published to {args.topic}")
    return 0
