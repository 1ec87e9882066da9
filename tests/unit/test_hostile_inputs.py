"""No record stops a worker or a replay: every decoder, and the engine, over hostile values.

Generated inputs mix valid events with the shapes that once crashed the
pipeline (an unknown field nested ~1,200 levels deep, ``temperature`` near
1e307, 309-digit token counts) and their relatives: huge and non-finite
numbers, control characters, far-future and far-past times, huge strings.
The property: decoders return an event or a rejection with a reason, the
engine takes every event it is given, features stay finite, and nothing
raises.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.engine.emitted import Scored
from detectors.events import REASON_CODES, Event, Rejection, decode_value, parse_line
from detectors.timestamps import MAX_TS, MIN_TS
from pipeline.hook.feedback import parse_record
from pipeline.hook.intake import AlertRejected, decode_alerts, from_alertmanager, parse_alert
from pipeline.wire.checkpoint import Checkpoint, Chunk, chunk_of, decode_chunks, encode_chunks
from pipeline.wire.forwarding import source_of
from pipeline.wire.summaries import decode_record

BASE = {"ts": 1_791_205_451.5, "api_key_id": "k1", "prompt_tokens": 10, "completion_tokens": 20}
FIELDS = (
    "ts", "api_key_id", "prompt_tokens", "completion_tokens", "request_id", "account_id",
    "model", "endpoint", "status", "latency_ms", "reasoning_tokens", "n", "temperature",
    "max_tokens", "client_ip", "user_agent", "system_prompt_hash", "prompt_text",
)  # fmt: skip

control = st.text(alphabet=st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u2028\ufeff"))
big_numbers = st.sampled_from(
    ["1" + "0" * 309, "9" * 400, "-" + "9" * 320, "1e307", "1.7e308", "1e400", "-1e400",
     "18446744073709551616", "9007199254740993", "0.0", "-0.0", "1e-320", "NaN", "Infinity"]
)  # fmt: skip
times = st.one_of(
    st.floats(MIN_TS - 1e6, MAX_TS + 1e6),
    st.sampled_from(
        ["2100-01-01T00:00:00Z", "2099-12-31T23:59:59.999Z", "1999-12-31T23:59:59Z",
         "2016-12-31T23:59:60Z", "2026-10-05T13:04:11+14:00", "9999-12-31T23:59:59Z",
         "0001-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-10-05T13:04:11"]
    ),
)  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40), control,
)  # fmt: skip


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


def as_json(value: dict[str, str]) -> bytes:
    """An object whose values are raw JSON texts (numbers orjson could not even write)."""
    return (
        "{" + ",".join(f"{orjson.dumps(k).decode()}:{v}" for k, v in value.items()) + "}"
    ).encode()


@st.composite
def hostile_lines(draw: st.DrawFn) -> bytes:
    fields = {k: orjson.dumps(v).decode() for k, v in BASE.items()}
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from((*FIELDS, "unknown")))
        kind = draw(st.integers(0, 6))
        if kind == 0:
            fields[name] = draw(big_numbers)
        elif kind == 1:
            fields[name] = nested(draw(st.sampled_from([10, 900, 1200, 5000])))
        elif kind == 2:
            fields[name] = "[" * 3000 + "]" * 3000
        elif kind == 3:
            fields[name] = orjson.dumps(draw(control)).decode()
        elif kind == 4:
            fields[name] = orjson.dumps(draw(times)).decode()
        elif kind == 5:
            size = draw(st.sampled_from([129, 10_000, 1_000_000]))
            fields[name] = orjson.dumps("x" * size).decode()
        else:
            fields[name] = json.dumps(draw(scalars))  # big ints, NaN and Infinity too
    return as_json(fields)


def check_item(item: Any) -> None:
    assert isinstance(item, Event | Rejection)
    if isinstance(item, Rejection):
        assert item.code in REASON_CODES, item
        assert "x" * 100 not in item.message  # never the offending value itself


@given(hostile_lines())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_decoders_never_raise(line: bytes) -> None:
    check_item(parse_line(line))
    for value in (line, b"[" + line + b"," + line + b"]", line + b"\n" + line, line[:-1]):
        for item in decode_value(value):
            check_item(item)


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_decoders_take_any_bytes(data: bytes) -> None:
    check_item(parse_line(data))
    for item in decode_value(data):
        check_item(item)


events = st.builds(
    Event,
    ts=st.floats(MIN_TS, MAX_TS - 1),
    api_key_id=st.sampled_from(["k1", "k2", "\x00\x1b[31m", "é" * 128]),
    prompt_tokens=st.integers(0, 2**53),
    completion_tokens=st.integers(0, 2**53),
    request_id=st.none() | st.text(max_size=20),
    account_id=st.none() | control,
    model=st.none() | st.text(max_size=10) | st.just("m" * 100_000),
    endpoint=st.none() | control,
    status=st.integers(100, 599),
    latency_ms=st.none() | st.floats(0, 1.7e308),
    reasoning_tokens=st.integers(0, 2**53),
    n=st.integers(1, 2**53),
    temperature=st.none() | st.floats(0, 100),
    max_tokens=st.none() | st.integers(1, 2**53),
    client_ip=st.none() | st.sampled_from(["203.0.113.7", "2001:db8::1", "::"]),
    user_agent=st.none() | control | st.just("u" * 100_000),
    system_prompt_hash=st.none() | control,
    prompt_text=st.none() | control | st.text(max_size=200) | st.just("word " * 20_000),
)


@given(st.lists(events, min_size=1, max_size=40), st.integers(0, 3))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_engine_takes_every_valid_event_and_features_stay_finite(
    batch: list[Event], spread: int
) -> None:
    engine = Engine(EngineConfig(population_warmup=2, key_warmup_seconds=0))
    scores: list[Scored] = []
    for i, event in enumerate(sorted(batch, key=lambda e: e.ts)):
        scores += engine.process(event).scores
        # windows close and keys get scored: every scoring path runs on these values
        later = event._replace(ts=min(event.ts + 3600.0 * (i + spread), MAX_TS - 1))
        scores += engine.process(later).scores
    for scored in scores:
        assert 0.0 <= scored.score <= 1.0
    for key in {e.api_key_id for e in batch}:
        state = engine.key_state(key)
        if state is not None:
            verdict = engine.evaluate(key, state.last_ts)
            assert verdict is not None and math.isfinite(verdict.total)
            assert all(math.isfinite(e.value) for e in verdict.families), verdict
            assert all(math.isfinite(v) for v in state.values), key


@given(st.binary(max_size=200) | hostile_lines())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_wire_decoders_raise_only_value_error(data: bytes) -> None:
    meta = encode_chunks(Checkpoint(0, 1, 0, b"x"), 1024)[0].meta
    for decode in (decode_record, lambda d: decode_chunks([Chunk(b"k", d, meta)])):
        with contextlib.suppress(ValueError):
            decode(data)
    with contextlib.suppress(ValueError):
        decode_chunks([Chunk(b"k", data, {"index": 0})])
    record = type("R", (), {"headers": [("dw-checkpoint", data), ("dw-source", data)]})()
    chunk_of(record)
    with contextlib.suppress(ValueError):  # the partition state dead-letters such a record
        source_of(record.headers)


@given(
    st.binary(max_size=200) | hostile_lines() | st.builds(lambda v: json.dumps(v).encode(), scalars)
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hook_decoders_reject_in_band(data: bytes) -> None:
    try:
        items = decode_alerts(data)
    except AlertRejected:
        return
    for item in items:
        with contextlib.suppress(AlertRejected):
            parse_alert(item)
        with contextlib.suppress(ValueError):
            parse_record(item)
        try:
            converted, _ = from_alertmanager({"version": "4", "alerts": [item]})
        except AlertRejected:
            continue
        for obj in converted:
            with contextlib.suppress(AlertRejected):
                parse_alert(obj)
