"""One requests partition inside a worker: its engine, offsets and routing.

No Kafka client here: :class:`PartitionState` turns the records of one
partition into outputs (alerts to publish, dead letters, events to forward to
the partition that owns their key), so it is tested without a broker.

Routing. Replay runs one engine per partition, keys sharded with Kafka's
default partitioner; the worker holds the same engine for each assigned
requests partition ``p``. Records keyed by ``api_key_id`` (and batches grouped
per partition, as ``replay --to-kafka`` sends them) only hold ``p``'s keys and
are processed in place. A batch that mixes keys has its other events
re-batched into one record per target partition ``q``, written to partition
``q`` of the requests topic itself (prompt text never goes to another topic),
with a header naming the source ``(p, offset)``. ``q`` remembers the last
source offset it processed per source partition (in its checkpoint), so a
source partition re-processed after a crash never delivers an event twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from detectors.alerts import Alert
from detectors.engine import Engine
from detectors.events import Event, Rejection, decode_value
from detectors.partitioning import Router
from detectors.summaries import KeySummary
from pipeline.wire.forwarding import SOURCE_HEADER, encode_event, source_of

__all__ = ["BatchOutput", "PartitionState"]


@dataclass
class BatchOutput:
    """What processing a batch of records produced, to be published by the caller."""

    alerts: list[Alert] = field(default_factory=list)
    #: dead-letter record values (JSON, without the original value: it may hold prompt text)
    dead_letters: list[bytes] = field(default_factory=list)
    rejection_codes: list[str] = field(default_factory=list)
    #: target partition -> list of (record value, headers) to append to the requests topic
    forwards: dict[int, list[tuple[bytes, list[tuple[str, bytes]]]]] = field(default_factory=dict)
    events_in_place: int = 0
    events_forwarded: int = 0
    forwarded_duplicates: int = 0
    alerts_suppressed: int = 0
    max_event_ts: float | None = None
    #: campaign summaries as ``(seq, engine watermark at emission, summary)``
    summaries: list[tuple[int, float, KeySummary]] = field(default_factory=list)
    #: the scores the engine emitted (for the score histogram)
    scores: list[float] = field(default_factory=list)


class PartitionState:
    """The engine of one requests partition, and where its input and output stand.

    Parameters
    ----------
    partition
        The requests partition (and alerts / checkpoint partition) number.
    engine
        A fresh engine, or one restored from the partition's checkpoint.
    router
        Maps an ``api_key_id`` to its partition (Kafka's default partitioner).
    topic
        Name of the requests topic, for dead-letter positions.
    next_offset
        Next requests offset to process.
    alerts_offset
        Offset of alerts partition ``partition`` a successor must scan from to
        find alerts this partition published after its last checkpoint.
    forwarded
        Source partition -> last forwarded source offset already processed.
    suppress
        Alert ids a crashed predecessor already published (found by scanning the
        alerts partition from ``alerts_offset``): re-processing regenerates them
        with the same ids, and they are not published twice.
    summary_seq
        Seq of the partition's next campaign summary. Summaries are collected
        only when the engine has them enabled (``Engine.enable_summaries``).
    """

    def __init__(
        self,
        partition: int,
        engine: Engine,
        router: Router,
        topic: str,
        next_offset: int = 0,
        alerts_offset: int = 0,
        forwarded: dict[int, int] | None = None,
        suppress: set[str] | None = None,
        sequence: int = 0,
        summary_seq: int = 0,
    ) -> None:
        self.partition = partition
        self.engine = engine
        self.router = router
        self.topic = topic
        self.next_offset = next_offset
        self.alerts_offset = alerts_offset
        self.forwarded = dict(forwarded or {})
        self.suppress = set(suppress or ())
        self.sequence = sequence
        self.summary_seq = summary_seq
        self.dirty = False
        #: outputs of processed records not yet acknowledged by Kafka: while set, no
        #: checkpoint may be written (it would cover them)
        self.unacknowledged = False

    def process(self, records: list[Any]) -> BatchOutput:
        """Process records of this partition (offset order); advance ``next_offset``."""
        out = BatchOutput()
        p = self.partition
        engine, route = self.engine, self.router
        summaries = out.summaries
        for record in records:
            offset = record.offset
            if offset < self.next_offset:
                continue  # fetched before a seek back to a checkpoint
            self.next_offset = offset + 1
            self.dirty = True
            self.unacknowledged = True
            try:
                source = source_of(record.headers)
                items = decode_value(record.value or b"")
            except Exception as exc:  # the decoders reject in-band; this is the backstop
                self._reject(out, Rejection("undecodable", type(exc).__name__), offset)
                continue
            if source is not None:
                if source[1] <= self.forwarded.get(source[0], -1):
                    out.forwarded_duplicates += 1
                    continue  # its source was re-processed after a crash: already done
                self.forwarded[source[0]] = source[1]
            elsewhere: dict[int, list[Event]] = {}
            for index, item in enumerate(items):
                if isinstance(item, Rejection):
                    self._reject(out, item, offset)
                    continue
                target = route(item.api_key_id)
                if target != p:
                    elsewhere.setdefault(target, []).append(item)
                    continue
                out.events_in_place += 1
                if out.max_event_ts is None or item.ts > out.max_event_ts:
                    out.max_event_ts = item.ts
                # The one guard of this driver: no event stops the worker. An event the
                # engine cannot take is a dead letter (the type of the error, never its
                # text: it could quote the event); the engine keeps going.
                try:
                    emitted = engine.process(item)
                except Exception as exc:
                    reason = f"engine raised {type(exc).__name__}"
                    failed = Rejection("processing_error", reason, index, item.api_key_id)
                    self._reject(out, failed, offset)
                    continue
                if not emitted:
                    continue
                for alert in emitted.alerts:
                    if alert.alert_id in self.suppress:
                        self.suppress.discard(alert.alert_id)
                        out.alerts_suppressed += 1
                    else:
                        out.alerts.append(alert)
                out.scores.extend(scored.score for scored in emitted.scores)
                # Tagged per event: the watermark at emission is what orders summaries.
                if emitted.summaries:
                    watermark = engine.watermark
                    for summary in emitted.summaries:
                        summaries.append((self.summary_seq, watermark, summary))
                        self.summary_seq += 1
            if elsewhere:
                header = [(SOURCE_HEADER, f"{p}:{offset}".encode())]
                for target, events in elsewhere.items():
                    value = b"[" + b",".join(encode_event(e) for e in events) + b"]"
                    out.forwards.setdefault(target, []).append((value, header))
                    out.events_forwarded += len(events)
        return out

    def _reject(self, out: BatchOutput, rejection: Rejection, offset: int) -> None:
        out.rejection_codes.append(rejection.code)
        out.dead_letters.append(self._dead_letter(rejection, offset))

    def _dead_letter(self, rejection: Rejection, offset: int) -> bytes:
        return orjson.dumps(
            {
                "reason": rejection.code,
                "message": rejection.message,
                "topic": self.topic,
                "partition": self.partition,
                "offset": offset,
                "index": rejection.index,
                "api_key_id": rejection.api_key_id,
            }
        )

    def acknowledged(self, alerts_next_offset: int | None) -> None:
        """Every output of the records processed so far is acknowledged by Kafka.

        ``alerts_next_offset`` is the offset after our last acknowledged alert, if
        the batch had alerts. While a predecessor's alerts are still being
        regenerated (``suppress`` not empty), the scan start stays where it was,
        so a successor of ours would still find them.
        """
        self.unacknowledged = False
        if alerts_next_offset is not None and not self.suppress:
            self.alerts_offset = max(self.alerts_offset, alerts_next_offset)
