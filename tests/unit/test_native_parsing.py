"""Compiled parsing checks: timestamps, client addresses and their prefix bits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import attributes, events, summaries, timestamps
from detectors.native import NATIVE

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

DIGITS = st.sampled_from("0123456789")

STAMPS = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.sampled_from(["2000", "2023", "2024", "2026", "2099", "2100", "1999"])
    | st.text(DIGITS, min_size=4, max_size=4),
    st.sampled_from(["01", "02", "02", "04", "12", "13", "00"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
    st.sampled_from(["T", "t", " ", "X"]),
    st.sampled_from(["00", "09", "23", "24"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "5\u0661"]),
    st.sampled_from(["", ".250", ".000", ".999", ".2\u00b2", "+00"]),
    st.sampled_from(["Z", "z", "", "+00:00"]),
)


@needs_native
def test_checked_ts_uses_the_python_range() -> None:
    assert NATIVE is not None
    assert NATIVE.ts_range() == (timestamps.MIN_TS, timestamps.MAX_TS)


@needs_native
@settings(max_examples=600, deadline=None)
@given(STAMPS | st.floats(allow_nan=True, allow_infinity=True))
def test_checked_ts_agrees_with_parse_ts_wherever_it_answers(ts: str | float) -> None:
    assert NATIVE is not None
    fast = NATIVE.checked_ts(ts, None)
    if fast is None:
        return  # the Python checks decide
    assert fast == timestamps.parse_ts(ts)


@needs_native
@settings(max_examples=200, deadline=None)
# hypothesis takes naive bounds; the text built from them is UTC by construction
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))  # noqa: DTZ001
def test_checked_ts_answers_for_the_common_shape(moment: datetime) -> None:
    assert NATIVE is not None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert NATIVE.checked_ts(text, None) == timestamps.parse_ts(text)


@needs_native
@settings(max_examples=600, deadline=None)
@given(
    st.text(st.sampled_from("0123456789abcdefABCDEF:.%\u0661 "), max_size=45)
    | st.ip_addresses().map(str)
)
def test_checked_ts_accepts_only_addresses_python_accepts(client_ip: str) -> None:
    assert NATIVE is not None
    if NATIVE.checked_ts(1_791_000_000.0, client_ip) is not None:
        assert events._is_ip(client_ip), client_ip


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_checked_ts_answers_for_plain_addresses(address: Any) -> None:
    assert NATIVE is not None
    assert NATIVE.checked_ts(1_791_000_000.0, str(address)) == 1_791_000_000.0


@needs_native
@pytest.mark.parametrize("year", ["1999", "2000", "2023", "2024", "2099", "2100"])
def test_checked_ts_knows_the_calendar(year: str) -> None:
    # Month lengths, leap years and the range ends, date by date and at the clock's edges.
    assert NATIVE is not None
    for month in range(0, 14):
        for day in (0, 1, 28, 29, 30, 31, 32):
            for clock in ("00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "23:59:60"):
                text = f"{year}-{month:02d}-{day:02d}T{clock}.500Z"
                fast = NATIVE.checked_ts(text, None)
                try:
                    expected: float | None = timestamps.parse_ts(text)
                except timestamps.EventRejected:
                    expected = None
                if clock == "23:59:60" and expected is not None:
                    assert fast is None, text  # a leap second: left to the reference
                    continue
                assert fast == expected, text


@needs_native
@settings(max_examples=400, deadline=None)
@given(
    st.ip_addresses().map(str)
    | st.text(st.sampled_from("0123456789abcdef:.\u00e9"), max_size=40)
    | st.text(max_size=20)
)
def test_ip_prefix_bit_matches_the_reference(client_ip: str) -> None:
    assert NATIVE is not None
    assert NATIVE.ip_prefix_bits() == summaries.IP_PREFIX_BITS
    try:
        expected = attributes._python_prefix_bit(client_ip)
    except UnicodeEncodeError:  # a lone surrogate: both refuse it alike
        with pytest.raises(UnicodeEncodeError):
            NATIVE.ip_prefix_bit(client_ip)
        return
    assert NATIVE.ip_prefix_bit(client_ip) == expected
