"""From per-key streams to what a log shipper delivers: merged, late, duplicated, malformed.

Per-key streams are merged lazily on event time (``heapq.merge``), then each
event gets an arrival time ``ts + delay`` with ``0 <= delay <= disorder`` and
waits in a small heap until the merge has passed its arrival. Output is sorted
by arrival, so an event is never more than ``disorder`` seconds of event time
behind an event delivered before it. Memory holds one pending event per key plus
the events of the last ``disorder`` seconds.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from math import log
from typing import Any

import orjson

from pipeline.simulate.config import SimulationConfig
from pipeline.simulate.roster import KeySpec, open_stream

__all__ = ["MALFORMED", "TsFormatter", "deliver", "encode_event"]

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

    def __init__(self) -> None:
        self._minute = -1
        self._prefix = ""

    def __call__(self, t: float) -> str:
        millis = int(t * 1000.0 + 0.5)
        seconds, ms = divmod(millis, 1000)
        minute, second = divmod(seconds, 60)
        if minute != self._minute:
            self._minute = minute
            self._prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        return f"{self._prefix}{second:02d}.{ms:03d}Z"


def _malform(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    bad = dict(event)
    kind = rng.choice(_MALFORMATIONS)
    bad[MALFORMED] = kind
    if kind == "missing_field":
        del bad[rng.choice(("ts", "api_key_id", "prompt_tokens", "completion_tokens"))]
    elif kind == "wrong_type":
        field = rng.choice(("prompt_tokens", "completion_tokens", "status", "n"))
        bad[field] = str(bad[field])
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
    b'{"ts":1.0,"a'
    """
    kind = event.get(MALFORMED)
    if kind is None:
        return orjson.dumps(event)
    data = orjson.dumps({k: v for k, v in event.items() if k != MALFORMED})
    return data[: len(data) // 2] if kind == "invalid_json" else data


def deliver(config: SimulationConfig, roster: list[KeySpec]) -> Iterator[dict[str, Any]]:
    """Events of all keys in arrival order, with disorder, duplicates and malformed records.

    Separate generators for delays, duplicates, malformation and ts format keep
    each knob from shifting the others: raising ``malformed_rate`` changes only
    the malformed lines.
    """
    streams = [open_stream(spec, config, i) for i, spec in enumerate(roster)]
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
    pending: list[tuple[float, int, dict[str, Any]]] = []
    push, pop = heapq.heappush, heapq.heappop
    seq = 0
    for t, _uid, event in heapq.merge(*streams):
        while pending and pending[0][0] <= t:
            yield pop(pending)[2]
        event["ts"] = fmt(t) if fmt_r() >= epoch_share else round(t, 3)
        if not prompts:
            del event["prompt_text"]
        if bad_r() < bad_rate:
            event = _malform(event, bad_rng)
        arrival = t
        if disorder > 0.0:
            if delay_r() < 0.97:  # shipper latency: mostly well under a second
                arrival += min(disorder, -0.25 * log(1.0 - delay_r()))
            else:  # a batch held back by a slow shipper
                arrival += disorder * delay_r()
        seq += 1
        push(pending, (arrival, seq, event))
        if dup_r() < dup_rate:  # at-least-once redelivery of the same record
            seq += 1
            again = min(t + disorder, arrival + 0.05 + 5.0 * dup_r())
            push(pending, (again, seq, dict(event)))
    while pending:
        yield pop(pending)[2]
