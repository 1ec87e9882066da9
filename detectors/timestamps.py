"""Event timestamps: RFC 3339 / epoch seconds in, UTC milliseconds out.

Split from :mod:`detectors.events` so the parser module stays small; both
directions are on the hot path and memoised per whole second.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

__all__ = ["MAX_TS", "MIN_TS", "EventRejected", "format_ts", "parse_ts", "type_name"]

# Event time outside this range is a producer bug, not a real request.
MIN_TS = 946_684_800.0  # 2000-01-01
MAX_TS = 4_102_444_800.0  # 2100-01-01


class EventRejected(ValueError):
    """Raised by :func:`parse_event`; ``code`` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def type_name(value: object) -> str:
    """JSON-ish name of a value's type for rejection messages (never the value itself)."""
    return "null" if value is None else type(value).__name__


@lru_cache(maxsize=8192)
def _utc_seconds(prefix: str) -> float | None:
    # Memoised per whole second: a log's timestamps share their first 19 characters
    # with thousands of neighbours, and fromisoformat costs ~1 µs.
    try:
        parsed = datetime.fromisoformat(prefix + "+00:00")
    except ValueError:
        return None
    return parsed.timestamp()


def parse_ts(value: object) -> float:
    """Event time in Unix seconds from an RFC 3339 string (with offset) or epoch number.

    Examples
    --------
    >>> parse_ts("2026-10-05T13:04:11.250Z"), parse_ts(1791205451)
    (1791205451.25, 1791205451.0)
    >>> parse_ts("2016-12-31T23:59:60Z") == parse_ts("2017-01-01T00:00:00Z")  # leap second
    True
    """
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        size = len(text)
        # Fast path for the common "YYYY-MM-DDTHH:MM:SS[.fff]Z" shape.
        if (size == 24 or size == 20) and text[-1] in "Zz" and text[10] in "Tt":
            seconds = _utc_seconds(text[:19])
            if seconds is not None:
                if size == 20:
                    ts = seconds
                elif text[19] == "." and text[20:23].isdigit():
                    ts = seconds + int(text[20:23]) / 1000
                else:
                    ts = -1.0
                if MIN_TS <= ts < MAX_TS:
                    return ts
        if len(text) < 20 or text[10] not in "Tt ":
            raise EventRejected("invalid_timestamp", "ts must be an RFC 3339 date-time with offset")
        # A leap second (RFC 3339 allows second 60, inserted at 23:59:60) is the same
        # Unix time as the next second's start: Unix time has no leap seconds.
        leap = 1.0 if text[11:19] == "23:59:60" else 0.0
        if leap:
            text = text[:17] + "59" + text[19:]
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise EventRejected(
                "invalid_timestamp", "ts must be an RFC 3339 date-time with offset"
            ) from None
        if parsed.tzinfo is None:
            raise EventRejected("invalid_timestamp", "ts has no UTC offset (RFC 3339 needs one)")
        ts = parsed.timestamp() + leap
    elif kind is int or kind is float:
        ts = float(value)  # type: ignore[arg-type]
        if not math.isfinite(ts):
            raise EventRejected("invalid_timestamp", "ts must be finite")
    else:
        raise EventRejected(
            "wrong_type", f"ts must be an RFC 3339 string or epoch seconds, got {type_name(value)}"
        )
    if not MIN_TS <= ts < MAX_TS:
        raise EventRejected("out_of_range", "ts must lie between 2000-01-01 and 2100-01-01")
    return ts


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
