"""One key's state, compiled: adding events, folding, horizon sums, the harvest test."""

from __future__ import annotations

import math
from array import array
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import fingerprints
from detectors.events import Event
from detectors.native import NATIVE
from detectors.state import keystate
from detectors.state import layout as L
from detectors.state.keystate import KeyState

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


def _arrays(state: KeyState) -> tuple[bytes, ...]:
    items = b"" if state.items is None else state.items.tobytes()
    return state.values.tobytes(), state.times.tobytes(), state.bits.tobytes(), items


COUNTS = st.integers(0, 5_000) | st.integers(0, 2**53) | st.integers(2**53, 2**64)

EVENTS = st.builds(
    Event,
    ts=st.floats(1_791_000_000.0, 1_791_050_000.0) | st.integers(1_791_000_000, 1_791_050_000),
    api_key_id=st.just("k"),
    prompt_tokens=COUNTS,
    completion_tokens=st.integers(0, 9_000) | COUNTS,
    status=st.sampled_from([200, 200, 400, 429, 500]),
    reasoning_tokens=st.integers(0, 3_000) | COUNTS,
    n=st.integers(1, 4) | st.integers(1, 2**60),
    temperature=st.none()
    | st.floats(0.0, 2.0)
    | st.sampled_from([3.15, 3.2, 1e300, 0, 2, 10**30, math.inf, math.nan, -1.0]),
    max_tokens=st.none() | st.integers(1, 8_000) | st.integers(1, 2**62),
    account_created=st.none()
    | st.floats(1.6e9, 1.8e9)
    | st.sampled_from([2**53 + 1, 1_700_000_000]),
    # The turn test reads the text's length in code points (non-ASCII included).
    prompt_text=st.none() | st.text(max_size=600) | st.sampled_from(["é" * 1000, "x" * 2000]),
)

PROMPTS = (
    st.none()
    | st.sampled_from(
        [
            "Explain entropy step by step.",
            "Explain inflation step by step.",
            "Translate good morning into Japanese",
            "walk me through recursion",
            "what should I cook tonight",
            "Pick one. A) 3 B) 4. Answer:",
            "list ten facts about volcanoes",
            "",
            "the a an",
        ]
    )
    | st.text(max_size=80)
)

POSITIONS = st.sampled_from([-1, 0, 3, 63]) | st.integers(-1, 63)


def _both(call: Any) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # compared by type with the other side's
        return None, exc


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            EVENTS,
            PROMPTS,
            st.integers(-1, 255),
            POSITIONS,
            POSITIONS,
            st.tuples(st.booleans(), st.booleans()),
            st.booleans(),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_add_event_leaves_the_arrays_the_reference_leaves(steps: list[Any]) -> None:
    assert NATIVE is not None
    first = float(steps[0][0].ts)
    ours, reference = KeyState(first, 300.0), KeyState(first, 300.0)
    for state in (ours, reference):
        state.bits[L.IP_HISTORY] = 1 << 3  # some prefixes and agents are new
        state.bits[L.UA_HISTORY + 0] = 1 << 63
    for event, prompt, ip, agent, model, seen, hit in steps:
        fp = fingerprints._python_fields(prompt) if prompt is not None else None
        args = (fp, ip, agent, model, seen, hit)
        _, error = _both(lambda: NATIVE.add_event(ours, event, *args))  # noqa: B023
        _, expected = _both(lambda: reference.add(event, *args))  # noqa: B023
        assert type(error) is type(expected)
        if expected is not None:
            return  # the reference raised: so did this
        assert _arrays(ours) == _arrays(reference)


