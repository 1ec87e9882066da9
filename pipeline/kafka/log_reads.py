"""Reading a topic's partitions to their end with a group-less consumer.

What a successor reads on take-over: the tail of the checkpoint topic
(pipeline/kafka/checkpoint_store.py) and the alerts a predecessor published
after its last checkpoint (:func:`published_alert_ids`). Readers always
continue until a poll comes back empty: the embedded Tansu broker reports end
offsets a little low.
"""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.config import Settings
from pipeline.kafka.clients import aio_consumer

__all__ = ["end_offsets", "published_alert_ids", "read_from", "read_tails"]


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
    records = await read_from(settings, settings.alerts_topic, offsets)
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


async def read_tails(
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


async def read_from(
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
