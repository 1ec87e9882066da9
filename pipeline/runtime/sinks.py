"""Where a batch's outputs go: queued while the batch runs, acknowledged together.

A sink's ``flush`` is tied to the checkpoint: the loops flush before any
checkpoint can cover the records that produced these outputs, and a flush that
fails leaves the batch unacknowledged (no checkpoint covers it). This is the
quixstreams ``add``/``flush`` shape over an aiokafka producer.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["TopicSink"]


class TopicSink:
    """Records sent to Kafka during a batch, awaited together by :meth:`flush`.

    Parameters
    ----------
    producer
        A started aiokafka producer (shared; its owner stops it).
    """

    def __init__(self, producer: Any) -> None:
        self.producer = producer
        self._pending: list[Any] = []

    async def add(
        self,
        topic: str,
        value: bytes,
        *,
        key: bytes | None = None,
        partition: int | None = None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Any:
        """Queue one record; returns its delivery future (its metadata once flushed)."""
        future = await self.producer.send(
            topic, value=value, key=key, partition=partition, headers=headers
        )
        self._pending.append(future)
        return future

    @property
    def pending(self) -> int:
        """Records queued since the last flush."""
        return len(self._pending)

    async def flush(self) -> None:
        """Wait until every queued record is acknowledged; raise the first failure."""
        pending, self._pending = self._pending, []
        if pending:
            await asyncio.gather(*pending)
