"""Prompt fingerprints: near-duplicates, determinism, reasoning asks, vocabulary bits."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from detectors import fingerprints
from detectors.fingerprints import (
    BOTTOM_K,
    IDENTIFIER_MIN,
    ITEM_SAMPLE,
    LIMITS,
    NUMBER_MIN,
    SIGNATURE_BITS,
    STOPWORDS,
    fingerprint,
    similarity,
)
from detectors.state.prompt_memory import prompt_salt

TEMPLATE = "You are an expert teacher. Explain {} in depth, with examples, for a university course."
TOPICS = ("photosynthesis", "plate tectonics", "inflation", "recursion", "entropy", "vaccines")
UNRELATED = (
    "what should I cook tonight with leftover rice",
    "help me write an email to my landlord about the heating",
    "is it normal for a puppy to sleep this much",
    "recommend a sci-fi novel like dune",
    "how do I fix a leaking kitchen tap",
    "translate good morning into japanese",
)
ROOT = Path(__file__).resolve().parents[2]


def _sig(text: str) -> int:
    return fingerprint(text).signature


def test_same_template_prompts_are_more_similar_than_unrelated_ones() -> None:
    filled = [_sig(TEMPLATE.format(topic)) for topic in TOPICS]
    others = [_sig(text) for text in UNRELATED]
    near = [similarity(a, b) for i, a in enumerate(filled) for b in filled[i + 1 :]]
    far = [similarity(a, b) for a in filled for b in others]
    assert min(near) > max(far)
    # The engine's template match (features.TEMPLATE_MATCH) is 0.5.
    assert min(near) >= 0.5 > max(far)


def test_unrelated_prompts_share_few_bits() -> None:
    sigs = [_sig(text) for text in UNRELATED]
    pairs = [similarity(a, b) for i, a in enumerate(sigs) for b in sigs[i + 1 :]]
    assert max(pairs) < 0.5


def test_identical_text_gives_an_identical_fingerprint() -> None:
    text = TEMPLATE.format("glaciers")
    first = fingerprint(text)
    assert all(fingerprint(text) == first for _ in range(3))
    assert fingerprint(str(text)) == first  # equal, not the same object
    assert similarity(first.signature, first.signature) == 1.0


def test_fingerprints_are_the_same_in_another_process() -> None:
    # Python's hash() is salted per process; fingerprints feed replay/stream parity.
    text = TEMPLATE.format("black holes")
    code = (
        "from detectors.fingerprints import fingerprint; import sys; "
        "print(tuple(fingerprint(sys.argv[1])))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code, text],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    ).stdout.strip()
    assert out == str(tuple(fingerprint(text)))


def test_case_and_punctuation_do_not_change_the_signature() -> None:
    plain = fingerprint("explain photosynthesis in depth with examples")
    shouted = fingerprint("Explain: PHOTOSYNTHESIS -- in depth, with examples!")
    assert shouted.signature == plain.signature
    assert shouted.items == plain.items
    assert shouted.exact == plain.exact


def test_stopwords_do_not_count() -> None:
    assert fingerprint("what is the").signature == 0
    assert _sig("the photosynthesis of a leaf") == _sig("photosynthesis leaf")


@pytest.mark.parametrize(
    "text",
    [
        "Solve this step by step.",
        "Give a step-by-step derivation of the quadratic formula.",
        "Show your work.",
        "Walk me through how TCP handshakes work.",
        "Explain your reasoning before answering.",
        "Use chain of thought to solve the riddle.",
        "THINK CAREFULLY about edge cases.",
        "Justify each inference.",
    ],
)
def test_reasoning_asks_are_detected(text: str) -> None:
    assert fingerprint(text).cues & 15 >= 1


@pytest.mark.parametrize(
    "text",
    [
        "Translate good morning into Japanese.",
        "Write a haiku about the sea.",
        "I think my code has a bug in line 3.",
        "Does this run on Windows?",
        "",
    ],
)
def test_plain_requests_do_not_ask_for_reasoning(text: str) -> None:
    assert fingerprint(text).cues == 0


def test_items_are_the_largest_content_word_hashes() -> None:
    rng = random.Random(4)
    for _ in range(50):
        words = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
            for _ in range(rng.randint(1, 40))
        ]
        words = [w for w in words if w not in STOPWORDS] or ["photosynthesis"]
        fp = fingerprint(" ".join(words))
        assert 1 <= len(fp.items) <= min(ITEM_SAMPLE, len(set(words)))
        assert list(fp.items) == sorted(fp.items, reverse=True)
        assert 1 <= fp.signature.bit_count() <= min(BOTTOM_K, len(set(words)))
        assert fp.signature < 1 << SIGNATURE_BITS
        assert fp.tokens == len(" ".join(words).encode()) // 4


def test_identifiers_are_not_content_but_stay_in_the_exact_hash() -> None:
    # A random trace id on every prompt must not decide the frame or the items (red team
    # round 5): words of IDENTIFIER_MIN bytes or more holding a digit are left out.
    rng = random.Random(7)
    plain = fingerprint(TEMPLATE.format("glaciers"))
    for _ in range(20):
        # (A hex group of letters only, "facade", is a word, and one of digits only a
        # number: one in 260 and one in 16 of them; these ids hold both.)
        ids = " ".join(
            f"{rng.randrange(10)}{rng.choice('abcdef')}{rng.getrandbits(16):04x}" for _ in range(32)
        )
        traced = fingerprint(f"{TEMPLATE.format('glaciers')} (trace {ids})")
        assert (traced.signature, traced.items) == (
            fingerprint(f"{TEMPLATE.format('glaciers')} (trace)").signature,
            fingerprint(f"{TEMPLATE.format('glaciers')} (trace)").items,
        )
        assert traced.exact != plain.exact
    # A UUID is one identifier with its short groups (red team round 6).
    uuid = "550e8400-e29b-41d4-a716-446655440000"
    assert fingerprint(f"alpha beta {uuid}.").items == fingerprint("alpha beta").items
    assert fingerprint(f"alpha beta {uuid}.").exact != fingerprint("alpha beta").exact
    # Short words with digits are content: a maths item's numbers, "h2o", a year; so are
    # the words of a token with other symbols in it.
    assert fingerprint("solve x^2+3x=10").items != fingerprint("solve").items
    # An item's number is content; a number of NUMBER_MIN digits or more is an identifier.
    assert fingerprint("scenario 366912").items != fingerprint("scenario 455639").items
    long_id = "7" * NUMBER_MIN
    assert fingerprint(f"scenario {long_id}").items == fingerprint("scenario").items
    assert fingerprint("Balance h2o in 2024").items != fingerprint("Balance co2 in 1999").items
    assert len("9f3a2") == IDENTIFIER_MIN
    assert fingerprint("alpha 9f3a2").items == fingerprint("alpha 7c1b0").items
    assert fingerprint("alpha 9f3a").items != fingerprint("alpha 7c1b").items


def test_a_new_item_in_the_same_frame_changes_the_items_and_the_exact_hash() -> None:
    a = fingerprint(TEMPLATE.format("glaciers"))
    b = fingerprint(TEMPLATE.format("inflation"))
    assert a.exact != b.exact
    assert set(a.items) != set(b.items)


def test_options_and_formats_mark_a_constrained_answer() -> None:
    assert fingerprint("Which is correct? (a) 2 (b) 3. Answer:").cues & LIMITS
    assert not fingerprint("Prove that 2 is prime.").cues & LIMITS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "!!! ??? ...",
        "Erkläre die Photosynthese Schritt für Schritt",
        "解释光合作用\uff0c一步一步地推理",
        "Объясни фотосинтез step by step 🌱🌞",
        "lone surrogate \ud800 inside",
        "word " * 100_000,
        "x" * 1_000_000,
    ],
)
def test_odd_text_does_not_crash(text: str) -> None:
    fp = fingerprint(text)
    assert fp.signature < 1 << SIGNATURE_BITS
    assert all(0 <= item < 1 << 32 for item in fp.items)
    assert fp.tokens >= 0 and 0 <= fp.exact < 1 << 32
    assert fp == fingerprint(text)


def test_empty_text_has_an_empty_fingerprint() -> None:
    fp = fingerprint("")
    assert (fp.signature, fp.items, fp.cues, fp.tokens) == (0, (), 0, 0)
    assert similarity(fp.signature, fp.signature) == 0.0


def test_non_ascii_prompts_still_match_their_template() -> None:
    template = "Erkläre {} ausführlich für Studierende im ersten Semester, mit Beispielen."
    a = _sig(template.format("Photosynthese"))
    b = _sig(template.format("Plattentektonik"))
    c = _sig("Wie koche ich heute Abend Reis mit Gemüse?")
    assert similarity(a, b) > similarity(a, c)


def test_similarity_is_symmetric_and_bounded() -> None:
    rng = random.Random(9)
    for _ in range(200):
        a, b = rng.getrandbits(64), rng.getrandbits(64)
        s = similarity(a, b)
        assert s == similarity(b, a)
        assert 0.0 <= s <= 1.0
    assert similarity(0b1010, 0b0101) == 0.0


def test_words_ground_for_tiny_plain_hashes_do_not_take_the_signature() -> None:
    # Red team round 4 (swarm_tagged): each key of a swarm appends its own words whose
    # plain CRC-32 is among the smallest of thousands, so that they fill its signature
    # and no two keys share a frame. Under the word key their hashes are as random as
    # any word's: two keys' prompts of one frame still share most signature bits.
    candidates = sorted((f"zq{i}" for i in range(40000)), key=lambda w: zlib.crc32(w.encode()))
    frame = (
        "You are a meticulous tutor. Explain the following concept from first principles, "
        "derive every formula, justify each inference, give a worked numerical example, "
        "list common misconceptions, and finish with a concise summary. Concept:"
    )
    pairs = [
        (f"{frame} {topic} {' '.join(candidates[16 * i : 16 * i + 8])}",
         f"{frame} {topic} {' '.join(candidates[16 * i + 8 : 16 * i + 16])}")
        for i, topic in enumerate(TOPICS)
    ]  # fmt: skip

    def plain_signature(text: str) -> int:
        words = text.lower().replace(",", " ").replace(".", " ").replace(":", " ").split()
        hashes = sorted({zlib.crc32(w.encode()) for w in words} - fingerprints._STOP_HASHES)
        return sum({1 << (h & 63) for h in hashes[:BOTTOM_K]})

    plain = [similarity(plain_signature(a), plain_signature(b)) for a, b in pairs]
    keyed = [similarity(fingerprint(a).signature, fingerprint(b).signature) for a, b in pairs]
    assert sum(plain) / len(plain) < 0.1
    assert sum(keyed) / len(keyed) > 0.4


def test_the_word_key_changes_signature_and_items_but_not_the_rest() -> None:
    text = "Explain photosynthesis step by step, showing your full reasoning."
    a = fingerprint(text, fingerprints.word_key(prompt_salt("one")))
    b = fingerprint(text, fingerprints.word_key(prompt_salt("two")))
    assert (a.signature, a.items) != (b.signature, b.items)
    assert (a.cues, a.exact, a.tokens) == (b.cues, b.exact, b.tokens)
