"""What fills the triage store: replay files, the hook's database, Kafka topics.

* :func:`load_alerts` / :func:`load_scores`: ``alerts.jsonl`` and ``scores.jsonl``
  of ``distillwatch replay`` (``--scores``), plain or gzip.
* :class:`FeedbackFile`: the JSON Lines file ``distillwatch label`` appends to.
* :class:`HookDatabase`: the hook's SQLite file, read-only: new audit rows (by
  sequence) and outbox rows changed since the last poll.
* :func:`follow_topic`: an alerts or feedback topic, from the offsets the store
  saved (so a restarted triage resumes, and re-reading is harmless anyway:
  alerts are kept once per ``alert_id``).

A line or record that is not a valid alert is counted and skipped, never a stop.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from detectors.timestamps import parse_ts
from pipeline.hook.feedback import FeedbackRecord, FileFollower, parse_record
from pipeline.triage.store import AlertRow, TriageStore, alert_row

__all__ = [
    "FeedbackFile",
    "HookDatabase",
    "LoadStats",
    "follow_topic",
    "load_alerts",
    "load_scores",
]

log = logging.getLogger("distillwatch.triage")

BATCH = 5000


@dataclass
class LoadStats:
    """How a load went: rows read, rows new to the store, lines skipped."""

    read: int = 0
    added: int = 0
    skipped: int = 0


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _lines(path: Path) -> Iterator[bytes]:
    with _open(path) as handle:
        for line in handle:
            if line.strip():
                yield line


def load_alerts(store: TriageStore, path: Path) -> LoadStats:
    """Load ``alerts.jsonl`` (one alert per line, as replay writes it)."""
    stats = LoadStats()
    batch: list[AlertRow] = []
    for line in _lines(path):
        stats.read += 1
        try:
            batch.append(alert_row(orjson.loads(line), line.rstrip(b"\n")))
        except ValueError:
            stats.skipped += 1
            continue
        if len(batch) >= BATCH:
            stats.added += store.add_alerts(batch)
            batch = []
    stats.added += store.add_alerts(batch)
    return stats


def load_scores(store: TriageStore, path: Path) -> LoadStats:
    """Load ``scores.jsonl`` of ``replay --scores``: ``{api_key_id, ts, score}`` lines."""
    stats = LoadStats()
    batch: list[tuple[str, float, float]] = []
    for line in _lines(path):
        stats.read += 1
        try:
            obj = orjson.loads(line)
            point = (str(obj["api_key_id"]), parse_ts(obj["ts"]), float(obj["score"]))
        except (ValueError, KeyError, TypeError):
            stats.skipped += 1
            continue
        batch.append(point)
        if len(batch) >= BATCH * 4:
            store.add_scores(batch)
            stats.added += len(batch)
            batch = []
    store.add_scores(batch)
    stats.added += len(batch)
    return stats


def _apply_label(store: TriageStore) -> Callable[[FeedbackRecord], object]:
    def apply(record: FeedbackRecord) -> object:
        return store.apply_label(
            record.api_key_id, record.label, record.reason, record.labelled_at, record.labelled_ts
        )

    return apply


class FeedbackFile:
    """Follows the feedback file of ``distillwatch label`` (and of the triage's own labels)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._follower = FileFollower(path)

    def poll(self, store: TriageStore) -> int:
        """Apply labels appended since the last poll."""
        return self._follower.poll(_apply_label(store))


_AUDIT = (
    "SELECT seq, decided_at, outcome, action, api_key_id, alert_id, policy, mode, reason,"
    " outbox_id FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"
)
_OUTBOX = (
    "SELECT id, api_key_id, alert_id, action, target, status, attempts, last_error, updated_at"
    " FROM outbox WHERE updated_at >= ? ORDER BY updated_at LIMIT ?"
)


class HookDatabase:
    """Reads the hook's database read-only: its decisions, deliveries and held actions."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def poll(self, store: TriageStore, limit: int = 10_000) -> int:
        """Mirror new audit rows and changed outbox rows; return how many were read."""
        if not self.path.exists():
            return 0
        seq = int(store.cursor("hook:audit_seq"))
        changed = store.cursor("hook:outbox_updated")
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10.0)
        try:
            audit_rows = conn.execute(_AUDIT, (seq, limit)).fetchall()
            outbox_rows = conn.execute(_OUTBOX, (changed, limit)).fetchall()
        except sqlite3.Error as exc:  # a hook database being created, or not one at all
            log.warning("triage: cannot read the hook database %s: %s", self.path, exc)
            return 0
        finally:
            conn.close()
        if not audit_rows and not outbox_rows:
            return 0
        store.add_hook_rows(audit_rows, outbox_rows)
        if audit_rows:
            store.set_cursor("hook:audit_seq", float(audit_rows[-1][0]))
        if outbox_rows:
            # >= on the next poll: rows changed within the same instant are read again
            # (harmless, they replace themselves), never missed.
            store.set_cursor("hook:outbox_updated", float(outbox_rows[-1][8]))
        return len(audit_rows) + len(outbox_rows)


def alerts_from_record(value: bytes) -> list[AlertRow]:
    """The alerts of one alerts-topic record (an object or an array); bad ones dropped."""
    try:
        decoded = orjson.loads(value)
    except orjson.JSONDecodeError:
        return []
    items = decoded if isinstance(decoded, list) else [decoded]
    rows = []
    for item in items:
        try:
            rows.append(alert_row(item, None if isinstance(decoded, list) else value))
        except ValueError:
            continue
    return rows


def _feedback(store: TriageStore, value: bytes) -> None:
    try:
        record = parse_record(orjson.loads(value))
    except ValueError:
        return
    _apply_label(store)(record)


async def follow_topic(
    settings: Any, topic: str, store: TriageStore, stop: asyncio.Event, kind: str = "alerts"
) -> None:
    """Follow ``topic`` (``kind`` alerts or feedback) into the store until ``stop``.

    Partitions are assigned, not joined through a group: every triage reads
    everything, from the offsets its own store saved.
    """
    from aiokafka import TopicPartition

    from pipeline.kafka.clients import aio_consumer

    consumer = aio_consumer(settings, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions: set[int] | None = None
        while partitions is None and not stop.is_set():
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                await consumer.force_metadata_update()
                await asyncio.sleep(0.5)
        if partitions is None:
            return
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        for tp in assigned:
            saved = store.cursor(f"kafka:{topic}:{tp.partition}", -1.0)
            if saved >= 0:
                consumer.seek(tp, int(saved) + 1)
            else:
                await consumer.seek_to_beginning(tp)
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=BATCH)
            for tp, records in batch.items():
                if kind == "alerts":
                    rows = [row for r in records for row in alerts_from_record(r.value)]
                    await asyncio.to_thread(store.add_alerts, rows)
                else:
                    for record in records:
                        _feedback(store, record.value)
                store.set_cursor(f"kafka:{topic}:{tp.partition}", float(records[-1].offset))
    finally:
        await consumer.stop()
