"""From per-key streams to what a log shipper delivers: merged, late, duplicated, malformed.

Per-key streams are merged lazily on event time, ten seconds of event time at a
time (:func:`merge_windows`); each event gets an arrival time ``ts + delay``
with ``0 <= delay <= disorder`` and is held until the merge has passed its
arrival. Output is sorted by arrival, so an event is never more than
``disorder`` seconds of event time behind an event delivered before it. Memory
holds one pending event per key plus about a window and ``disorder`` seconds of
events.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, datetime
from math import log
from typing import Any

import orjson

from pipeline.simulate.config import SimulationConfig
from pipeline.simulate.emit import Item
from pipeline.simulate.infra import make_pools
from pipeline.simulate.roster import KeySpec, open_stream

__all__ = ["MALFORMED", "TsFormatter", "deliver", "encode_event", "merge_windows"]

#: Marker key on a malformed event: the kind of damage. :func:`encode_event` strips it.
MALFORMED = "_malformed"

_MALFORMATIONS = (
    "missing_field",
    "wrong_type",
    "out_of_range",
    "invalid_timestamp",
    "invalid_json",
)


class TsFormatter:
    """RFC 3339 UTC with milliseconds, caching the date-hour-minute prefix.

    Examples
    --------
    >>> fmt = TsFormatter()
    >>> fmt(1791205451.25)
    '2026-10-05T13:04:11.250Z'
    >>> fmt(1791205451.9996)
    '2026-10-05T13:04:12.000Z'
    """

    __slots__ = ("_minute", "_prefix")

    _SECONDS = tuple(f"{second:02d}." for second in range(60))
    _MILLIS = tuple(f"{ms:03d}Z" for ms in range(1000))

    def __init__(self) -> None:
        self._minute = -1
        self._prefix = ""

    def __call__(self, t: float) -> str:
        seconds, ms = divmod(int(t * 1000.0 + 0.5), 1000)
        minute, second = divmod(seconds, 60)
        if minute != self._minute:
            self._minute = minute
            self._prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        return self._prefix + self._SECONDS[second] + self._MILLIS[ms]


def _malform(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    bad = dict(event)
    kind = rng.choice(_MALFORMATIONS)
    bad[MALFORMED] = kind
    if kind == "missing_field":
        del bad[rng.choice(("ts", "api_key_id", "prompt_tokens", "completion_tokens"))]
    elif kind == "wrong_type":
        field = rng.choice(("prompt_tokens", "completion_tokens", "status", "n"))
        bad[field] = str(bad.get(field, 1))  # a key may not log ``n``: the string is wrong anyway
    elif kind == "out_of_range":
        field, value = rng.choice(
            (("completion_tokens", -1), ("status", 700), ("n", 0), ("client_ip", "999.1.1.1"))
        )
        bad[field] = value
    elif kind == "invalid_timestamp":
        bad["ts"] = rng.choice(("yesterday", "2026-10-05 25:61:00", "2026-13-45T00:00:00Z"))
    return bad


def encode_event(event: dict[str, Any]) -> bytes:
    """One event as a JSON line body (no newline); malformed events come out malformed.

    Use this (not ``orjson.dumps``) for events from :func:`deliver`: an
    ``invalid_json`` event is only broken at encoding time.

    >>> encode_event({"ts": 1.0, "api_key_id": "k", MALFORMED: "invalid_json"})
    b'{"ts":1.0,"ap'
    """
    kind = event.get(MALFORMED)
    if kind is None:
        return orjson.dumps(event)
    data = orjson.dumps({k: v for k, v in event.items() if k != MALFORMED})
    return data[: len(data) // 2] if kind == "invalid_json" else data


def merge_windows(
    streams: list[Iterator[Item]], start: float, window: float
) -> Iterator[tuple[float, list[Item]]]:
    """Merge per-key streams on event time, one ``window`` of event time at a time.

    Yields ``(edge, items)``: every item with time before ``edge`` not yet yielded, sorted.
    Pulling a window per stream and sorting it in C is about three times cheaper than a
    per-event ``heapq.merge``; only streams with an event in the window are touched.
    """
    iterators: list[Iterator[Item]] = []
    pending: list[Item] = []
    heads: list[tuple[float, int]] = []
    for stream in streams:
        first = next(stream, None)
        if first is not None:
            heads.append((first[0], len(iterators)))
            iterators.append(stream)
            pending.append(first)
    heapq.heapify(heads)
    edge = start + window
    while heads:
        if heads[0][0] >= edge:  # skip empty windows in one step
            edge += window * ((heads[0][0] - edge) // window + 1)
        batch: list[Item] = []
        append = batch.append
        while heads and heads[0][0] < edge:
            index = heapq.heappop(heads)[1]
            stream = iterators[index]
            item: Item | None = pending[index]
            while item is not None and item[0] < edge:
                append(item)
                item = next(stream, None)
            if item is not None:
                pending[index] = item
                heapq.heappush(heads, (item[0], index))
        batch.sort()
        yield edge, batch
        edge += window


def deliver(
    config: SimulationConfig, roster: list[KeySpec], window: float = 10.0
) -> Iterator[dict[str, Any]]:
    """Events of all keys in arrival order, with disorder, duplicates and malformed records.

    Separate generators for delays, duplicates, malformation and ts format keep
    each knob from shifting the others: raising ``malformed_rate`` changes only
    the malformed lines.
    """
    pools = make_pools(config.seed)
    streams = [open_stream(spec, config, pools) for spec in roster]
    seed = config.seed
    delay_r = random.Random(f"{seed}/delay").random
    dup_r = random.Random(f"{seed}/duplicate").random
    fmt_r = random.Random(f"{seed}/tsformat").random
    bad_rng = random.Random(f"{seed}/malformed")
    bad_r = bad_rng.random
    disorder, dup_rate, bad_rate = (
        config.disorder_seconds,
        config.duplicate_rate,
        config.malformed_rate,
    )
    epoch_share, prompts = config.epoch_share, config.prompts
    fmt = TsFormatter()
    carry: list[tuple[float, int, dict[str, Any]]] = []
    seq = 0
    for edge, batch in merge_windows(streams, config.start, window):
        out = carry
        append = out.append
        for t, _uid, event in batch:
            event["ts"] = fmt(t) if fmt_r() >= epoch_share else round(t, 3)
            if not prompts:
                event.pop("prompt_text", None)
            if bad_rate and bad_r() < bad_rate:
                event = _malform(event, bad_rng)
            arrival = t
            if disorder:
                u = delay_r()
                if u < 0.97:  # shipper latency: mostly well under a second (u/0.97 is uniform)
                    arrival += min(disorder, -0.25 * log(1.0 - u / 0.97))
                else:  # a batch held back by a slow shipper
                    arrival += disorder * (u - 0.97) / 0.03
            seq += 1
            append((arrival, seq, event))
            if dup_rate and dup_r() < dup_rate:  # at-least-once redelivery of the same record
                seq += 1
                append((min(t + disorder, arrival + 0.05 + 5.0 * dup_r()), seq, dict(event)))
        out.sort()
        # Everything arriving before the edge is final: later events have ts >= edge.
        cut = bisect_left(out, edge, key=_arrival)
        for i in range(cut):
            yield out[i][2]
        carry = out[cut:]
    for item in carry:
        yield item[2]


def _arrival(item: tuple[float, int, dict[str, Any]]) -> float:
    return item[0]
