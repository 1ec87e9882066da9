"""API request events (EVENTS.md v1): decode, validate, and reject with a reason.

Nothing here logs or echoes ``prompt_text``: rejection messages name the field
and the expected type, never the offending value of a text field.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, NamedTuple

import orjson

__all__ = [
    "Event",
    "EventRejected",
    "Rejection",
    "decode_value",
    "format_ts",
    "parse_event",
    "parse_line",
]

# Event time outside this range is a producer bug, not a real request.
MIN_TS = 946_684_800.0  # 2000-01-01
MAX_TS = 4_102_444_800.0  # 2100-01-01


class Event(NamedTuple):
    """One validated API request. Immutable; ``prompt_text`` stays in memory only.

    A NamedTuple rather than a frozen dataclass: it is built once per event on
    the hot path, and tuple construction is several times cheaper.
    """

    ts: float
    api_key_id: str
    prompt_tokens: int
    completion_tokens: int
    request_id: str | None = None
    account_id: str | None = None
    model: str | None = None
    endpoint: str | None = None
    status: int = 200
    latency_ms: float | None = None
    reasoning_tokens: int = 0
    n: int = 1
    temperature: float | None = None
    max_tokens: int | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    system_prompt_hash: str | None = None
    prompt_text: str | None = None

    def __repr__(self) -> str:  # never print prompt text by accident
        return (
            f"Event(ts={self.ts!r}, api_key_id={self.api_key_id!r}, request_id={self.request_id!r})"
        )


class EventRejected(ValueError):
    """Raised by :func:`parse_event`; ``code`` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Rejection(NamedTuple):
    """A rejected input item: reason code, human message, position in its batch."""

    code: str
    message: str
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index on purpose: the contract name
    api_key_id: str | None = None


REASON_CODES = (
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "out_of_range",
    "invalid_timestamp",
    "empty",
)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _parse_ts(value: object) -> float:
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if len(text) < 20 or text[10] not in "Tt ":
            raise EventRejected("invalid_timestamp", "ts must be an RFC 3339 date-time with offset")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise EventRejected(
                "invalid_timestamp", "ts must be an RFC 3339 date-time with offset"
            ) from None
        if parsed.tzinfo is None:
            raise EventRejected("invalid_timestamp", "ts has no UTC offset (RFC 3339 needs one)")
        ts = parsed.timestamp()
    elif kind is int or kind is float:
        ts = float(value)  # type: ignore[arg-type]
        if not math.isfinite(ts):
            raise EventRejected("invalid_timestamp", "ts must be finite")
    else:
        raise EventRejected(
            "wrong_type", f"ts must be an RFC 3339 string or epoch seconds, got {_type_name(value)}"
        )
    if not MIN_TS <= ts < MAX_TS:
        raise EventRejected("out_of_range", "ts must lie between 2000-01-01 and 2100-01-01")
    return ts


