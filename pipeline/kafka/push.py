"""``replay --to-kafka``: push log files into the requests topic (kafka-python).

:func:`push_file` pushes replay files as fast as possible or at N times the
original pace. Records pushed one event each are keyed by ``api_key_id``, so
Kafka's default partitioner sends them to the partition whose engine owns the
key. Batched records (``batch_size > 1``) are grouped per target partition
before sending, so they never need re-routing by the worker.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from detectors.events import Event, parse_line
from detectors.partitioning import router
from pipeline.config import Settings
from pipeline.runtime.log_files import LineProgress, open_input, total_size

__all__ = ["PushStats", "iter_lines", "push_file"]


@dataclass
class PushStats:
    """What :func:`push_file` sent."""

    lines: int = 0
    records: int = 0
    events: int = 0
    invalid_lines: int = 0
    bytes: int = 0
    wall_seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        """Lines pushed per wall-clock second."""
        return self.lines / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict for summaries and logs."""
        return {**asdict(self), "events_per_second": round(self.events_per_second, 1)}


def iter_lines(paths: Sequence[Path | str]) -> Iterator[tuple[bytes, int]]:
    """Yield ``(line, compressed_bytes_read_so_far)`` over all inputs; blank lines skipped."""
    done = 0
    for path in paths:
        handle = open_input(str(path))
        raw = getattr(handle, "fileobj", handle)  # gzip: progress counts compressed bytes
        try:
            for line in handle:
                stripped = line.strip()
                if stripped:
                    position = raw.tell() if raw.seekable() else 0
                    yield stripped, done + position
        finally:
            if handle is not sys.stdin.buffer:
                done += raw.tell() if raw.seekable() else 0
                handle.close()


class _Pacer:
    """Sleeps so event ``ts`` values are replayed at ``pace`` times their original rate."""

    def __init__(self, pace: float | None) -> None:
        self.pace = pace
        self.first_ts: float | None = None
        self.started = time.monotonic()

    def wait(self, ts: float) -> None:
        if self.pace is None:
            return
        if self.first_ts is None:
            self.first_ts, self.started = ts, time.monotonic()
            return
        due = self.started + (ts - self.first_ts) / self.pace
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def push_file(
    paths: Sequence[Path | str],
    settings: Settings,
    pace: float | None = None,
    progress: bool = False,
    batch_size: int = 1,
) -> PushStats:
    """Push replay files (JSON Lines, optionally gzip) into the requests topic.

    Parameters
    ----------
    paths
        Input files; ``"-"`` reads standard input.
    settings
        Broker and topic names (``kafka_bootstrap_servers`` must be set).
    pace
        ``None``: as fast as possible. ``N``: N times the original pace, from
        the events' own ``ts`` (lines that are not valid events are sent at once).
    progress
        Show a progress bar (rich) on standard error.
    batch_size
        Events per record. 1: one event per record keyed by ``api_key_id``.
        More: JSON-array records, grouped per target partition, sent to that
        partition explicitly (invalid lines are still sent alone, for the worker
        to dead-letter).

    Returns
    -------
    PushStats
    """
    from kafka import KafkaProducer

    if pace is not None and pace <= 0:
        raise ValueError("pace must be > 0 (or None for as fast as possible)")
    producer = KafkaProducer(
        client_id=f"{settings.app_id}-push",
        acks="all",
        linger_ms=5,
        batch_size=512 * 1024,
        max_request_size=8 * 1024 * 1024,
        # One request in flight per connection: retries cannot reorder a key's events.
        max_in_flight_requests_per_connection=1,
        **settings.kafka_python_options(),
    )
    topic = settings.requests_topic
    route = router(settings.partitions)
    pending: dict[int, list[bytes]] = {}
    stats = PushStats()
    pacer = _Pacer(pace)
    started = time.monotonic()
    bar = LineProgress("pushing", total_size([str(p) for p in paths])) if progress else None

    def flush_partition(partition: int) -> None:
        lines = pending.pop(partition)
        producer.send(topic, b"[" + b",".join(lines) + b"]", partition=partition)
        stats.records += 1

    try:
        for line, position in iter_lines(paths):
            stats.lines += 1
            stats.bytes += len(line) + 1
            item = parse_line(line)
            if not isinstance(item, Event):
                stats.invalid_lines += 1
                producer.send(topic, line)  # the worker dead-letters it
                stats.records += 1
                continue
            pacer.wait(item.ts)
            stats.events += 1
            if batch_size <= 1:
                producer.send(topic, line, key=item.api_key_id.encode("utf-8"))
                stats.records += 1
            else:
                partition = route(item.api_key_id)
                pending.setdefault(partition, []).append(line)
                if len(pending[partition]) >= batch_size:
                    flush_partition(partition)
            if bar is not None and stats.lines % 2000 == 0:
                bar.update(position, stats.lines)
        for partition in sorted(pending):
            flush_partition(partition)
        producer.flush()
    finally:
        producer.close()
        if bar is not None:
            bar.close()
    stats.wall_seconds = time.monotonic() - started
    return stats
