"""Prompt fingerprints: frame signatures, item samples, elicitation cues, exact repeats.

The prompt is lower-cased, split into words, and each word hashed with crc32
(stable across processes), then scrambled under the deployment's secret
(:func:`keyed_word`): which words are a prompt's smallest and largest must not be
choosable, or an attacker who reads this code appends words whose plain hashes are
tiny or huge so that every key's signature and items are its own and no two keys
of a swarm share a frame or a topic (red team round 4, ``swarm_tagged``). The
signature is a 64-bit bitmap of the 8 smallest word hashes (a bottom-k MinHash
sketch folded into one int): prompts built from one frame share most of their
words, hence most of their smallest hashes, hence most signature bits, even when
a few words (the topic, a synonym) differ.
The 8 largest hashes are kept as they are: a sample of what the prompt is
about, which the key's coverage memory compares with what it asked before.
Only these integers survive; the text itself is dropped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b
from typing import NamedTuple
from zlib import crc32

from detectors.lexicon import cues as cue_flags
from detectors.native import NATIVE
from detectors.state.prompt_memory import mix64

__all__ = [
    "BOTTOM_K",
    "BYTES_PER_TOKEN",
    "DEFAULT_WORD_KEY",
    "IDENTIFIER_JOINERS",
    "IDENTIFIER_MIN",
    "ITEM_SAMPLE",
    "LIMITS",
    "NUMBER_MIN",
    "PUNCTUATION",
    "SIGNATURE_BITS",
    "STOPWORDS",
    "FingerprintFields",
    "PromptFingerprint",
    "fingerprint",
    "fingerprint_fields",
    "keyed_word",
    "similarity",
    "word_key",
]

SIGNATURE_BITS = 64
BOTTOM_K = 8

#: Words left out of signatures and items (``native/src/fingerprint.rs`` holds a copy).
STOPWORDS = [
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
_STOP_HASHES = frozenset(crc32(w.encode()) for w in STOPWORDS)
#: Punctuation becomes a word break so "topic:" and "topic" hash alike.
PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# bytes.translate runs in C; str.translate with a dict costs ~2 µs per prompt.
_PUNCTUATION = bytes.maketrans(PUNCTUATION, b" " * len(PUNCTUATION))
#: How many of a prompt's largest content-word hashes are kept as its "items": a
#: consistent sample of its vocabulary (the same word is sampled in every prompt
#: where it is among the largest), disjoint from the signature's smallest hashes.
ITEM_SAMPLE = 8
#: Added to ``cues`` when the prompt constrains its answer (options, a label, a format).
LIMITS = 16
#: Bytes of text per token, to estimate how much of ``prompt_tokens`` the visible
#: prompt accounts for (the rest is system prompt, history, retrieved context).
BYTES_PER_TOKEN = 4


_LOW32 = 0xFFFFFFFF
#: Identifiers (trace and request ids, UUIDs, hex digests, long numbers) are not
#: content: they take no part in the signature or the items, only in the exact hash. A
#: random id on every prompt would otherwise take the smallest and largest word slots,
#: so that no two prompts of one frame share a signature and no item recurs (red team
#: round 5, ``swarm_noise``). An identifier is a word of at least IDENTIFIER_MIN bytes
#: that mixes ASCII letters and digits, or of at least NUMBER_MIN bytes holding a digit;
#: or a whole whitespace-delimited token of that shape (punctuation around it aside)
#: made only of ASCII letters, digits and IDENTIFIER_JOINERS (a UUID's 4-character
#: groups go with it: red team round 6, ``swarm_uuid``). Shorter numbers stay content:
#: an item's number ("scenario 366912", "compute 48213") names what is asked, and so do
#: "h2o", "3x", a year, and the words of a token with other symbols ("x^2+3x=10").
IDENTIFIER_MIN = 5
NUMBER_MIN = 9
IDENTIFIER_JOINERS = b"-_.:"
_DIGITS = b"0123456789"
_LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ID_BYTES = _LETTERS + _DIGITS + IDENTIFIER_JOINERS


def _id_shaped(word: bytes) -> bool:
    size = len(word)
    if size < IDENTIFIER_MIN or len(word.translate(None, _DIGITS)) == size:
        return False  # short, or no digit
    return size >= NUMBER_MIN or len(word.translate(None, _LETTERS)) < size


def _identifier_token(token: bytes) -> bool:
    core = token.strip(PUNCTUATION)
    return not core.translate(None, _ID_BYTES) and _id_shaped(core)


def word_key(salt: bytes) -> int:
    """The 64-bit key that scrambles word hashes, from the deployment's prompt salt.

    >>> from detectors.state.prompt_memory import prompt_salt
    >>> word_key(prompt_salt("a")) != word_key(prompt_salt("b"))
    True
    >>> word_key(prompt_salt("")) == DEFAULT_WORD_KEY
    True
    """
    digest = blake2b(salt, digest_size=8, person=b"dw-word-key").digest()
    return int.from_bytes(digest, "little")


def keyed_word(crc: int, key: int) -> int:
    """A word's hash as fingerprints keep it: its CRC-32 scrambled under ``key``.

    splitmix64's finaliser is a bijection, so distinct words stay distinct (in 64
    bits) and the order of their low 32 bits is unknown without the key. Not a MAC:
    nothing here is ever shown to a client to test guesses against.

    >>> keyed_word(1, 5) != keyed_word(1, 6), 0 <= keyed_word(2**32 - 1, 2**64 - 1) < 2**32
    (True, True)
    """
    return mix64(key ^ crc) & _LOW32


#: The word key of the empty (public) secret: what :func:`fingerprint` uses by default
#: and what an engine without ``prompt_key`` uses (``native/src/fingerprint.rs`` holds
#: a copy, checked by a test).
DEFAULT_WORD_KEY = 9110401982160850195


class PromptFingerprint(NamedTuple):
    """What survives of a prompt: integers only.

    Attributes
    ----------
    signature
        64-bit bottom-k MinHash of its content words: prompts of one frame share bits.
    items
        The :data:`ITEM_SAMPLE` largest content-word hashes (32-bit), largest first:
        what the key is asking about, for novelty and coverage.
    cues
        Elicitation cue groups touched (:func:`detectors.lexicon.cue_groups`), plus
        :data:`LIMITS` when the prompt constrains its answer
        (:func:`detectors.lexicon.limits_answer`).
    exact
        32-bit hash of the prompt's word sequence: exact repeats (case, spacing and
        punctuation aside).
    tokens
        Estimated tokens of the visible prompt (UTF-8 bytes / ``BYTES_PER_TOKEN``).
    """

    signature: int
    items: tuple[int, ...]
    cues: int
    exact: int
    tokens: int


#: The fields of a PromptFingerprint as a plain tuple (what the compiled path returns).
FingerprintFields = tuple[int, tuple[int, ...], int, int, int]


def fingerprint(text: str, key: int = DEFAULT_WORD_KEY) -> PromptFingerprint:
    """Fingerprint one prompt, word hashes scrambled under ``key`` (:func:`word_key`).

    Examples
    --------
    >>> a = fingerprint("Explain photosynthesis step by step, showing your full reasoning.")
    >>> b = fingerprint("Explain plate tectonics step by step, showing your full reasoning.")
    >>> c = fingerprint("What's a good name for a golden retriever puppy?")
    >>> a.cues, c.cues
    (3, 0)
    >>> fingerprint("Pick one. A) 3 B) 4. Answer:").cues == LIMITS
    True
    >>> similarity(a.signature, b.signature) > similarity(a.signature, c.signature)
    True
    >>> fingerprint("Hello,   WORLD!").exact == fingerprint("hello world").exact
    True
    >>> traced = fingerprint("Explain photosynthesis step by step (trace 9f3a2c 0b41e7 "
    ...                      "550e8400-e29b-41d4-a716-446655440000).")
    >>> traced.signature == fingerprint("Explain photosynthesis step by step (trace).").signature
    True
    """
    return PromptFingerprint._make(fingerprint_fields(text, key))


def _python_fields(text: str, key: int = DEFAULT_WORD_KEY) -> FingerprintFields:
    """The reference implementation (``native/src/fingerprint.rs`` must match it exactly)."""
    lowered = text.lower()
    raw = lowered.encode("utf-8", "replace")
    words = raw.translate(_PUNCTUATION).split()
    # ``set - frozenset`` probes the prompt's ~20 hashes; ``-=`` would walk all stopwords.
    # Stopwords are recognised by their plain hash; only content words are scrambled.
    # Identifiers (IDENTIFIER_MIN) are left out of the content words.
    content = {
        crc32(w)
        for token in raw.split()
        if not _identifier_token(token)
        for w in token.translate(_PUNCTUATION).split()
        if not _id_shaped(w)
    } - _STOP_HASHES
    ordered = sorted({mix64(key ^ h) & _LOW32 for h in content})
    signature = 0
    for value in ordered[:BOTTOM_K]:
        signature |= 1 << (value & 63)
    items = tuple(reversed(ordered[-ITEM_SAMPLE:]))
    exact = crc32(b" ".join(words))
    groups, limits = cue_flags(lowered)
    cues = groups | (LIMITS if limits else 0)
    return (signature, items, cues, exact, len(raw) // BYTES_PER_TOKEN)


#: :func:`fingerprint` as a plain tuple, for the hot path: compiled where available,
#: else the Python reference.
fingerprint_fields: Callable[..., FingerprintFields] = (
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
