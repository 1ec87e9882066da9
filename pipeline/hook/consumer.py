"""Kafka inputs: the alerts topic (consumer group) and the feedback topic (all of it).

At-least-once in: offsets are committed only after the processor has made
every decision of the polled batch durable. Exactly-once out comes from the
outbox's unique idempotency key, so a record re-read after a crash is only
audited as a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

from pipeline.hook.feedback import FeedbackRecord, parse_record
from pipeline.hook.intake import AlertRejected
from pipeline.hook.processor import Processor

__all__ = ["AlertConsumer", "FeedbackConsumer"]


class AlertConsumer:
    """Consumes the alerts topic in a consumer group and feeds the processor."""

    def __init__(
        self,
        client_options: dict[str, Any],
        topic: str,
        group_id: str,
        processor: Processor,
        *,
        max_records: int = 200,
        session_timeout: float = 10.0,
    ) -> None:
        self.topic = topic
        self.processor = processor
        self.max_records = max_records
        self._consumer = KafkaConsumer(
            topic,
            **client_options,  # the workers' broker settings: servers, SASL, TLS
            group_id=group_id,
            client_id="distillwatch-hook",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Short session so a restarted hook rejoins in seconds, not minutes
            # (DESIGN.md: a 108 s rejoin was measured with defaults).
            session_timeout_ms=int(session_timeout * 1000),
            heartbeat_interval_ms=min(1000, int(session_timeout * 1000) // 3),
        )

    def poll_once(self, timeout: float = 0.5) -> int:
        """Handle one polled batch, then commit its offsets; return the record count.

        If the processor raises (e.g. the database is unwritable) nothing is
        committed and the exception propagates: the hook stops, and a restart
        re-reads the batch. Nothing is skipped.
        """
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=self.max_records)
        count = 0
        for tp, records in batches.items():
            for record in records:
                source = f"kafka:{tp.topic}/{tp.partition}/{record.offset}"
                if record.value is None:
                    exc = AlertRejected("empty_record", "record has no value (tombstone)")
                    self.processor.reject(exc, source, b"")
                else:
                    self.processor.handle_bytes(record.value, source)
                count += 1
        if count:
            self._consumer.commit()  # the positions just returned by poll
        return count

    @property
    def ready(self) -> bool:
        """Whether the group has assigned us partitions (joining takes seconds)."""
        return bool(self._consumer.assignment())

    def close(self) -> None:
        """Leave the group and close the connection."""
        self._consumer.close()


class FeedbackConsumer:
    """Reads the whole compacted feedback topic, then follows it (no consumer group)."""

    def __init__(self, client_options: dict[str, Any], topic: str) -> None:
        self.topic = topic
        self.bad_records = 0
        self._consumer = KafkaConsumer(
            **client_options,
            client_id="distillwatch-hook-feedback",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self._assigned = False
        self._next_assign_try = 0.0

    def _assign(self) -> bool:
        now = time.monotonic()
        if now < self._next_assign_try:
            return False
        self._next_assign_try = now + 10.0  # a metadata round trip: not on every loop
        partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            return False  # not created yet: `distillwatch label` creates it
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(tps)
        self._consumer.seek_to_beginning(*tps)
        self._assigned = True
        return True

    def catch_up(self, apply: Callable[[FeedbackRecord], object], timeout: float = 10.0) -> int:
        """Read the topic up to its current end (bounded by ``timeout``) before alerts flow.

        Without this, the first alerts could be decided before the labels that
        suppress them were read.
        """
        deadline = time.monotonic() + timeout
        if not self._assigned and not self._assign():
            return 0
        tps = list(self._consumer.assignment())
        ends = self._consumer.end_offsets(tps)
        count = 0
        while time.monotonic() < deadline:
            if all(self._consumer.position(tp) >= ends.get(tp, 0) for tp in tps):
                break
            count += self.poll_once(apply, timeout=0.2)
        return count

    def poll_once(self, apply: Callable[[FeedbackRecord], object], timeout: float = 0.0) -> int:
        """Apply any new labels with ``apply(record)``; return how many were read."""
        if not self._assigned and not self._assign():
            return 0
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=500)
        count = 0
        for records in batches.values():
            for record in records:
                if record.value is None:
                    continue
                try:
                    parsed: FeedbackRecord = parse_record(orjson.loads(record.value))
                except ValueError:
                    self.bad_records += 1
                    continue
                apply(parsed)
                count += 1
        return count

    def close(self) -> None:
        """Close the connection."""
        self._consumer.close()
