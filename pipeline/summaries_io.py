"""The summaries topic: what per-partition engines tell the campaign stage, on the wire.

After each batch, the worker holding requests partition ``p`` sends one record
to the summaries topic (a single partition, so one consumer sees every
partition's records in the order each was written):

.. code-block:: json

    {"v": 1, "p": 3, "wm": 1791205451.5, "up": true,
     "s": [[17, 1791205400.0, ["key-1", "acct", 1791205400.0, ...]], ...]}

``wm`` is the partition engine's watermark after the batch (its heartbeat, see
:mod:`detectors.summary_merge`), ``up`` whether the worker had read everything
the partition held (the campaign stage only ever treats a caught-up partition
as idle), ``s`` the batch's summaries as ``[seq, watermark, fields]``.
Summaries carry no prompt text (:mod:`detectors.summaries`); the 256-bit IP
prefix bitmap travels as hex because JSON integers stop at 64 bits here.

A batch's summaries and heartbeat travel in one record, so a heartbeat is never
seen without the summaries it covers. Batches with many summaries are split
(``max_summaries`` per record); only the last piece carries the batch's
watermark, the others their last summary's.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any

import orjson

from detectors.summaries import KeySummary
from pipeline.config import Settings

__all__ = [
    "SummaryRecord",
    "decode_record",
    "encode_records",
    "ensure_campaign_topics",
]

FORMAT_VERSION = 1
#: ~1 KB per summary: 2,000 keep a record far below the producer's 8 MB request cap
MAX_SUMMARIES = 2000

Tagged = tuple[int, float, KeySummary]


@dataclass(frozen=True)
class SummaryRecord:
    """One decoded summaries record."""

    partition: int
    watermark: float
    caught_up: bool
    summaries: list[Tagged]


def _fields(summary: KeySummary) -> list[Any]:
    values: list[Any] = list(summary)
    values[6] = list(summary.templates)
    values[7] = format(summary.ip_prefix_bits, "x")
    values[16] = list(summary.probes)
    return values


def _summary(values: list[Any]) -> KeySummary:
    values = list(values)
    values[6] = tuple(int(t) for t in values[6])
    values[7] = int(values[7], 16)
    if len(values) > 16:  # written before probes existed: 16 fields
        values[16] = tuple(int(t) for t in values[16])
    return KeySummary(*values)


def encode_records(
    partition: int,
    watermark: float,
    caught_up: bool,
    summaries: list[Tagged],
    max_summaries: int = MAX_SUMMARIES,
) -> list[bytes]:
    """Record values for one batch of one partition (at least one: the heartbeat).

    Examples
    --------
    >>> s = KeySummary("k", None, 5.0, 1.0, 3.0, 2.0, (2**64 - 1,), 2**200, 9,
    ...                0.5, 0.5, 100.0, 0.1, 0.2, 0.3, 0.4)
    >>> values = encode_records(2, 7.0, True, [(0, 5.0, s), (1, 6.0, s)], max_summaries=1)
    >>> [decode_record(v).watermark for v in values]
    [5.0, 7.0]
    >>> decode_record(values[1]).summaries == [(1, 6.0, s)]
    True
    """
    wm = watermark if math.isfinite(watermark) else None
    pieces = [summaries[i : i + max_summaries] for i in range(0, len(summaries), max_summaries)]
    if not pieces:
        pieces = [[]]
    values = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        values.append(
            orjson.dumps(
                {
                    "v": FORMAT_VERSION,
                    "p": partition,
                    "wm": wm if last else piece[-1][1],
                    "up": caught_up if last else False,
                    "s": [[seq, w, _fields(s)] for seq, w, s in piece],
                }
            )
        )
    return values


def decode_record(value: bytes) -> SummaryRecord:
    """Parse one record value; ``ValueError`` when it is not a summaries record."""
    try:
        doc = orjson.loads(value)
        if doc.get("v") != FORMAT_VERSION:
            raise ValueError(f"unknown summaries record version {doc.get('v')!r}")
        wm = doc["wm"]
        return SummaryRecord(
            partition=int(doc["p"]),
            watermark=-math.inf if wm is None else float(wm),
            caught_up=bool(doc["up"]),
            summaries=[(int(seq), float(w), _summary(f)) for seq, w, f in doc["s"]],
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a summaries record: {exc}") from exc


def ensure_campaign_topics(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Create the summaries topic and the campaign checkpoint topic (one partition each).

    One partition each: the campaign stage is one instance (the one consumer of
    its group that holds partition 0), and its input must be totally ordered
    per source partition.
    """
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        client_id=f"{settings.app_id}-admin",
        request_timeout_ms=int(timeout * 1000),
        **settings.kafka_client_options(),
    )
    try:
        existing = set(admin.list_topics())
        wanted = {
            settings.summaries_topic: {},
            # Compacted like the per-partition checkpoints: only the newest chunks matter.
            settings.campaign_checkpoint_topic: {
                "cleanup.policy": "compact",
                "max.message.bytes": str(8 * 1024 * 1024),
            },
        }
        missing = [name for name in wanted if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(name, 1, settings.replication_factor, topic_configs=wanted[name])
                        for name in missing
                    ],
                    timeout_ms=int(timeout * 1000),
                )
        _wait_visible(admin, list(wanted), timeout)
        return missing
    finally:
        admin.close()


def _has_leader(partition: dict[str, Any]) -> bool:
    leader = partition.get("leader_id", partition.get("leader", 0))
    return int(partition.get("error_code", 0)) == 0 and int(leader) >= 0


def _wait_visible(admin: Any, names: list[str], timeout: float) -> None:
    """Block until every topic has partitions with a leader: a send to a topic created a
    moment ago otherwise fails with NotLeaderForPartition on some brokers (Tansu)."""
    deadline = time.monotonic() + timeout
    while True:
        described = admin.describe_topics(names)
        ready = {
            item.get("name") or item.get("topic")
            for item in described
            if item.get("partitions") and all(_has_leader(p) for p in item["partitions"])
        }
        if ready >= set(names):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics not ready after {timeout}s: {sorted(set(names) - ready)}")
        time.sleep(0.1)
