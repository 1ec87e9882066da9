"""Per-key state: counters, the conversation test, frames, folds and the day roll."""

from __future__ import annotations

import math
import random

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
    assert v[L.N] == 2 and v[L.CTOK] == 910
    # Each request weighs 1 + what it delivered.
    assert v[L.ANS] == pytest.approx(901 * math.log1p(300) + 11 * math.log1p(10), rel=1e-6)
    assert v[L.YLD] == pytest.approx(
        901 * (math.log1p(900) - math.log1p(100)) + 11 * (math.log1p(10) - math.log1p(100)),
        rel=1e-6,
    )
    assert v[L.W2] == pytest.approx(901**2 + 11**2, rel=1e-6)


def test_fillers_do_not_dilute_what_a_key_collects() -> None:
    from detectors.evidence.statistics import key_statistics

    plain, diluted = KeyState(T0, 300.0), KeyState(T0, 300.0)
    for i in range(100):
        plain.add(_ev(i * 2, 40, 1100), None)
        diluted.add(_ev(i * 2, 40, 1100), None)
        diluted.add(_ev(i * 2 + 1, 30, 1), None)  # a one-token filler after each
    a = key_statistics(plain.sums(1, T0 + 300))
    b = key_statistics(diluted.sums(1, T0 + 300))
    assert b.n == 2 * a.n
    assert b.answer.value == pytest.approx(a.answer.value, abs=0.05)  # per request: about half
    assert b.answer.low > math.log1p(900)


def test_a_ping_or_a_rejected_request_is_never_a_previous_turn() -> None:
    state = KeyState(T0, 300.0)
    for i in range(20):
        state.add(_ev(i * 20, 300, 1), None)  # a one-token ping
        state.add(_ev(i * 20 + 5, 302 + (i % 5), 900), None)  # "continues" the ping
        state.add(_ev(i * 20 + 10, 200, 0, status=429), None)
        state.add(_ev(i * 20 + 15, 201, 900), None)  # "continues" the rejected one
    assert state.values[L.CONT] == 0


def test_a_conversation_turn_is_recognised_and_chance_is_measured_apart() -> None:
    state = KeyState(T0, 300.0)
    p = 400
    for i in range(10):
        c = 200 + 10 * i
        state.add(_ev(i * 30, p, c), None)
        p = p + c + 40  # the next turn carries this answer and a new message
    v = state.values
    # Nine continuations; each counts by the answer it carries against the key's
    # typical answer, and these answers are all about typical.
    assert 8.5 <= v[L.CONT] <= 9
    assert v[L.PLACEBO] < v[L.CONT]


def test_a_conversation_asking_several_choices_goes_on_from_one_of_them() -> None:
    # With n = 3 the completion holds three answers, the next turn carries back the one
    # the user kept: the turn test must compare it with one choice, not the three.
    state = KeyState(T0, 300.0)
    p = 60
    for i in range(10):
        state.add(_ev(i * 30, p, 3 * 300, n=3), None)
        p = p + 300 + 40
    assert 8.5 <= state.values[L.CONT] <= 9


def test_a_continuation_of_a_short_answer_counts_little_where_the_key_collects_long_ones() -> None:
    # Red team round 3 (substantive_ping): a 9-token question answered in 33 tokens,
    # then harvest prompts whose sizes land in its continuation window, while every
    # harvest answer is 1,100 tokens. The same sizes after an answer as long as the
    # key's are a real turn.
    def run(ping_answer: int) -> float:
        state = KeyState(T0, 300.0)
        for i in range(30):
            t = i * 60
            state.add(_ev(t, 9, ping_answer), None)
            for k in range(3):
                state.add(_ev(t + 5 + k, 9 + ping_answer + 20 + k, 1100), None)
        return state.values[L.CONT]

    forged, real = run(33), run(1100)
    assert forged < 0.1 * real
    assert real > 25


def test_hidden_contexts_that_recur_are_counted_apart_from_ones_that_vary() -> None:
    # Three fixed system prompts (0, 40 and 250 tokens) rotated per request against
    # retrieved passages of any size: both spread widely, only the first recurs.
    question = "Explain the proof of the triangle inequality for complex numbers in full."
    visible = fingerprint_fields(question)[4]
    personas, rag = KeyState(T0, 300.0), KeyState(T0, 300.0)
    for i in range(60):
        system = (0, 40, 250)[(i * 7) % 3]
        personas.add(_ev(i, visible + system, 900), fingerprint_fields(question))
        passages = 100 + (i * 7919) % 2900
        rag.add(_ev(i, visible + passages, 300), fingerprint_fields(question))
    for state in (personas, rag):
        assert state.values[L.FP] == 60
    assert personas.values[L.SAME_CONTEXT] >= 55
    assert rag.values[L.SAME_CONTEXT] <= 15


