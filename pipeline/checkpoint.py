"""Engine state checkpoints in a compacted Kafka topic, and the alert log scan.

A checkpoint of requests partition ``p`` is written to partition ``p`` of the
checkpoint topic as one or more chunk records (Kafka caps record size; an
engine snapshot can be megabytes). Chunk ``i`` is keyed ``"p:i"`` so log
compaction keeps the newest copy of every chunk, and the newest complete
checkpoint always sits at the tail of the partition. Every chunk carries the
checkpoint's metadata in a header:

- ``offset``: the next requests offset to read (everything before it is in
  the snapshot);
- ``alerts_offset``: the next offset of alerts partition ``p`` when the
  checkpoint was taken; alerts found after it were published by a
  predecessor that died before its next checkpoint, and must not be
  published again (:func:`published_alert_ids`);
- ``forwarded``: per source partition, the last source offset whose
  forwarded events this partition has processed (see pipeline/app.py);
- ``summary_seq``: the seq the partition's next campaign summary gets
  (pipeline/summaries_io.py), so a successor re-emits the same seqs.

Reading does not trust a broker's end offsets to be exact (the embedded
Tansu broker reports them low): readers always continue until a poll comes
back empty.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from pipeline.config import Settings
from pipeline.kafka_io import aio_consumer

__all__ = [
    "Checkpoint",
    "CheckpointStore",
    "decode_chunks",
    "encode_chunks",
    "end_offsets",
    "published_alert_ids",
]

_HEADER = "dw-checkpoint"


@dataclass
class Checkpoint:
    """The durable state of one requests partition.

    Examples
    --------
    >>> cp = Checkpoint(partition=3, offset=120, alerts_offset=7, engine=b"state",
    ...                 forwarded={1: 55}, sequence=2)
    >>> decode_chunks(encode_chunks(cp, chunk_bytes=2)) == cp
    True
    """

    partition: int
    offset: int
    alerts_offset: int
    engine: bytes
    forwarded: dict[int, int] = field(default_factory=dict)
    sequence: int = 0
    #: ``"<group id>/<requests topic>"``: a checkpoint topic shared by mistake
    #: between deployments never restores one's state into the other
    owner: str = ""
    summary_seq: int = 0

    def meta(self, chunks: int, index: int) -> dict[str, Any]:
        return {
            "partition": self.partition,
            "offset": self.offset,
            "alerts_offset": self.alerts_offset,
            "forwarded": {str(k): v for k, v in self.forwarded.items()},
            "sequence": self.sequence,
            "owner": self.owner,
            "summary_seq": self.summary_seq,
            "chunks": chunks,
            "index": index,
        }


@dataclass(frozen=True)
class Chunk:
    """One checkpoint record: its key, value, and metadata header."""

    key: bytes
    value: bytes
    meta: dict[str, Any]

    @property
    def headers(self) -> list[tuple[str, bytes]]:
        return [(_HEADER, orjson.dumps(self.meta))]


def encode_chunks(checkpoint: Checkpoint, chunk_bytes: int) -> list[Chunk]:
    """Split a checkpoint into records of at most ``chunk_bytes`` (compressed) bytes."""
    # level 1: snapshots are taken on the hot path's schedule; speed over ratio
    blob = zlib.compress(checkpoint.engine, 1)
    pieces = [blob[i : i + chunk_bytes] for i in range(0, len(blob), chunk_bytes)] or [b""]
    return [
        Chunk(
            key=f"{checkpoint.owner}:{checkpoint.partition}:{index}".encode(),
            value=piece,
            meta=checkpoint.meta(len(pieces), index),
        )
        for index, piece in enumerate(pieces)
    ]


def decode_chunks(chunks: Iterable[Chunk]) -> Checkpoint:
    """Rebuild a checkpoint from its chunks (in index order)."""
    ordered = sorted(chunks, key=lambda chunk: int(chunk.meta["index"]))
    if not ordered or len(ordered) != int(ordered[0].meta["chunks"]):
        raise ValueError("incomplete checkpoint")
    meta = ordered[0].meta
    if any(chunk.meta["sequence"] != meta["sequence"] for chunk in ordered):
        raise ValueError("checkpoint chunks from different checkpoints")
    return Checkpoint(
        partition=int(meta["partition"]),
        offset=int(meta["offset"]),
        alerts_offset=int(meta["alerts_offset"]),
        engine=zlib.decompress(b"".join(chunk.value for chunk in ordered)),
        forwarded={int(k): int(v) for k, v in meta["forwarded"].items()},
        sequence=int(meta["sequence"]),
        owner=str(meta.get("owner", "")),
        summary_seq=int(meta.get("summary_seq", 0)),
    )


def _chunk_of(record: Any) -> Chunk | None:
    for name, value in record.headers or ():
        if name == _HEADER:
            return Chunk(record.key or b"", record.value or b"", orjson.loads(value))
    return None


class CheckpointStore:
    """Writes checkpoints and reads the newest one per partition.

    Parameters
    ----------
    settings
        Topic names, chunk size and client options.
    producer
        A started aiokafka producer (shared with the worker).
    """

    def __init__(self, settings: Settings, producer: Any) -> None:
        self.settings = settings
        self.producer = producer
        self.owner = f"{settings.group_id}/{settings.requests_topic}"

    def _mine(self, records: Iterable[Any]) -> list[Chunk]:
        chunks = (_chunk_of(record) for record in records)
        return [c for c in chunks if c is not None and c.meta.get("owner", "") == self.owner]

    async def save(self, checkpoint: Checkpoint) -> None:
        """Write a checkpoint and wait until the broker has acknowledged every chunk."""
        checkpoint.owner = self.owner
        futures = [
            await self.producer.send(
                self.settings.checkpoint_topic,
                value=chunk.value,
                key=chunk.key,
                partition=checkpoint.partition,
                headers=chunk.headers,
            )
            for chunk in encode_chunks(checkpoint, self.settings.checkpoint_chunk_bytes)
        ]
        await asyncio.gather(*futures)

    async def load(self, partitions: Iterable[int]) -> dict[int, Checkpoint]:
        """Newest complete checkpoint of each partition (partitions without one are absent)."""
        wanted = sorted(set(partitions))
        if not wanted:
            return {}
        records = await _read_tails(self.settings, self.settings.checkpoint_topic, wanted, 1)
        found: dict[int, Checkpoint] = {}
        needs_more: dict[int, int] = {}
        for partition in wanted:
            tail = self._mine(records.get(partition, []))
            if not tail:
                if records.get(partition):  # someone else's checkpoint at the tail: look further
                    needs_more[partition] = 1
                continue
            last = tail[-1]
            count = int(last.meta["chunks"])
            if count == 1 and int(last.meta["index"]) == 0:
                found[partition] = decode_chunks([last])
            else:
                needs_more[partition] = count
        if needs_more:
            # Multi-chunk (or torn) tails: read further back. A torn write (crash
            # while writing chunks) means the newest complete set is older.
            back = max(needs_more.values()) * 2 + 1
            more = await _read_tails(
                self.settings, self.settings.checkpoint_topic, sorted(needs_more), back
            )
            for partition in needs_more:
                chunks = self._mine(more.get(partition, []))
                checkpoint = _newest_complete(chunks)
                if checkpoint is None:
                    full = await _read_tails(
                        self.settings, self.settings.checkpoint_topic, [partition], None
                    )
                    chunks = self._mine(full.get(partition, []))
                    checkpoint = _newest_complete(chunks)
                if checkpoint is not None:
                    found[partition] = checkpoint
        return found


def _newest_complete(chunks: list[Chunk]) -> Checkpoint | None:
    by_sequence: dict[int, dict[int, Chunk]] = {}
    for chunk in chunks:
        by_sequence.setdefault(int(chunk.meta["sequence"]), {})[int(chunk.meta["index"])] = chunk
    for sequence in sorted(by_sequence, reverse=True):
        group = by_sequence[sequence]
        any_chunk = next(iter(group.values()))
        if len(group) == int(any_chunk.meta["chunks"]):
            return decode_chunks(group.values())
    return None


async def published_alert_ids(
    settings: Settings, offsets: dict[int, int], campaign: bool = False
) -> dict[int, set[str]]:
    """Alert ids already on each alerts partition from the given offset on.

    Parameters
    ----------
    offsets
        alerts partition -> first offset to scan (a checkpoint's ``alerts_offset``).
    campaign
        Only campaign alerts (the campaign stage's), or only the others (a
        partition's per-key alerts): each publisher suppresses its own alerts only.
    """
    if not offsets:
        return {}
    records = await _read_from(settings, settings.alerts_topic, offsets)
    found: dict[int, set[str]] = {}
    for partition, items in records.items():
        ids = found.setdefault(partition, set())
        for record in items:
            try:
                alert = orjson.loads(record.value)
                if (alert.get("detector") == "campaign") == campaign:
                    ids.add(str(alert["alert_id"]))
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                continue  # not ours; alerts consumers see the same record
    return found


async def end_offsets(settings: Settings, topic: str, partitions: list[int]) -> dict[int, int]:
    """Log end offsets of ``topic``'s partitions (a fresh, group-less consumer)."""
    from aiokafka import TopicPartition

    if not partitions:
        return {}
    consumer = aio_consumer(settings, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: int(offset) for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def _read_tails(
    settings: Settings, topic: str, partitions: list[int], count: int | None
) -> dict[int, list[Any]]:
    """The last ``count`` records (all when ``None``) of each partition, in offset order."""
    from aiokafka import TopicPartition

    consumer = aio_consumer(settings, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            first = starts[tp] if count is None else max(starts[tp], ends[tp] - count)
            consumer.seek(tp, first)
        records = await _drain(consumer, ends)
    finally:
        await consumer.stop()
    if count is None:
        return records
    # The drain may read past a low end offset; keep only the real tail.
    return {p: items[-count:] for p, items in records.items()}


async def _read_from(
    settings: Settings, topic: str, offsets: dict[int, int]
) -> dict[int, list[Any]]:
    from aiokafka import TopicPartition

    consumer = aio_consumer(settings, group_id=None)
    await consumer.start()
    try:
        tps = {p: TopicPartition(topic, p) for p in offsets}
        consumer.assign(list(tps.values()))
        ends = await consumer.end_offsets(list(tps.values()))
        for partition, tp in tps.items():
            consumer.seek(tp, offsets[partition])
        return await _drain(consumer, ends)
    finally:
        await consumer.stop()


async def _drain(consumer: Any, ends: dict[Any, int], idle_ms: int = 200) -> dict[int, list[Any]]:
    """Read until every partition reached its end offset and a poll comes back empty.

    The empty poll catches records past a too-low end offset (Tansu). Bounded:
    at most 10,000 polls.
    """
    records: dict[int, list[Any]] = {tp.partition: [] for tp in ends}
    for _ in range(10_000):
        batch = await consumer.getmany(timeout_ms=idle_ms, max_records=10_000)
        for tp, items in batch.items():
            records[tp.partition].extend(items)
        if not batch:
            positions = {tp: int(await consumer.position(tp)) for tp in ends}
            if all(positions[tp] >= end for tp, end in ends.items()):
                break
    return records
