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

import math
from dataclasses import dataclass
from typing import Any

import orjson

from detectors.summaries import KeySummary

__all__ = [
    "SummaryRecord",
    "decode_record",
    "encode_records",
]

# 2: the evidence summaries of detectors/summaries.py (frames, topics, prompts, families).
FORMAT_VERSION = 2
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


# Fields JSON cannot carry as they are: wide bitmaps as hex, tuples as lists, an
# unknown account age (inf) as null.
_HEX = {"topics", "ip_prefix_bits", "user_agent_bits"}
_TUPLES = {"frames", "probes", "prompts"}


def _fields(summary: KeySummary) -> list[Any]:
    values: list[Any] = []
    value: Any
    for name, value in zip(KeySummary._fields, summary, strict=True):
        if name in _HEX:
            value = format(value, "x")
        elif name in _TUPLES:
            value = list(value)
        elif type(value) is float and not math.isfinite(value):
            value = None
        values.append(value)
    return values


def _summary(values: list[Any]) -> KeySummary:
    if len(values) != len(KeySummary._fields):
        raise ValueError(f"a summary has {len(KeySummary._fields)} fields, not {len(values)}")
    out: list[Any] = []
    for name, value in zip(KeySummary._fields, values, strict=True):
        if name in _HEX:
            value = int(value, 16)
        elif name in _TUPLES:
            value = tuple(int(t) for t in value)
        elif name == "account_created" and value is None:
            value = math.inf
        out.append(value)
    return KeySummary(*out)


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
    >>> s = KeySummary("k", None, 5.0, 1.0, math.inf, 3.0, 2.0, (2**64 - 1,), (), 2**200,
    ...                (7, 9), 2**255, 9, 0xFF, 4.0, 1.0, 2.0, 0.0, 0.5, 0.5, 0.3, 0.4)
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
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a summaries record: {exc}") from exc
