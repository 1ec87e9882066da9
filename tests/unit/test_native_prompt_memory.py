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
        st.tuples(st.sampled_from(["k1", "k2", "k3", "\ud800x"]), st.integers(0, 2**32 - 1)),
        max_size=300,
    ),
    st.sampled_from([10, 11, 12]),
)
def test_prompt_memory_matches_the_reference(steps: list[tuple[str, int]], bits: int) -> None:
    assert NATIVE is not None
    ours, reference = PromptMemory(bits), PromptMemory(bits)
    for key, exact in steps:
        exact -= exact % 8 if exact % 3 else 0  # mostly sampled, so generations roll
        hashed = key_hash(key)  # lone surrogates are replaced, never refused
        assert NATIVE.key_hash(key) == hashed
        assert NATIVE.prompt_memory_observe(ours, hashed, exact) == reference.observe(hashed, exact)
        assert _memory_bytes(ours) == _memory_bytes(reference)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_mix64_matches_the_reference(value: int) -> None:
    assert NATIVE is not None
    assert NATIVE.mix64(value) == mix64(value)
