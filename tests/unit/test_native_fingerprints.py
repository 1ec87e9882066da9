"""Compiled prompt fingerprints return exactly what the Python reference returns."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import fingerprints, lexicon
from detectors.native import NATIVE

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

# Text that exercises every branch: stopwords, cues of every group and limit cues (some
# of them overlapping), punctuation that breaks words, every ASCII whitespace byte
# bytes.split() knows and some it does not (\x1c-\x1f, \x85, NBSP, U+2028), and
# characters whose lower-casing or encoding is special (Kelvin sign, dotted capital I,
# final sigma, sharp s, a lone surrogate), and identifiers: words and tokens of every
# length around IDENTIFIER_MIN, with and without digits, joiners and other symbols.
PIECES = [
    "9f3a2",
    "366912",
    "123456789",
    "9f3a",
    "a1b2c3d4",
    "550e8400-e29b-41d4-a716-446655440000",
    "v1.2.3",
    "req_8f",
    "x^2+3x",
    "12:30",
    "h2o",
    "-",
    "_",
    ":",
    ".",
    *fingerprints.STOPWORDS[:12],
    *[group[i] for group in lexicon.CUE_GROUPS.values() for i in (0, -1, 3)],
    *lexicon.LIMIT_CUES[:6],
    "Step-By-Step",
    "REASONING",
    "EXPLAIN WHY ",
    "thin\u212a carefully",
    "photosynthesis",
    "topic:",
    "x",
    "\u0130stanbul",
    "stra\u00dfe",
    "\u03a3\u0399\u03a3",
    "\u03a3",
    "\U0001f600",
    "\ud800",
    "\udfff",
    "\u00e9tape",
    "E\u0301TAPE",
    *(chr(b) for b in range(0, 33)),
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    ",",
    "...",
    "'",
    "?",
]


@needs_native
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_fingerprint_matches_the_reference_on_tricky_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fingerprint_matches_the_reference_on_any_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=0, max_value=2**64 - 1))
def test_fingerprint_matches_the_reference_under_any_word_key(text: str, key: int) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text, key) == fingerprints._python_fields(text, key)


@needs_native
def test_fingerprint_matches_the_reference_on_every_byte_and_case() -> None:
    assert NATIVE is not None
    for code in [*range(0, 0x250), *range(0x370, 0x400), 0x130, 0x212A, 0x1E9E, 0x2028, 0xFEFF]:
        c = chr(code)
        for text in (f"word{c}word step{c}by step", f"{c}WHY {c}", c * 5, f"a{c}"):
            assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text), hex(code)


def test_public_fingerprint_is_the_named_tuple() -> None:
    fp = fingerprints.fingerprint("Explain entropy step by step.")
    assert isinstance(fp, fingerprints.PromptFingerprint)
    assert fp == fingerprints._python_fields("Explain entropy step by step.")
    assert fp.cues == 2
