"""Parser: every valid event parses, every bad one is rejected with a reason, nothing crashes."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.events import REASON_CODES, Event, Rejection, decode_value, parse_event, parse_line

VALID = {
    "ts": "2026-10-05T13:04:11.250Z",
    "api_key_id": "key-1",
    "prompt_tokens": 10,
    "completion_tokens": 200,
}


def test_full_event_round_trip() -> None:
    obj = dict(
        VALID,
        request_id="r1",
        account_id="acct",
        model="m",
        endpoint="/v1/chat/completions",
        status=429,
        latency_ms=12.5,
        reasoning_tokens=7,
        n=3,
        temperature=0.7,
        max_tokens=1024,
        client_ip="2001:db8::1",
        user_agent="ua",
        system_prompt_hash="abc",
        prompt_text="hello",
        extra_field={"ignored": True},
    )
    event = parse_event(obj)
    assert event.status == 429 and event.n == 3 and event.client_ip == "2001:db8::1"
    assert event.prompt_text == "hello"
    assert "hello" not in repr(event)  # prompt text never printed by accident


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"ts": None}, "wrong_type"),
        ({"ts": "2026-10-05"}, "invalid_timestamp"),
        ({"ts": "2026-10-05T13:04:11"}, "invalid_timestamp"),  # no offset
        ({"ts": 1e12}, "out_of_range"),
        ({"api_key_id": ""}, "out_of_range"),
        ({"api_key_id": "k" * 129}, "out_of_range"),
        ({"api_key_id": 5}, "wrong_type"),
        ({"prompt_tokens": True}, "wrong_type"),  # bool is not an integer here
        ({"prompt_tokens": 1.5}, "wrong_type"),
        ({"completion_tokens": -1}, "out_of_range"),
        ({"status": 99}, "out_of_range"),
        ({"n": 0}, "out_of_range"),
        ({"temperature": -0.1}, "out_of_range"),
        ({"client_ip": "999.1.1.1"}, "out_of_range"),
        ({"client_ip": "not an ip"}, "out_of_range"),
        ({"prompt_text": 12}, "wrong_type"),
    ],
)
def test_rejections_carry_reason(patch: dict, code: str) -> None:
    item = parse_line(orjson.dumps(dict(VALID, **patch)))
    assert isinstance(item, Rejection)
    assert item.code == code
    assert item.message


@pytest.mark.parametrize("field", ["ts", "api_key_id", "prompt_tokens", "completion_tokens"])
def test_missing_required_field(field: str) -> None:
    obj = dict(VALID)
    del obj[field]
    item = parse_line(orjson.dumps(obj))
    assert isinstance(item, Rejection) and item.code == "missing_field" and field in item.message


def test_rejection_message_never_echoes_prompt_text() -> None:
    secret = "my secret prompt about chemistry"
    item = parse_line(orjson.dumps(dict(VALID, prompt_tokens="x", prompt_text=secret)))
    assert isinstance(item, Rejection) and secret not in item.message


def test_epoch_and_rfc3339_agree() -> None:
    a = parse_event(dict(VALID, ts="2026-10-05T15:04:11.250+02:00"))
    b = parse_event(dict(VALID, ts=1791205451.25))
    assert a.ts == b.ts


def test_batches_validate_each_item() -> None:
    good = orjson.dumps(VALID)
    items = decode_value(b"[" + good + b", 5, " + good + b"]")
    assert [type(i).__name__ for i in items] == ["Event", "Rejection", "Event"]
    rejection = items[1]
    assert isinstance(rejection, Rejection)
    assert rejection.index == 1
    nd = decode_value(good + b"\n" + b"garbage" + b"\n" + good)
    assert [type(i).__name__ for i in nd] == ["Event", "Rejection", "Event"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for item in decode_value(data):
        assert isinstance(item, Event | Rejection)
        if isinstance(item, Rejection):
            assert item.code in REASON_CODES and item.message


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "ts": st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none()),
            "api_key_id": st.one_of(st.text(max_size=140), st.integers()),
            "prompt_tokens": json_values,
            "completion_tokens": st.integers(min_value=-5, max_value=10**7),
            "status": st.integers(min_value=0, max_value=1000),
            "n": json_values,
            "client_ip": st.one_of(st.ip_addresses().map(str), st.text(max_size=20)),
            "temperature": json_values,
        },
    )
)
def test_arbitrary_objects_are_events_or_reasoned_rejections(obj: dict) -> None:
    item = parse_line(json.dumps(obj))  # stdlib: encodes ints beyond 64 bits too
    if isinstance(item, Rejection):
        assert item.code in REASON_CODES and item.message
    else:
        assert 1 <= len(item.api_key_id) <= 128
        assert item.prompt_tokens >= 0 and item.completion_tokens >= 0
        assert 100 <= item.status <= 599


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "ts": st.one_of(
                st.sampled_from(["2026-10-05T13:04:11.250Z", "2026-10-05T13:04:11+02:00", "x"]),
                st.integers(min_value=0, max_value=2**40),
                st.floats(),
            ),
            "api_key_id": st.one_of(st.text(max_size=140), st.integers()),
            "prompt_tokens": st.integers(min_value=-3, max_value=2**40),
            "completion_tokens": st.integers(min_value=-3, max_value=2**40),
        },
        optional={
            "status": st.one_of(st.integers(min_value=0, max_value=1000), st.none(), st.text()),
            "n": json_values,
            "reasoning_tokens": json_values,
            "max_tokens": json_values,
            "client_ip": st.one_of(st.ip_addresses().map(str), st.text(max_size=20), st.none()),
            "temperature": json_values,
            "latency_ms": json_values,
            "model": json_values,
            "prompt_text": json_values,
            "extra": json_values,
        },
    )
)
def test_compiled_fast_path_agrees_with_field_by_field_checks(obj: dict) -> None:
    from detectors.events import _parse_line_checked

    line = json.dumps(obj).encode()
    fast, slow = parse_line(line, 3), _parse_line_checked(line, 3)
    assert type(fast) is type(slow)
    if isinstance(fast, Rejection):
        assert fast == slow  # code, message, index and the key hint
    else:
        assert tuple(fast) == tuple(slow)
