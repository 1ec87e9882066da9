"""API request events (EVENTS.md v1): decode, validate, and reject with a reason.

Nothing here logs or echoes ``prompt_text``: rejection messages name the field
and the expected type, never the offending value of a text field.

No input raises: :func:`parse_line` and :func:`decode_value` turn anything
wrong with an item (bad JSON, nesting deeper than the decoders go, numbers
out of range, any unexpected error) into a :class:`Rejection` with its
reason, and the drivers dead-letter it. Numbers are bounded at decode so
features stay finite downstream: token counts, ``n`` and ``max_tokens`` above
``MAX_COUNT`` (2**53, where floats stop counting exactly) and ``temperature``
above ``MAX_TEMPERATURE`` are rejected as ``out_of_range``.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

import msgspec
import orjson

from detectors.event_types import MAX_COUNT, MAX_TEMPERATURE, REASON_CODES, Event, Rejection
from detectors.native import NATIVE
from detectors.timestamps import EventRejected, format_ts, parse_ts, type_name

__all__ = [
    "MAX_COUNT",
    "MAX_TEMPERATURE",
    "REASON_CODES",
    "Event",
    "EventRejected",
    "Rejection",
    "decode_value",
    "format_ts",
    "parse_event",
    "parse_line",
]


_NESTED = "nested deeper than the decoder's limit"


def _req_int(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if type(value) is not int:
        if value is None and name not in obj:
            raise EventRejected("missing_field", f"{name} is required")
        raise EventRejected("wrong_type", f"{name} must be an integer, got {type_name(value)}")
    if value < 0:
        raise EventRejected("out_of_range", f"{name} must be >= 0")
    if value > MAX_COUNT:
        raise EventRejected("out_of_range", f"{name} must be <= 2**53")
    return value


def _opt_int(obj: dict[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if type(value) is not int:
        raise EventRejected("wrong_type", f"{name} must be an integer, got {type_name(value)}")
    if value < low or value > (MAX_COUNT if high is None else high):
        bound = f">= {low}" if value < low else "<= 2**53"
        raise EventRejected(
            "out_of_range", f"{name} must be {bound if high is None else f'in [{low}, {high}]'}"
        )
    return value


def _opt_number(obj: dict[str, Any], name: str, high: float = math.inf) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    kind = type(value)
    if kind is not int and kind is not float:
        raise EventRejected("wrong_type", f"{name} must be a number, got {type_name(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not 0 <= number <= high or number == math.inf:  # also rejects NaN
        bound = "a finite number >= 0" if high == math.inf else f"in [0, {high:g}]"
        raise EventRejected("out_of_range", f"{name} must be {bound}")
    return number


def _opt_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None or type(value) is str:
        return value
    raise EventRejected("wrong_type", f"{name} must be a string, got {type_name(value)}")


_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
)


@lru_cache(maxsize=65536)
def _is_ip(text: str) -> bool:
    # Memoised: a gateway sees the same caller addresses over and over, and a full
    # ipaddress parse costs ~2 µs.
    if _IPV4.fullmatch(text):
        return True
    if ":" in text:
        try:
            ipaddress.IPv6Address(text)
            return True
        except ValueError:
            return False
    return False


_STR_FIELDS = (
    "request_id",
    "account_id",
    "model",
    "endpoint",
    "client_ip",
    "user_agent",
    "system_prompt_hash",
    "prompt_text",
)


def _parse_optional(
    obj: dict[str, Any], ts: float, key: str, prompt_tokens: int, completion_tokens: int
) -> Event:
    g = obj.get
    request_id = g("request_id")
    account_id = g("account_id")
    model = g("model")
    endpoint = g("endpoint")
    client_ip = g("client_ip")
    user_agent = g("user_agent")
    system_prompt_hash = g("system_prompt_hash")
    prompt_text = g("prompt_text")
    # One combined test on the common path; the per-field checks below only run
    # to name the offending field.
    if not (
        (request_id is None or type(request_id) is str)
        and (account_id is None or type(account_id) is str)
        and (model is None or type(model) is str)
        and (endpoint is None or type(endpoint) is str)
        and (client_ip is None or type(client_ip) is str)
        and (user_agent is None or type(user_agent) is str)
        and (system_prompt_hash is None or type(system_prompt_hash) is str)
        and (prompt_text is None or type(prompt_text) is str)
    ):
        for name in _STR_FIELDS:
            _opt_str(obj, name)
    if client_ip is not None and not _is_ip(client_ip):
        raise EventRejected("out_of_range", "client_ip must be an IPv4 or IPv6 address")
    status = g("status")
    if status is None:
        status = 200
    elif type(status) is not int or not 100 <= status <= 599:
        _opt_int(obj, "status", 100, 599)
    reasoning = g("reasoning_tokens")
    if reasoning is None:
        reasoning = 0
    elif type(reasoning) is not int or not 0 <= reasoning <= MAX_COUNT:
        _opt_int(obj, "reasoning_tokens", 0)
    n = g("n")
    if n is None:
        n = 1
    elif type(n) is not int or not 1 <= n <= MAX_COUNT:
        _opt_int(obj, "n", 1)
    max_tokens = g("max_tokens")
    if max_tokens is not None and (type(max_tokens) is not int or not 1 <= max_tokens <= MAX_COUNT):
        _opt_int(obj, "max_tokens", 1)
    latency = g("latency_ms")
    if latency is not None:
        latency = _opt_number(obj, "latency_ms")
    temperature = g("temperature")
    if temperature is not None:
        temperature = _opt_number(obj, "temperature", MAX_TEMPERATURE)
    created = g("account_created_at")
    return Event(
        ts,
        key,
        prompt_tokens,
        completion_tokens,
        request_id,
        account_id,
        model,
        endpoint,
        status,
        latency,
        reasoning,
        n,
        temperature,
        max_tokens,
        client_ip,
        user_agent,
        system_prompt_hash,
        prompt_text,
        None if created is None else _account_created(created),
    )


def _account_created(value: object) -> float | None:
    """``account_created_at`` as epoch seconds; None when unreadable (never a rejection:
    the field is an extension, and a bad one must not cost the event)."""
    try:
        return parse_ts(value)
    except (EventRejected, ValueError, TypeError, OverflowError):
        return None


def parse_event(obj: object) -> Event:
    """Validate one decoded JSON value and build an :class:`Event`.

    Unknown fields are ignored; a JSON ``null`` in an optional field counts as absent.

    Examples
    --------
    >>> e = parse_event({"ts": "2026-10-05T13:04:11.250Z", "api_key_id": "k1",
    ...                  "prompt_tokens": 12, "completion_tokens": 400, "n": 2})
    >>> e.ts, e.api_key_id, e.n, e.status
    (1791205451.25, 'k1', 2, 200)
    >>> parse_event({"ts": 1791205451, "api_key_id": "k1", "prompt_tokens": -1,
    ...              "completion_tokens": 0})
    Traceback (most recent call last):
    ...
    detectors.timestamps.EventRejected: prompt_tokens must be >= 0
    """
    if type(obj) is not dict:
        raise EventRejected("not_an_object", f"event must be a JSON object, got {type_name(obj)}")
    if "ts" not in obj:
        raise EventRejected("missing_field", "ts is required")
    ts = parse_ts(obj["ts"])
    key = obj.get("api_key_id")
    if type(key) is not str:
        if key is None and "api_key_id" not in obj:
            raise EventRejected("missing_field", "api_key_id is required")
        raise EventRejected("wrong_type", f"api_key_id must be a string, got {type_name(key)}")
    if not 1 <= len(key) <= 128:
        raise EventRejected("out_of_range", "api_key_id must be 1-128 characters")
    prompt_tokens = _req_int(obj, "prompt_tokens")
    completion_tokens = _req_int(obj, "completion_tokens")
    if len(obj) == 4:  # metadata-minimal event: skip the optional-field checks
        return Event(ts, key, prompt_tokens, completion_tokens)
    return _parse_optional(obj, ts, key, prompt_tokens, completion_tokens)


# -- compiled fast path -------------------------------------------------------------------
# msgspec checks types and bounds of a well-formed event in C while decoding; anything it
# refuses goes down the slow path above, which names the exact reason. The two paths
# agree on what is valid (tests/unit/test_events.py checks them against each other).


class _Wire(msgspec.Struct, gc=False):
    ts: str | float
    api_key_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    prompt_tokens: Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
    completion_tokens: Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
    request_id: str | None = None
    account_id: str | None = None
    model: str | None = None
    endpoint: str | None = None
    status: Annotated[int, msgspec.Meta(ge=100, le=599)] | None = None
    latency_ms: Annotated[float, msgspec.Meta(ge=0)] | None = None
    reasoning_tokens: Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)] | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=MAX_COUNT)] | None = None
    temperature: Annotated[float, msgspec.Meta(ge=0, le=MAX_TEMPERATURE)] | None = None
    max_tokens: Annotated[int, msgspec.Meta(ge=1, le=MAX_COUNT)] | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    system_prompt_hash: str | None = None
    prompt_text: str | None = None
    account_created_at: str | float | None = None


_WIRE = msgspec.json.Decoder(_Wire)
_WIRE_BATCH = msgspec.json.Decoder(list[_Wire])
_RAW_BATCH = msgspec.json.Decoder(list[msgspec.Raw])
_WIRE_ERRORS = (msgspec.ValidationError, msgspec.DecodeError)
_new_event = tuple.__new__


def _no_fast_path(ts: object, client_ip: str | None) -> float | None:
    return None


#: Event time when ``ts`` and ``client_ip`` are certainly valid, else None: compiled
#: (``native/src/wire.rs``) where available, ~0.2 µs against ~1.8 µs of the checks below.
_checked_ts: Callable[[object, str | None], float | None] = (
    NATIVE.checked_ts if NATIVE is not None else _no_fast_path
)


def _from_wire(w: _Wire) -> Event:
    client_ip = w.client_ip
    ts = _checked_ts(w.ts, client_ip)
    if ts is None:
        ts = parse_ts(w.ts)  # first, as on the slow path: both name the same first fault
        if client_ip is not None and not _is_ip(client_ip):
            raise EventRejected("out_of_range", "client_ip must be an IPv4 or IPv6 address")
    status = w.status
    reasoning = w.reasoning_tokens
    n = w.n
    return _new_event(
        Event,
        (
            ts,
            w.api_key_id,
            w.prompt_tokens,
            w.completion_tokens,
            w.request_id,
            w.account_id,
            w.model,
            w.endpoint,
            200 if status is None else status,
            w.latency_ms,
            0 if reasoning is None else reasoning,
            1 if n is None else n,
            w.temperature,
            w.max_tokens,
            client_ip,
            w.user_agent,
            w.system_prompt_hash,
            w.prompt_text,
            None if w.account_created_at is None else _account_created(w.account_created_at),
        ),
    )


def _wire_item(w: _Wire, index: int) -> Event | Rejection:
    try:
        return _from_wire(w)
    except EventRejected as exc:
        return Rejection(exc.code, exc.message, index, w.api_key_id)
    except Exception as exc:
        return Rejection("undecodable", type(exc).__name__, index, w.api_key_id)


def _key_hint(obj: object) -> str | None:
    if type(obj) is dict:
        key = obj.get("api_key_id")
        if type(key) is str and 1 <= len(key) <= 128:
            return key
    return None


def _parse_obj(obj: object, index: int) -> Event | Rejection:
    try:
        return parse_event(obj)
    except EventRejected as exc:
        return Rejection(exc.code, exc.message, index, _key_hint(obj))
    except Exception as exc:  # a check that itself failed: still one rejected item
        return Rejection("undecodable", type(exc).__name__, index, _key_hint(obj))


def parse_line(line: bytes | str, index: int = 0) -> Event | Rejection:
    """Decode and validate one JSON text (one line of a replay file).

    Examples
    --------
    >>> parse_line(b'{"ts": 1.0').code
    'invalid_json'
    """
    try:
        wire = _WIRE.decode(line)
    except _WIRE_ERRORS:
        return _parse_line_checked(line, index)
    except RecursionError:  # an unknown field nested ~1,000 levels deep
        return Rejection("invalid_json", _NESTED, index)
    try:  # _wire_item, inlined: one call less per replayed line
        return _from_wire(wire)
    except EventRejected as exc:
        return Rejection(exc.code, exc.message, index, wire.api_key_id)
    except Exception as exc:
        return Rejection("undecodable", type(exc).__name__, index, wire.api_key_id)


def _parse_line_checked(line: bytes | str, index: int) -> Event | Rejection:
    # The slow path: decode to plain objects and check field by field for the reason.
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if "infinity" in str(exc):  # valid JSON, but a number no float can hold
            return Rejection("out_of_range", "a number is beyond float range", index)
        code = "empty" if not line.strip() else "invalid_json"
        return Rejection(code, "not valid JSON" if code == "invalid_json" else "empty line", index)
    except RecursionError:
        return Rejection("invalid_json", _NESTED, index)
    return _parse_obj(obj, index)


def decode_value(data: bytes) -> list[Event | Rejection]:
    """Decode a Kafka record value: one event, a JSON array of events, or NDJSON lines.

    Each item is validated on its own; ``Rejection.index`` is its position.

    Examples
    --------
    >>> event = b'{"ts": 1791205451, "api_key_id": "a", "prompt_tokens": 1, "completion_tokens": 2}'
    >>> batch = b'[' + event + b', {"ts": "yesterday"}]'
    >>> [type(item).__name__ for item in decode_value(batch)]
    ['Event', 'Rejection']
    >>> decode_value(event + b'\\n{oops}')[1].code
    'invalid_json'
    """
    try:
        return _decode_value(data)
    except RecursionError:
        return [Rejection("invalid_json", _NESTED, 0)]
    except Exception as exc:  # the backstop: one record, one rejection, never a crash
        return [Rejection("undecodable", type(exc).__name__, 0)]


def _decode_value(data: bytes) -> list[Event | Rejection]:
    stripped = data.strip()
    if not stripped:
        return [Rejection("empty", "empty record value", 0)]
    if stripped[:1] == b"[":
        try:
            wires = _WIRE_BATCH.decode(stripped)
        except _WIRE_ERRORS:
            return _decode_array_checked(stripped)
        if not wires:
            return [Rejection("empty", "empty JSON array", 0)]
        return [_wire_item(w, i) for i, w in enumerate(wires)]
    if b"\n" in stripped:
        return [parse_line(line, i) for i, line in enumerate(stripped.split(b"\n"))]
    return [parse_line(stripped, 0)]


def _decode_array_checked(data: bytes) -> list[Event | Rejection]:
    # Some item failed the compiled check: split the array and take each item on its own.
    try:
        raws = _RAW_BATCH.decode(data)
    except _WIRE_ERRORS:
        return [Rejection("invalid_json", "record value is not valid JSON", 0)]
    if not raws:
        return [Rejection("empty", "empty JSON array", 0)]
    return [parse_line(bytes(raw), i) for i, raw in enumerate(raws)]
