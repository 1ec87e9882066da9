"""Per-key state: counters, the conversation test, frames, folds and the day roll."""

from __future__ import annotations

import math

import pytest

from detectors.events import Event
from detectors.fingerprints import fingerprint_fields
from detectors.state import layout as L
from detectors.state.keystate import KeyState, harvest_like

T0 = 1_791_158_400.0  # a Monday, 00:00 UTC


def _ev(t: float, p: int, c: int, **kw: object) -> Event:
    return Event(T0 + t, "k", p, c, **kw)  # type: ignore[arg-type]


def test_counters_and_logs_of_one_window() -> None:
    state = KeyState(T0, 300.0)
    state.add(_ev(0, 100, 900, n=3, max_tokens=300), None)
    state.add(_ev(1, 100, 10, status=429), None)
    v = state.values
    assert v[L.N] == 2 and v[L.PTOK] == 200 and v[L.CTOK] == 910
    assert v[L.MULTI] == 1 and v[L.CAPPED] == 1  # 900 over 3 choices hits 300 each
    assert v[L.ERR] == 1 and v[L.THROTTLED] == 1
    assert v[L.ANS] == pytest.approx(math.log1p(300) + math.log1p(10), rel=1e-6)


def test_a_tiny_cap_on_a_label_is_capped_but_a_sum_over_choices_is_not_compared_with_it() -> None:
    state = KeyState(T0, 300.0)
    state.add(_ev(0, 50, 1, max_tokens=1), None)  # a label pipeline: capped
    state.add(_ev(1, 50, 90, n=3, max_tokens=64), None)  # 30 a choice: not capped
    assert state.values[L.CAPPED] == 1


def test_a_conversation_turn_is_recognised_and_chance_is_measured_apart() -> None:
    state = KeyState(T0, 300.0)
    p = 400
    for i in range(10):
        c = 200 + 10 * i
        state.add(_ev(i * 30, p, c), None)
        p = p + c + 40  # the next turn carries this answer and a new message
    v = state.values
    assert v[L.CONT] == 9
    assert v[L.PLACEBO] < v[L.CONT]


def test_short_prompts_with_long_answers_never_look_like_turns() -> None:
    state = KeyState(T0, 300.0)
    for i in range(50):
        state.add(_ev(i * 10, 60 + (i * 37) % 90, 900 + (i * 53) % 600), None)
    assert state.values[L.CONT] == 0


def test_turns_older_than_the_turn_window_are_not_continued() -> None:
    state = KeyState(T0, 300.0)
    state.add(_ev(0, 400, 200), None)
    state.add(_ev(L.TURN_MINUTES * 60 + 61, 640, 100), None)
    assert state.values[L.CONT] == 0


def test_frames_sweeps_and_repeats() -> None:
    state = KeyState(T0, 300.0)
    for i, topic in enumerate(["glaciers", "inflation", "recursion", "vaccines", "entropy"]):
        text = f"You are an expert teacher. Explain {topic} in depth for a university course."
        state.add(_ev(i, 30, 900), fingerprint_fields(text), seen=(True, i == 4))
    again = "You are an expert teacher. Explain glaciers in depth for a university course."
    state.add(_ev(9, 30, 900), fingerprint_fields(again))
    v = state.values
    assert v[L.FP] == 6 and v[L.FRAME] == 5 and v[L.SWEEP] == 4
    assert v[L.REPEAT] == 1 and v[L.TRACKED] == 6 and v[L.CUE] == 6
    assert v[L.SAMPLED] == 5 and v[L.SHARED] == 1
    assert len(state.frames(2.0)) == 1


def test_fold_decays_and_sums_read_the_open_window_too() -> None:
    state = KeyState(T0, 300.0)
    for i in range(10):
        state.add(_ev(i, 10, 10), None)
    state.fold(T0 + 300)
    assert state.values[L.N] == 0
    state.open_window(T0 + 3900, 300.0)
    state.add(_ev(3900, 10, 10), None)
    hour = state.sums(0, T0 + 3900)
    assert hour[L.N] == pytest.approx(10 * math.exp(-3600 / 3600) + 1, rel=1e-5)
    assert state.sums(2, T0 + 3900)[L.N] == pytest.approx(
        10 * math.exp(-3600 / (7 * 86400)) + 1, rel=1e-5
    )


def test_new_prefixes_count_only_once_the_key_has_a_history() -> None:
    state = KeyState(T0, 300.0)
    state.add(_ev(0, 10, 10), None, ip_bit=3)
    state.add(_ev(1, 10, 10), None, ip_bit=200)
    assert state.values[L.NEW_IP] == 0  # no history yet: nothing is "new"
    state.fold(T0 + 300)
    state.open_window(T0 + 86400 + 5, 300.0)  # the next day: history learned day one
    state.add(_ev(86405, 10, 10), None, ip_bit=3)
    state.add(_ev(86406, 10, 10), None, ip_bit=77)
    assert state.values[L.NEW_IP] == 1


def test_hidden_reasoning_is_not_delivered_output() -> None:
    inside = KeyState(T0, 300.0)
    inside.add(_ev(0, 100, 1000, reasoning_tokens=800), None)  # usage with reasoning inside
    beside = KeyState(T0, 300.0)
    beside.add(_ev(0, 100, 200, reasoning_tokens=800), None)  # reasoning logged beside
    assert inside.values[L.CTOK] == 200 and beside.values[L.CTOK] == 200
    assert inside.values[L.RTOK] == beside.values[L.RTOK] == 800


def test_huge_temperatures_land_in_the_last_bin() -> None:
    state = KeyState(T0, 300.0)
    state.add(_ev(0, 10, 10, temperature=1e300), None)
    assert state.bits[L.TEMP_TODAY] == 1 << 63


def test_harvest_like_needs_both_yield_and_length() -> None:
    limits = (math.log(5.0), math.log(500.0))
    assert harvest_like(100, 1200, 0, 1, limits)
    assert not harvest_like(100, 1200, 0, 4, limits)  # 300 a choice: too short
    assert not harvest_like(1000, 1200, 0, 1, limits)  # long, but not for a short prompt
    assert not harvest_like(100, 1200, 1100, 1, limits)  # mostly hidden reasoning


def test_the_repeat_sketch_tracks_a_fixed_range_of_prompts() -> None:
    state = KeyState(T0, 300.0)
    items = [f"Solve problem number {i} of the benchmark, step by step." for i in range(500)]
    for t, text in enumerate(items):  # a first pass over one benchmark
        state.add(_ev(t, 30, 400), fingerprint_fields(text))
    v = state.values
    assert L.SKETCH <= v[L.TRACKED] < 200 and v[L.REPEAT] == 0  # the range narrows as it fills
    state.fold(T0 + 600)
    state.open_window(T0 + 600, 300.0)
    for t, text in enumerate(items):  # the second pass: every tracked prompt is a repeat
        state.add(_ev(600 + t, 30, 400), fingerprint_fields(text))
    assert v[L.TRACKED] == v[L.REPEAT] == L.SKETCH
    fresh = KeyState(T0, 300.0)
    for t, text in enumerate(items):
        fresh.add(_ev(t, 30, 400), fingerprint_fields(text))
    assert fresh.values[L.REPEAT] == 0