@needs_native
@pytest.mark.parametrize("choices", [1, 3])
def test_a_conversation_follow_up_is_left_out_of_repeats_as_the_reference_leaves_it(
    choices: int,
) -> None:
    # Random events seldom continue one another: this walks the turn branch on purpose,
    # with one choice per answer and with three (the next turn carries back one).
    assert NATIVE is not None
    t0 = 1_791_000_000.0
    ours, reference = KeyState(t0, 300.0), KeyState(t0, 300.0)
    follow_up = "Give a second, different method and compare the two in depth."
    for i in range(20):
        question = f"Explain how topic number {i} works, with a worked example."
        p = 40 + 700 + len(follow_up) // L.TURN_CHARS_PER_TOKEN + 5
        first = Event(t0 + i * 600, "k", 40, 700 * choices, n=choices, prompt_text=question)
        for event, text in (
            (first, question),
            (Event(t0 + i * 600 + 60, "k", p, 800, prompt_text=follow_up), follow_up),
        ):
            fp = fingerprints._python_fields(text)
            NATIVE.add_event(ours, event, fp)
            reference.add(event, fp)
            assert _arrays(ours) == _arrays(reference)
    assert ours.values[L.CONT] > 15 and ours.values[L.TRACKED] == 20


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.floats(0.0, 30 * 86400.0),
    st.integers(0, 23),
)
def test_fold_values_matches_the_reference(start: list[float], elapsed: float, slot: int) -> None:
    assert NATIVE is not None
    ours, reference = array("f", start), array("f", start)
    if slot % 5 == 0:
        ours[L.N] = reference[L.N] = 0.0  # an empty window skips the profile
    NATIVE.fold_values(ours, elapsed, slot)
    keystate.fold_values(reference, elapsed, slot)
    assert ours.tobytes() == reference.tobytes()


HOURS = st.integers(497_000, 500_000)

FOLD_TIMES = (
    st.floats(1.79e9, 1.8e9)
    | HOURS.map(lambda h: h * 3600.0)
    | HOURS.map(lambda h: h * 3600.0 + 1e-9)
    | st.sampled_from([math.nan, math.inf, 0.0, -3600.0])
)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e4, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.lists(st.integers(0, 2**64 - 1), min_size=L.BITS_SIZE, max_size=L.BITS_SIZE),
    FOLD_TIMES,
    st.integers(0, 2**24 - 1) | st.sampled_from([2**60, -1, 2**24]),
    HOURS | st.sampled_from([0, 10**17]),
    st.integers(20_700, 20_900) | st.just(10**17),
    FOLD_TIMES,
    st.booleans(),
)
def test_fold_matches_the_reference(
    values: list[float],
    bits: list[int],
    folded: float,
    mask: int,
    mask_hour: int,
    day_index: int,
    now: float,
    empty: bool,
) -> None:
    assert NATIVE is not None
    states = [KeyState(1.79e9, 300.0), KeyState(1.79e9, 300.0)]
    for state in states:
        state.values = array("f", values)
        if empty:
            state.values[L.N] = 0.0
        state.bits = array("Q", bits)
        state.times[L.FOLDED_TS] = folded
        state.times[L.ACTIVE_MASK], state.times[L.MASK_HOUR] = mask, mask_hour
        state.times[L.DAY_INDEX] = day_index
    ours, reference = states
    _, error = _both(lambda: ours.fold(now))
    _, expected = _both(lambda: reference.fold_reference(now))
    assert type(error) is type(expected)
    assert _arrays(ours) == _arrays(reference)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.floats(1.79e9, 1.8e9) | st.just(-0.0) | st.just(math.nan),
    st.integers(0, len(L.HORIZONS) - 1),
    st.floats(1.79e9, 1.8e9),
)
def test_horizon_sums_match_the_reference(
    values: list[float], folded: float, horizon: int, now: float
) -> None:
    assert NATIVE is not None
    v = array("f", values)
    ours = NATIVE.horizon_sums(v, folded, horizon, now)
    expected = keystate.horizon_sums(v, folded, horizon, now)
    assert ours == expected or all(
        a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(ours, expected, strict=True)
    )


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**53),
    st.integers(0, 2**53),
    st.integers(0, 2**53),
    st.integers(1, 2**53),
    st.tuples(st.floats(-5, 12), st.floats(0, 12)) | st.just((math.inf, math.inf)),
)
def test_harvest_like_matches_the_reference(
    p: int, c: int, r: int, n: int, thresholds: tuple[float, float]
) -> None:
    assert NATIVE is not None
    assert NATIVE.harvest_like(p, c, r, n, thresholds) == keystate.harvest_like(
        p, c, r, n, thresholds
    )
