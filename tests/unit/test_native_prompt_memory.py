"""Compiled prompt memory: keyed prompt hashes, the memory's generations, mix64."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.events import Event
from detectors.native import NATIVE
from detectors.state.prompt_memory import PromptMemory, key_hash, mix64

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.text(max_size=40))
def test_keyed_prompt_hash_matches_the_reference(exact: int, secret: str) -> None:
    from detectors.state.prompt_memory import keyed_exact, prompt_salt

    assert NATIVE is not None
    salt = prompt_salt(secret)
    assert NATIVE.keyed_exact(exact, salt) == keyed_exact(exact, salt)


def test_the_prompt_key_decides_which_prompts_a_key_tracks() -> None:
    from detectors.engine import Engine

    tracked = []
    for secret in ("one", "two"):
        engine = Engine(prompt_key=secret)
        for i in range(200):
            engine.process(Event(1_791_000_000.0 + i, "k", 20, 900, prompt_text=f"task {i} now"))
        state = engine.key_state("k")
        assert state is not None and state.items is not None
        tracked.append(sorted(state.items[-32:]))
    assert tracked[0] != tracked[1]


def _memory_bytes(memory: PromptMemory) -> tuple[Any, ...]:
    return tuple(
        (bytes(g.current), bytes(g.previous), g.inserted) for g in (memory.own, memory.anyone)
    )


@needs_native
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["k1", "k2", "k3", "\ud800x"]),
            st.integers(0, 2**32 - 1),
            st.sampled_from([0.0, 1.0, 31.5, 32.0, 100.0, 128.0, 400.0, 512.0, 5000.0]),
        ),
        max_size=300,
    ),
    st.sampled_from([10, 11, 12]),
)
def test_prompt_memory_matches_the_reference(
    steps: list[tuple[str, int, float]], bits: int
) -> None:
    assert NATIVE is not None
    ours, reference = PromptMemory(bits), PromptMemory(bits)
    for key, exact, answer in steps:
        exact -= exact % 8 if exact % 3 else 0  # mostly sampled, so generations roll
        hashed = key_hash(key)  # lone surrogates are replaced, never refused
        assert NATIVE.key_hash(key) == hashed
        found = NATIVE.prompt_memory_observe(ours, hashed, exact, answer)
        assert found == reference.observe(hashed, exact, answer)
        assert _memory_bytes(ours) == _memory_bytes(reference)


def test_a_prompt_is_shared_only_where_others_got_a_comparable_answer() -> None:
    # A throwaway key sending each harvest prompt first at max_tokens 1 (red team round
    # 11, primed_shared) made it "shared"; another customer answered at length does.
    memory = PromptMemory(12)
    primer, harvester, lab = key_hash("primer"), key_hash("harvester"), key_hash("lab")
    assert memory.observe(primer, 400, 1.0) == (True, False)
    assert memory.observe(harvester, 400, 1100.0) == (True, False)
    assert memory.observe(lab, 400, 700.0) == (True, True)  # the harvester answered long
    assert memory.observe(primer, 404, 60.0) == (True, False)
    assert memory.observe(lab, 404, 200.0) == (True, True)  # one class below counts
    assert memory.observe(harvester, 404, 900.0) == (True, True)  # 200 is one below 900
    assert memory.observe(key_hash("late"), 404, 5.0) == (True, True)  # shorter: shared


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_mix64_matches_the_reference(value: int) -> None:
    assert NATIVE is not None
    assert NATIVE.mix64(value) == mix64(value)


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.text(max_size=40), st.text(max_size=40))
def test_prompt_hash_in_context_matches_the_reference(exact: int, system: str, secret: str) -> None:
    from detectors.state.prompt_memory import in_context, prompt_salt

    assert NATIVE is not None
    salt = prompt_salt(secret)
    encoded = system.encode("utf-8", "replace")
    assert NATIVE.in_context(exact, encoded, salt) == in_context(exact, system, salt)


def _distinct_tracked(system_prompts: list[str | None]) -> int:
    from detectors.engine import Engine
    from detectors.state import layout as L

    engine = Engine()
    for i, system in enumerate(system_prompts):
        engine.process(
            Event(1_791_000_000.0 + 60.0 * i, "k", 400, 900, system_prompt_hash=system,
                  prompt_text="Answer the question in your instructions, step by step.")
        )  # fmt: skip
    state = engine.key_state("k")
    assert state is not None and state.items is not None
    sketch = state.items[L.ITEMS : L.ITEMS + L.SKETCH]
    return len({h for h in sketch if h != L.SKETCH_EMPTY})


def test_one_user_line_under_changing_system_prompts_is_not_a_repeat() -> None:
    # The item carried in the system message, one constant user line (red team round 7,
    # swarm_sysitem): every request asks something else, and the key's repeat sketch
    # sees as many prompts as it sent. The same line under one system prompt, or with
    # none, is one prompt sent again and again.
    assert _distinct_tracked([f"sys-{i:04d}" for i in range(40)]) == 24
    assert _distinct_tracked(["sys-fixed"] * 40) == 1
    assert _distinct_tracked([None] * 40) == 1
