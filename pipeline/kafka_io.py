"""Kafka plumbing shared by the worker, the demo and ``replay --to-kafka``.

- :func:`ensure_topics` creates the pipeline's topics with their partition
  counts and checks existing ones (kafka-python admin, synchronous: it runs
  once at start-up).
- :func:`push_file` pushes replay files into the requests topic with
  kafka-python, as fast as possible or at N times the original pace.
- :func:`aio_producer` / :func:`aio_consumer` build aiokafka clients from the
  settings for the worker's hot loop.

Records pushed one event each are keyed by ``api_key_id``, so Kafka's default
partitioner sends them to the partition whose engine owns the key. Batched
records (``batch_size > 1``) are grouped per target partition before sending,
so they never need re-routing by the worker.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from detectors.events import Event, parse_line
from detectors.partitioning import router
from pipeline.config import Settings
from pipeline.sources import LineProgress, open_input, total_size

__all__ = [
    "PushStats",
    "TopicMismatch",
    "aio_consumer",
    "aio_producer",
    "encode_event",
    "ensure_topics",
    "iter_lines",
    "push_file",
    "topic_specs",
]


class TopicMismatch(RuntimeError):
    """An existing topic has a partition count the pipeline cannot work with."""


@dataclass(frozen=True)
class TopicSpec:
    """A topic the pipeline needs: name, partitions, and topic-level configs."""

    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)
    #: whether an existing topic must have exactly ``partitions`` partitions
    strict: bool = True


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics of the pipeline.

    Alerts use the requests topic's partition count: the engine of requests
    partition ``p`` publishes to alerts partition ``p``, which lets a restarted
    worker find the alerts its predecessor already published.
    """
    p = settings.partitions
    return [
        TopicSpec(settings.requests_topic, p),
        TopicSpec(settings.alerts_topic, p),
        TopicSpec(settings.dead_letter_topic, settings.dead_letter_partitions, strict=False),
        TopicSpec(
            settings.checkpoint_topic,
            p,
            # Compacted: only the newest chunks of each partition's snapshot matter.
            {"cleanup.policy": "compact", "max.message.bytes": str(8 * 1024 * 1024)},
        ),
    ]


def ensure_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create missing pipeline topics; check the partition counts of existing ones.

    Returns
    -------
    list of str
        Names of the topics created by this call.

    Raises
    ------
    TopicMismatch
        When an existing topic's partition count differs from the settings
        (streaming/replay parity and crash recovery depend on it).
    """
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin",
        request_timeout_ms=int(timeout * 1000),
        **settings.kafka_client_options(),
    )
    created: list[str] = []
    try:
        existing = set(admin.list_topics())
        specs = topic_specs(settings)
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            # Another worker may create them between our list and our create.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(
                            spec.name,
                            spec.partitions,
                            settings.replication_factor,
                            topic_configs=spec.configs,
                        )
                        for spec in missing
                    ],
                    timeout_ms=int(timeout * 1000),
                )
            created = [spec.name for spec in missing]
        _check_partitions(admin, specs, timeout)
    finally:
        admin.close()
    return created


def _check_partitions(admin: Any, specs: list[TopicSpec], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wanted = {spec.name: spec for spec in specs if spec.strict}
    while True:
        described = admin.describe_topics(list(wanted))
        counts = {
            item.get("name") or item.get("topic"): len(item.get("partitions") or [])
            for item in described
        }
        if all(counts.get(name, 0) > 0 for name in wanted):
            break
        if time.monotonic() > deadline:  # metadata of just-created topics can lag a little
            raise TopicMismatch(f"topics not visible after {timeout}s: {sorted(wanted)}")
        time.sleep(0.1)
    for name, spec in wanted.items():
        if counts[name] != spec.partitions:
            raise TopicMismatch(
                f"topic {name!r} has {counts[name]} partitions, settings say {spec.partitions}: "
                "set DISTILLWATCH_PARTITIONS to the requests topic's count (alerts and "
                "checkpoint topics must match it)"
            )


# --------------------------------------------------------------------------- replay push


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
        **settings.kafka_client_options(),
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


# --------------------------------------------------------------------------- aiokafka clients


def aio_producer(settings: Settings, **overrides: Any) -> Any:
    """An (unstarted) aiokafka producer for alerts, dead letters, checkpoints and routing."""
    from aiokafka import AIOKafkaProducer

    options: dict[str, Any] = {
        "client_id": f"{settings.app_id}-worker",
        "acks": "all",
        "enable_idempotence": settings.producer_idempotence,
        # No linger: the worker queues a whole batch's records before it yields to the
        # sender, then waits for their acks; lingering only delayed every batch (and
        # its alerts) by the linger time.
        "linger_ms": 0,
        "max_batch_size": 1024 * 1024,
        "max_request_size": 8 * 1024 * 1024,
        **_aio_security(settings),
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def aio_consumer(settings: Settings, **overrides: Any) -> Any:
    """An (unstarted, unsubscribed) aiokafka consumer; offsets are committed by the caller."""
    from aiokafka import AIOKafkaConsumer

    options: dict[str, Any] = {
        "client_id": f"{settings.app_id}-worker",
        "enable_auto_commit": False,
        "auto_offset_reset": settings.start_offset,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_bytes": 32 * 1024 * 1024,
        # aiokafka's 500 ms default: the embedded broker answers an empty fetch only
        # when it expires (Apache Kafka answers as data arrives), which added
        # 0.1-0.25 s per hop to a caught-up worker's alerts (benchmarks/streaming).
        "fetch_max_wait_ms": 100,
        **_aio_security(settings),
    }
    options.update(overrides)
    return AIOKafkaConsumer(**options)


def _aio_security(settings: Settings) -> dict[str, Any]:
    options = settings.kafka_client_options()
    if settings.ssl_cafile is not None:
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context(cafile=str(settings.ssl_cafile))
    return options


def encode_event(event: Event) -> bytes:
    """JSON of a validated event with absent fields dropped (``parse_event`` reads it back).

    Used only to forward events to their own partition of the requests topic:
    prompt text never goes to any other topic.

    Examples
    --------
    >>> from detectors.events import parse_line
    >>> event = parse_line(b'{"ts": 1791205451.5, "api_key_id": "k", "prompt_tokens": 1, '
    ...                    b'"completion_tokens": 2, "n": 3}')
    >>> parse_line(encode_event(event)) == event
    True
    """
    return orjson.dumps({k: v for k, v in event._asdict().items() if v is not None})
