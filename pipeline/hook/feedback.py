"""Analyst feedback records: the local file and the compacted Kafka topic.

A record says what an analyst concluded about a key::

    {"api_key_id": "k-123", "label": "benign", "reason": "eval harness, ticket 42",
     "labelled_at": "2026-10-05T13:04:11.250Z"}

``distillwatch label`` appends it to a JSON Lines file and, when a broker is
configured, produces it to the compacted topic ``distillwatch-feedback``
keyed by ``api_key_id`` (so compaction keeps the latest label per key). The
hook reads both; the latest ``labelled_at`` wins.

Examples
--------
>>> rec = make_record("k-1", "benign", "eval", now=1791158400.0)
>>> rec.to_json()
b'{"api_key_id":"k-1","label":"benign","labelled_at":"2026-10-05T00:00:00.000Z","reason":"eval"}'
>>> parse_record({"api_key_id": "k-1", "label": "maybe", "labelled_at": "x"})
Traceback (most recent call last):
...
ValueError: label must be 'benign' or 'abuse', got 'maybe'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.hook.audit import rfc3339
from pipeline.hook.policy import PolicyError, parse_rfc3339

__all__ = [
    "DEFAULT_TOPIC",
    "LABELS",
    "FeedbackRecord",
    "FileFollower",
    "append_file",
    "ensure_topic",
    "make_record",
    "parse_record",
    "produce",
]

DEFAULT_TOPIC = "distillwatch-feedback"
LABELS = ("benign", "abuse")


@dataclass(frozen=True)
class FeedbackRecord:
    """One analyst label."""

    api_key_id: str
    label: str
    reason: str
    labelled_at: str
    labelled_ts: float

    def to_json(self) -> bytes:
        """Serialise as one JSON line (without the newline)."""
        return orjson.dumps(
            {
                "api_key_id": self.api_key_id,
                "label": self.label,
                "reason": self.reason,
                "labelled_at": self.labelled_at,
            },
            option=orjson.OPT_SORT_KEYS,
        )


def make_record(api_key_id: str, label: str, reason: str, now: float) -> FeedbackRecord:
    """Build and validate a record labelled at ``now`` (Unix seconds)."""
    return parse_record(
        {"api_key_id": api_key_id, "label": label, "reason": reason, "labelled_at": rfc3339(now)}
    )


def parse_record(obj: object) -> FeedbackRecord:
    """Validate a feedback object.

    Raises
    ------
    ValueError
        Naming the bad field.
    """
    if not isinstance(obj, dict):
        raise ValueError("a feedback record must be a JSON object")
    data: dict[str, Any] = obj
    key = data.get("api_key_id")
    if not isinstance(key, str) or not 1 <= len(key) <= 128:
        raise ValueError("api_key_id must be a string of 1-128 characters")
    label = data.get("label")
    if label not in LABELS:
        raise ValueError(f"label must be 'benign' or 'abuse', got {label!r}")
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        raise ValueError("reason must be a string")
    try:
        ts = parse_rfc3339(data.get("labelled_at"), "labelled_at")
    except PolicyError as exc:
        raise ValueError(str(exc)) from None
    return FeedbackRecord(key, label, reason, str(data["labelled_at"]), ts)


def append_file(path: str | Path, record: FeedbackRecord) -> None:
    """Append one record to the JSON Lines file and fsync it."""
    with open(path, "ab") as handle:
        handle.write(record.to_json() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


class FileFollower:
    """Reads new complete lines of a feedback file on each :meth:`poll`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self.bad_lines = 0

    def poll(self, apply: Callable[[FeedbackRecord], object]) -> int:
        """Apply records appended since the last call; return how many were read."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return 0
        end = chunk.rfind(b"\n")
        if end < 0:
            return 0  # a line still being written: wait for its newline
        count = 0
        for line in chunk[: end + 1].splitlines():
            if not line.strip():
                continue
            try:
                record = parse_record(orjson.loads(line))
            except ValueError:  # orjson.JSONDecodeError is a ValueError
                self.bad_lines += 1
                continue
            apply(record)
            count += 1
        self._offset += end + 1
        return count


def ensure_topic(client_options: dict[str, Any], topic: str) -> None:
    """Create the compacted feedback topic unless it exists."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(**client_options, client_id="distillwatch-label")
    try:
        if topic in admin.list_topics():
            return
        new = NewTopic(topic, 1, 1, topic_configs={"cleanup.policy": "compact"})
        with contextlib.suppress(TopicAlreadyExistsError):  # created meanwhile by another
            admin.create_topics([new])
    finally:
        admin.close()


def produce(
    client_options: dict[str, Any], topic: str, record: FeedbackRecord, timeout: float
) -> None:
    """Produce ``record`` keyed by its ``api_key_id`` and wait for the broker's ack."""
    from kafka import KafkaProducer

    ensure_topic(client_options, topic)
    producer = KafkaProducer(**client_options, acks="all", client_id="distillwatch-label")
    try:
        future = producer.send(topic, key=record.api_key_id.encode(), value=record.to_json())
        future.get(timeout=timeout)
    finally:
        producer.close(timeout=timeout)
