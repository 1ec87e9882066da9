"""Prompt fingerprints: near-duplicate signatures, reasoning-request flags, vocabulary bits.

The prompt is lower-cased, split into words, and each word hashed with crc32
(stable across processes). The signature is a 64-bit bitmap of the 8 smallest
word hashes (a bottom-k MinHash sketch folded into one int): prompts built from
one template share most of their words, hence most of their smallest hashes,
hence most signature bits, even when a few words (the topic, a synonym) differ.
Only these integers survive; the text itself is dropped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple
from zlib import crc32

from detectors.native import NATIVE

__all__ = [
    "SIGNATURE_BITS",
    "VOCAB_BITS",
    "FingerprintFields",
    "PromptFingerprint",
    "fingerprint",
    "fingerprint_fields",
    "similarity",
]

SIGNATURE_BITS = 64
VOCAB_BITS = 512
BOTTOM_K = 8
VOCAB_SAMPLE = 4

_STOPWORDS = [
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "by",
    "for",
    "from",
    "has",
    "have",
    "how",
    "i",
    "if",
    "in",
    "is",
    "it",
    "its",
    "me",
    "my",
    "of",
    "on",
    "or",
    "our",
    "please",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "this",
    "to",
    "was",
    "we",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "you",
    "your",
    "can",
    "do",
    "does",
]
_STOP_HASHES = frozenset(crc32(w.encode()) for w in _STOPWORDS)
# Punctuation becomes a word break so "topic:" and "topic" hash alike (bytes.translate
# runs in C; str.translate with a dict costs ~2 µs per prompt).
_PUNCTUATION = bytes.maketrans(
    b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", b" " * len(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
)
# Phrases that ask the model to write out its reasoning: the outputs distillers want
# most. Plain substring tests on the lower-cased prompt: a regex alternation was 9 µs.
REASONING_CUES = (
    "step by step",
    "step-by-step",
    "reasoning",
    "show your work",
    "show all work",
    "show the steps",
    "chain of thought",
    "think it through",
    "think carefully",
    "walk through each step",
    "walk me through",
    "let's think",
)


#: (signature, vocab_bits, asks_reasoning, words): a PromptFingerprint or a plain tuple.
FingerprintFields = tuple[int, int, bool, int]


class PromptFingerprint(NamedTuple):
    """What survives of a prompt: integers and a flag."""

    signature: int
    vocab_bits: int
    asks_reasoning: bool
    words: int


def fingerprint(text: str) -> PromptFingerprint:
    """Fingerprint one prompt.

    Examples
    --------
    >>> a = fingerprint("Explain photosynthesis step by step, showing your full reasoning.")
    >>> b = fingerprint("Explain plate tectonics step by step, showing your full reasoning.")
    >>> c = fingerprint("What's a good name for a golden retriever puppy?")
    >>> a.asks_reasoning, c.asks_reasoning
    (True, False)
    >>> similarity(a.signature, b.signature) > similarity(a.signature, c.signature)
    True
    """
    return PromptFingerprint._make(fingerprint_fields(text))


def _python_fields(text: str) -> PromptFingerprint:
    """The reference implementation (``native/src/fingerprint.rs`` must match it exactly)."""
    lowered = text.lower()
    words = lowered.encode("utf-8", "replace").translate(_PUNCTUATION).split()
    # ``set - frozenset`` probes the prompt's ~20 hashes; ``-=`` would walk all stopwords.
    ordered = sorted(set(map(crc32, words)) - _STOP_HASHES)
    signature = 0
    for value in ordered[:BOTTOM_K]:
        signature |= 1 << (value & 63)
    vocab_bits = 0
    # The largest hashes are a sample of words disjoint from the signature's: a
    # cheap proxy for how many distinct topics a key's prompts cover.
    for value in ordered[-VOCAB_SAMPLE:]:
        vocab_bits |= 1 << (value % VOCAB_BITS)
    # Most prompts contain none of the anchor words; only those pay for the full list.
    asks_reasoning = (
        "step" in lowered
        or "reason" in lowered
        or "think" in lowered
        or "work" in lowered
        or "thought" in lowered
    ) and any(cue in lowered for cue in REASONING_CUES)
    return PromptFingerprint(signature, vocab_bits, asks_reasoning, len(words))


#: :func:`fingerprint` as a plain tuple, for the hot path: compiled where available
#: (~0.8 µs against ~7 µs a prompt), else the Python reference.
fingerprint_fields: Callable[[str], FingerprintFields] = (
    NATIVE.fingerprint_fields if NATIVE is not None else _python_fields
)


def similarity(a: int, b: int) -> float:
    """Share of signature bits two prompts have in common (0 when either is empty).

    Examples
    --------
    >>> similarity(0b1111, 0b0111)
    0.75
    """
    union = (a | b).bit_count()
    return (a & b).bit_count() / union if union else 0.0
