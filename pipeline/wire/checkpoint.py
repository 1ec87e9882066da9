"""Checkpoint records: a partition's durable state as chunks of a compacted topic.

A checkpoint of requests partition ``p`` is written to partition ``p`` of the
checkpoint topic as one or more chunk records (Kafka caps record size; an
engine snapshot can be megabytes). Chunk ``i`` is keyed ``"<owner>:p:i"`` so
log compaction keeps the newest copy of every chunk, and the newest complete
checkpoint always sits at the tail of the partition. Every chunk carries the
checkpoint's metadata in a header:

- ``offset``: the next requests offset to read (everything before it is in
  the snapshot);
- ``alerts_offset``: the next offset of alerts partition ``p`` when the
  checkpoint was taken; alerts found after it were published by a
  predecessor that died before its next checkpoint, and must not be
  published again (:func:`pipeline.kafka.log_reads.published_alert_ids`);
- ``forwarded``: per source partition, the last source offset whose
  forwarded events this partition has processed (pipeline/wire/forwarding.py);
- ``summary_seq``: the seq the partition's next campaign summary gets
  (pipeline/wire/summaries.py), so a successor re-emits the same seqs.

Moving chunks through Kafka is pipeline/kafka/checkpoint_store.py.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["Checkpoint", "Chunk", "chunk_of", "decode_chunks", "encode_chunks"]

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


#: Largest engine state a checkpoint may expand to: a forged record must not be a zip bomb.
MAX_STATE_BYTES = 4 * 1024**3


def decode_chunks(chunks: Iterable[Chunk]) -> Checkpoint:
    """Rebuild a checkpoint from its chunks (in index order); ``ValueError`` if unreadable."""
    try:
        ordered = sorted(chunks, key=lambda chunk: int(chunk.meta["index"]))
        if not ordered or len(ordered) != int(ordered[0].meta["chunks"]):
            raise ValueError("incomplete checkpoint")
        meta = ordered[0].meta
        if any(chunk.meta["sequence"] != meta["sequence"] for chunk in ordered):
            raise ValueError("checkpoint chunks from different checkpoints")
        inflater = zlib.decompressobj()
        engine = inflater.decompress(b"".join(c.value for c in ordered), MAX_STATE_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:
            raise ValueError("state truncated, or larger than MAX_STATE_BYTES")
        return Checkpoint(
            partition=int(meta["partition"]),
            offset=int(meta["offset"]),
            alerts_offset=int(meta["alerts_offset"]),
            engine=engine,
            forwarded={int(k): int(v) for k, v in meta["forwarded"].items()},
            sequence=int(meta["sequence"]),
            owner=str(meta.get("owner", "")),
            summary_seq=int(meta.get("summary_seq", 0)),
        )
    except (zlib.error, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"unreadable checkpoint: {type(exc).__name__}: {exc}") from None


_META_INTS = ("partition", "offset", "alerts_offset", "sequence", "chunks", "index")


def chunk_of(record: Any) -> Chunk | None:
    """The checkpoint chunk a record carries, or ``None`` (no header, or a malformed one)."""
    for name, value in record.headers or ():
        if name != _HEADER:
            continue
        try:
            meta = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
        if type(meta) is not dict or not all(type(meta.get(k)) is int for k in _META_INTS):
            return None
        if type(meta.get("forwarded", {})) is not dict or meta["chunks"] < 1:
            return None
        return Chunk(record.key or b"", record.value or b"", meta)
    return None