def test_a_continuation_carries_the_new_message_beside_the_previous_exchange() -> None:
    # A cue-worded 9-token question answered in 33 tokens, then a short harvest prompt
    # whose size alone lands in the continuation window: with its text, the engine
    # knows the prompt holds its own ~50 tokens and cannot also carry the exchange.
    forged = KeyState(T0, 300.0)
    harvest = "Derive the closed form step by step and justify every inference. " * 3
    for i in range(20):
        forged.add(_ev(i * 60, 9, 33, prompt_text="Explain why, briefly."), None)
        forged.add(_ev(i * 60 + 5, 9 + 33 + 10, 900, prompt_text=harvest), None)
    assert forged.values[L.CONT] == 0
    # Without text the size is all there is: the same sizes pass for continuations, but
    # each counts by the answer it carries back (33 tokens where the key collects 900).
    blind = KeyState(T0, 300.0)
    for i in range(20):
        blind.add(_ev(i * 60, 9, 33), None)
        blind.add(_ev(i * 60 + 5, 9 + 33 + 10, 900), None)
    assert 0 < blind.values[L.CONT] < 0.1 * 20
    # A real next turn carries the exchange and the new message, however long.
    real = KeyState(T0, 300.0)
    message = "Now generalise the result and prove the general case in full. " * 8
    p = 40
    for i in range(10):
        real.add(_ev(i * 60, p, 300, prompt_text=message), None)
        p = p + 300 + len(message) // 4 + 12
    assert real.values[L.CONT] == 9


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
    # The item ring holds two prompts' items: the repeat at the end brings items it no
    # longer holds, so it counts as a sweep too (repeats are the sketch's business).
    assert v[L.FP] == 6 and v[L.SWEEP] == 5
    assert v[L.REPEAT] == 1 and v[L.TRACKED] == 6 and v[L.CUE] == 6
    assert v[L.SAMPLED] == 5 and v[L.SHARED] == 1
    assert len(state.frames(2.0)) == 1


def test_a_follow_up_sent_on_every_conversation_is_no_repeat() -> None:
    # Each conversation opens on a new question and asks the same follow-up of its
    # answer: that follow-up continues a different exchange each time (no retry, no
    # second run of the same items). Sent on its own, the same text is a repeat.
    follow_up = "Give a second, different method and compare the two in depth."
    talked, alone = KeyState(T0, 300.0), KeyState(T0, 300.0)
    for i in range(20):
        question = f"Explain how topic number {i} works, with a worked example."
        t = i * 600
        for state in (talked, alone):
            state.add(_ev(t, 40, 700, prompt_text=question), fingerprint_fields(question))
        p = 40 + 700 + len(follow_up) // L.TURN_CHARS_PER_TOKEN + 5
        talked.add(_ev(t + 60, p, 800, prompt_text=follow_up), fingerprint_fields(follow_up))
        alone.add(_ev(t + 60, 30, 800, prompt_text=follow_up), fingerprint_fields(follow_up))
    assert talked.values[L.CONT] > 15  # each weighs by the answer it carries back
    assert talked.values[L.REPEAT] == 0 and talked.values[L.TRACKED] == 20
    assert alone.values[L.CONT] == 0 and alone.values[L.REPEAT] == 19


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
    week_n, _ = state.week(T0 + 3900)
    assert week_n == pytest.approx(10 * math.exp(-3600 / (7 * 86400)) + 1, rel=1e-5)


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
    assert inside.values[L.REASONED] == beside.values[L.REASONED] == 1


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


def _run(prompts: list[str]) -> KeyState:
    state = KeyState(T0, 300.0)
    for t, text in enumerate(prompts):
        state.add(_ev(t, 60, 500), fingerprint_fields(text))
    return state


def test_the_same_items_behind_different_harnesses_share_their_identities() -> None:
    # Labs running one public benchmark, each behind its own harness: the prompts differ
    # as wholes (their exact hashes share nothing), the items they ask for do not.
    rng = random.Random(5)
    animals = "otter heron bison lynx walrus gecko falcon badger moose tapir ibis marmot"
    foods = "kelp clams grass mice beetles seeds krill berries roots fish acorns moss"
    items = [
        f"A {rng.choice(animals.split())} weighs {rng.randint(2, 900)} kg and eats "
        f"{rng.randint(1, 40)} kg of {rng.choice(foods.split())} each day. After how many "
        "days has it eaten its own weight?"
        for _ in range(80)
    ]
    boxed = (
        "Solve the following problem. Reason step by step, and put your final answer "
        "within \\boxed{{}}.\n\n{}"
    )
    question = "Question: {}\nAnswer: Let's think step by step."
    a = _run([boxed.format(item) for item in items])
    b = _run([question.format(item) for item in items])
    short = _run([f"Q: {item}\nA:" for item in items])
    assert len(a.identities()) == len(b.identities()) == L.IDENTITIES
    sketch = slice(L.ITEMS, L.ITEMS + L.SKETCH)
    assert not set(a.prompt_items()[sketch]) & set(b.prompt_items()[sketch]) - {L.SKETCH_EMPTY}
    assert len(set(short.identities()) & set(b.identities())) >= L.IDENTITIES - 2
    # A long harness outranks some of an item's words among the prompt's 8 largest:
    # fewer identities are shared, still far more than chance gives (below).
    assert len(set(a.identities()) & set(b.identities())) >= 3
    # One harness, other items (a campaign's slice of the same task space): at most one.
    other = [
        f"Find the remainder when {7 + i} raised to the power {300 + 11 * i} "
        f"is divided by {97 + i}."
        for i in range(80)
    ]
    c = _run([boxed.format(item) for item in other])
    assert len(set(a.identities()) & set(c.identities())) <= 1


def test_an_immediate_retry_asks_for_no_new_item() -> None:
    prompt = "Explain the causes of the French Revolution in depth, with sources."
    once = _run([prompt])
    twice = _run([prompt, prompt])
    assert once.identities() == twice.identities() and len(once.identities()) == 1