def _req_int(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if type(value) is not int:
        if value is None and name not in obj:
            raise EventRejected("missing_field", f"{name} is required")
        raise EventRejected("wrong_type", f"{name} must be an integer, got {_type_name(value)}")
    if value < 0:
        raise EventRejected("out_of_range", f"{name} must be >= 0")
    return value


def _opt_int(obj: dict[str, Any], name: str, low: int, high: int | None = None) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if type(value) is not int:
        raise EventRejected("wrong_type", f"{name} must be an integer, got {_type_name(value)}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise EventRejected("out_of_range", f"{name} must be {bound}")
    return value


def _opt_number(obj: dict[str, Any], name: str) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    kind = type(value)
    if kind is not int and kind is not float:
        raise EventRejected("wrong_type", f"{name} must be a number, got {_type_name(value)}")
    number = float(value)
    if not number >= 0 or number == math.inf:  # also rejects NaN
        raise EventRejected("out_of_range", f"{name} must be a finite number >= 0")
    return number


def _opt_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None or type(value) is str:
        return value
    raise EventRejected("wrong_type", f"{name} must be a string, got {_type_name(value)}")


def _check_ip(text: str) -> None:
    # A cheap structural check: a full ipaddress parse costs ~2 µs per event.
    if "." in text and ":" not in text:
        parts = text.split(".")
        if len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
            return
    elif ":" in text:
        import ipaddress

        try:
            ipaddress.IPv6Address(text)
            return
        except ValueError:
            pass
    raise EventRejected("out_of_range", "client_ip must be an IPv4 or IPv6 address")


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
    detectors.events.EventRejected: prompt_tokens must be >= 0
    """
    if type(obj) is not dict:
        raise EventRejected("not_an_object", f"event must be a JSON object, got {_type_name(obj)}")
    if "ts" not in obj:
        raise EventRejected("missing_field", "ts is required")
    ts = _parse_ts(obj["ts"])
    key = obj.get("api_key_id")
    if type(key) is not str:
        if key is None and "api_key_id" not in obj:
            raise EventRejected("missing_field", "api_key_id is required")
        raise EventRejected("wrong_type", f"api_key_id must be a string, got {_type_name(key)}")
    if not 1 <= len(key) <= 128:
        raise EventRejected("out_of_range", "api_key_id must be 1-128 characters")
    prompt_tokens = _req_int(obj, "prompt_tokens")
    completion_tokens = _req_int(obj, "completion_tokens")
    if len(obj) == 4:  # metadata-minimal event: skip the optional-field checks
        return Event(ts, key, prompt_tokens, completion_tokens)
    status = _opt_int(obj, "status", 100, 599)
    reasoning = _opt_int(obj, "reasoning_tokens", 0)
    n = _opt_int(obj, "n", 1)
    client_ip = _opt_str(obj, "client_ip")
    if client_ip is not None:
        _check_ip(client_ip)
    return Event(
        ts,
        key,
        prompt_tokens,
        completion_tokens,
        _opt_str(obj, "request_id"),
        _opt_str(obj, "account_id"),
        _opt_str(obj, "model"),
        _opt_str(obj, "endpoint"),
        200 if status is None else status,
        _opt_number(obj, "latency_ms"),
        0 if reasoning is None else reasoning,
        1 if n is None else n,
        _opt_number(obj, "temperature"),
        _opt_int(obj, "max_tokens", 1),
        client_ip,
        _opt_str(obj, "user_agent"),
        _opt_str(obj, "system_prompt_hash"),
        _opt_str(obj, "prompt_text"),
    )


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


def parse_line(line: bytes | str, index: int = 0) -> Event | Rejection:
    """Decode and validate one JSON text (one line of a replay file).

    Examples
    --------
    >>> parse_line(b'{"ts": 1.0').code
    'invalid_json'
    """
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        code = "empty" if not line.strip() else "invalid_json"
        return Rejection(code, "not valid JSON" if code == "invalid_json" else "empty line", index)
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
    stripped = data.strip()
    if not stripped:
        return [Rejection("empty", "empty record value", 0)]
    if stripped[:1] == b"[":
        try:
            items = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            return [Rejection("invalid_json", "record value is not valid JSON", 0)]
        if not items:
            return [Rejection("empty", "empty JSON array", 0)]
        return [_parse_obj(item, i) for i, item in enumerate(items)]
    if b"\n" in stripped:
        return [parse_line(line, i) for i, line in enumerate(stripped.split(b"\n"))]
    return [parse_line(stripped, 0)]


def format_ts(ts: float) -> str:
    """RFC 3339 UTC with milliseconds, as alerts carry it.

    Examples
    --------
    >>> format_ts(1791205451.25)
    '2026-10-05T13:04:11.250Z'
    """
    millis = round(ts * 1000)
    seconds, ms = divmod(millis, 1000)
    day, rem = divmod(seconds, 86400)
    hour, rem = divmod(rem, 3600)
    minute, second = divmod(rem, 60)
    date = datetime.fromordinal(719163 + day)  # 719163 = ordinal of 1970-01-01
    return f"{date:%Y-%m-%d}T{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}Z"
