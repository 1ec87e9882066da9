"""The checkpoint topic: write a partition's checkpoint, read back the newest complete one.

Chunks and their metadata are the wire format (pipeline/wire/checkpoint.py); this
module only moves them through a compacted topic. Reading does not trust a
broker's end offsets to be exact (the embedded Tansu broker reports them low).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.config import Settings
from pipeline.kafka.log_reads import read_tails
from pipeline.wire.checkpoint import Checkpoint, Chunk, chunk_of, decode_chunks, encode_chunks

__all__ = ["RETRY_DELAYS", "CheckpointStore"]

log = logging.getLogger("distillwatch.checkpoints")

#: Seconds to wait before each new attempt at a checkpoint write the broker refused
#: with a retriable error (a partition leader moving, a topic just created): ~15 s in all.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)


class CheckpointStore:
    """Writes checkpoints and reads the newest one per partition.

    Parameters
    ----------
    settings
        Topic names, chunk size and client options.
    producer
        A started aiokafka producer (shared with the worker).
    retry_delays
        Waits before each retry of a write refused with a retriable broker error.
    """

    def __init__(
        self, settings: Settings, producer: Any, retry_delays: Sequence[float] = RETRY_DELAYS
    ) -> None:
        self.settings = settings
        self.producer = producer
        self.owner = f"{settings.group_id}/{settings.requests_topic}"
        self.retry_delays = tuple(retry_delays)

    def _mine(self, records: Iterable[Any]) -> list[Chunk]:
        chunks = (chunk_of(record) for record in records)
        return [c for c in chunks if c is not None and c.meta.get("owner", "") == self.owner]

    async def save(self, checkpoint: Checkpoint) -> None:
        """Write a checkpoint and wait until the broker has acknowledged every chunk.

        A write the broker refuses with a retriable error (no leader yet for a topic
        created a moment ago, a leader moving) is written again, whole, after each of
        ``retry_delays``: readers keep one chunk per (sequence, index), so chunks
        written twice change nothing. Any other error, or the last retriable one,
        is raised: a checkpoint is never silently skipped.
        """
        checkpoint.owner = self.owner
        for delay in (*self.retry_delays, None):
            try:
                await self._write(checkpoint)
                return
            except Exception as exc:
                if delay is None or not getattr(exc, "retriable", False):
                    raise
                log.warning(
                    "checkpoint of partition %d refused (%s); writing it again in %.1f s",
                    checkpoint.partition, type(exc).__name__, delay,
                )  # fmt: skip
                await asyncio.sleep(delay)

    async def _write(self, checkpoint: Checkpoint) -> None:
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

    async def load(
        self, partitions: Iterable[int], errors: dict[int, str] | None = None
    ) -> dict[int, Checkpoint]:
        """Newest complete checkpoint of each partition (partitions without one are absent).

        A newest checkpoint that cannot be read raises ``ValueError``, or, when
        ``errors`` is given, is left out and its partition's reason put there: it
        is never silently replaced by a fresh state.
        """
        wanted = sorted(set(partitions))
        if not wanted:
            return {}
        records = await read_tails(self.settings, self.settings.checkpoint_topic, wanted, 1)
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
                _decode_into(found, errors, partition, [last])
            else:
                needs_more[partition] = count
        if needs_more:
            # Multi-chunk (or torn) tails: read further back. A torn write (crash
            # while writing chunks) means the newest complete set is older.
            back = max(needs_more.values()) * 2 + 1
            more = await read_tails(
                self.settings, self.settings.checkpoint_topic, sorted(needs_more), back
            )
            for partition in needs_more:
                chunks = self._mine(more.get(partition, []))
                group = _newest_complete(chunks)
                if group is None:
                    full = await read_tails(
                        self.settings, self.settings.checkpoint_topic, [partition], None
                    )
                    chunks = self._mine(full.get(partition, []))
                    group = _newest_complete(chunks)
                if group is not None:
                    _decode_into(found, errors, partition, group)
        return found


def _decode_into(
    found: dict[int, Checkpoint], errors: dict[int, str] | None, partition: int, chunks: list[Chunk]
) -> None:
    try:
        found[partition] = decode_chunks(chunks)
    except ValueError as exc:
        if errors is None:
            raise
        errors[partition] = str(exc)


def _newest_complete(chunks: list[Chunk]) -> list[Chunk] | None:
    """The chunks of the newest checkpoint whose chunks are all there (torn writes skipped)."""
    by_sequence: dict[int, dict[int, Chunk]] = {}
    for chunk in chunks:
        by_sequence.setdefault(int(chunk.meta["sequence"]), {})[int(chunk.meta["index"])] = chunk
    for sequence in sorted(by_sequence, reverse=True):
        group = by_sequence[sequence]
        any_chunk = next(iter(group.values()))
        if len(group) == int(any_chunk.meta["chunks"]):
            return list(group.values())
    return None
