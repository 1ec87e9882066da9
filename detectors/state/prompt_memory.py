"""Which prompts other keys of the partition sent recently.

A public benchmark, or a client library's default prompt, is sent by many
unrelated customers; a harvester's curriculum is its own. One engine keeps two
Bloom filters over a deterministic sample of prompt hashes
(:attr:`PromptFingerprint.exact <detectors.fingerprints.PromptFingerprint.exact>`
``% SAMPLE == 0``), one keyed by (key, prompt) and one by prompt and the class of
its answer (:class:`PromptMemory`), each in
two generations: when a generation has taken its share of insertions, the older
one is dropped. Sampling stretches the memory: a generation remembers
``SAMPLE`` times as many prompts as it holds. Memory is fixed per engine
(``2 * 2 * 2**bits / 8`` bytes: 1 MiB at the default), not per key; the
false-positive rate stays near 3 % while a generation fills.

A key's repeats of its *own* prompts are kept per key, over its whole history
(:meth:`detectors.state.keystate.KeyState.add`).
"""

from __future__ import annotations

from hashlib import blake2b
from zlib import crc32

__all__ = [
    "ANSWER_CLASSES",
    "SAMPLE",
    "BloomGenerations",
    "PromptMemory",
    "answer_class",
    "in_context",
    "key_hash",
    "keyed_exact",
    "prompt_salt",
]

#: One prompt hash in SAMPLE is remembered (and answered for).
SAMPLE = 4
#: Answer lengths (delivered tokens per choice) that part the classes a prompt is
#: remembered under (:func:`answer_class`): a prompt counts as shared only where another
#: customer got an answer of the same class or the one below.
ANSWER_CLASSES = (32.0, 128.0, 512.0)
_MASK64 = (1 << 64) - 1


def key_hash(api_key_id: str) -> int:
    """Stable 32-bit hash of a key id.

    >>> key_hash("k1") == key_hash("k1") != key_hash("k2")
    True
    """
    return crc32(api_key_id.encode("utf-8", "replace"))


def prompt_salt(secret: str) -> bytes:
    """The 16-byte salt of :func:`keyed_exact`, from a deployment's secret.

    >>> len(prompt_salt("")), prompt_salt("a") != prompt_salt("b")
    (16, True)
    """
    return blake2b(secret.encode("utf-8"), digest_size=16, person=b"dw-prompt-key").digest()


def keyed_exact(exact: int, salt: bytes) -> int:
    """A prompt's hash as the engine keeps it: its exact hash under the deployment's salt.

    Which prompts a key's repeat sketch tracks (the smallest hashes) and which the
    partition samples (``% SAMPLE``) must not be choosable: with the plain CRC-32 of the
    words an attacker can grind prompts (append a counter until the hash is small) so
    that the sketch tracks only a few anchors it repeats on purpose. Under a secret
    salt the order of hashes is unknown outside the deployment. BLAKE2b of the salt
    and the 4-byte hash, low 32 bits (``native/src/dedup.rs`` computes the same).

    >>> salt = prompt_salt("s")
    >>> keyed_exact(7, salt) == keyed_exact(7, salt) != keyed_exact(7, prompt_salt("t"))
    True
    >>> 0 <= keyed_exact(2**32 - 1, salt) < 2**32
    True
    """
    return _digest32(salt + exact.to_bytes(4, "little"))


def _digest32(data: bytes) -> int:
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little") & 0xFFFFFFFF


def in_context(exact: int, system_prompt_hash: str, salt: bytes) -> int:
    """A keyed prompt hash (:func:`keyed_exact`) with the request's system prompt in it.

    A key that repeats one user line while its system prompt changes on every request
    (the item carried in the system message: red team round 7, ``swarm_sysitem``) is
    not repeating itself: each request asks something else. The key's repeat sketch
    reads this hash; the partition's memory of shared prompts keeps the plain one (a
    public item is the same item whatever system prompt a lab wraps it in).
    ``native/src/dedup.rs`` computes the same.

    >>> salt = prompt_salt("s")
    >>> in_context(7, "a", salt) == in_context(7, "a", salt) != in_context(7, "b", salt)
    True
    """
    # The whole of the system prompt's hash goes into the digest: folding it to 32 bits
    # first (a CRC) would let a sender grind system prompts whose folds collide, and so
    # make different items look like one prompt repeated.
    context = system_prompt_hash.encode("utf-8", "replace")
    return _digest32(salt + exact.to_bytes(4, "little") + context)


def mix64(value: int) -> int:
    """splitmix64's finaliser: spreads a 64-bit value over all bits.

    >>> mix64(0) != mix64(1)
    True
    """
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


_CLASSES = len(ANSWER_CLASSES) + 1


def answer_class(answer: float) -> int:
    """The class of an answer of ``answer`` tokens: how many of :data:`ANSWER_CLASSES` it
    reaches (0-3).

    >>> answer_class(1.0), answer_class(32.0), answer_class(300.0), answer_class(4000.0)
    (0, 1, 2, 3)
    """
    level = 0
    for bound in ANSWER_CLASSES:
        if answer >= bound:
            level += 1
    return level


class BloomGenerations:
    """A Bloom filter (k = 2) in two generations of ``2**bits`` bits each."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.capacity = (1 << bits) // 16  # insertions per generation: ~12 % bit density
        self.current = bytearray(1 << (bits - 3))
        self.previous = bytearray(1 << (bits - 3))
        self.inserted = 0

    def contains(self, value: int) -> bool:
        """Whether ``value`` was (probably) added before; adds nothing."""
        h = mix64(value)
        mask = (1 << self.bits) - 1
        a, b = h & mask, (h >> 32) & mask
        for gen in (self.current, self.previous):
            if gen[a >> 3] >> (a & 7) & 1 and gen[b >> 3] >> (b & 7) & 1:
                return True
        return False

    def check_and_add(self, value: int) -> bool:
        """Whether ``value`` was (probably) added before; adds it."""
        h = mix64(value)
        mask = (1 << self.bits) - 1
        a, b = h & mask, (h >> 32) & mask
        cur, prev = self.current, self.previous
        in_cur = cur[a >> 3] >> (a & 7) & 1 and cur[b >> 3] >> (b & 7) & 1
        found = bool(in_cur) or bool(prev[a >> 3] >> (a & 7) & 1 and prev[b >> 3] >> (b & 7) & 1)
        if not in_cur:
            cur[a >> 3] |= 1 << (a & 7)
            cur[b >> 3] |= 1 << (b & 7)
            self.inserted += 1
            if self.inserted >= self.capacity:
                self.previous, self.current = cur, bytearray(len(cur))
                self.inserted = 0
        return found


class PromptMemory:
    """Recently seen prompts of a partition, on a sample of prompt hashes.

    A prompt is remembered with the class of the answer it got (:func:`answer_class`),
    and counts as shared only where another customer got an answer of the same class or
    the one below: a public benchmark or a library's default prompt is *answered* for
    many customers alike, while a throwaway key that sends each harvest prompt first at
    ``max_tokens`` 1, to make it look public, has been answered nothing (red team round
    11, ``primed_shared``: coverage at its floor, 0 of 9 at ``critical``). Passing for
    shared now costs a second answer of about the harvest's own length.

    Parameters
    ----------
    bits
        log2 of each generation's size in bits (default 21: 256 KiB a generation,
        1 MiB per engine, ~130k sampled prompts, about half a million prompts, per
        generation).

    Examples
    --------
    >>> memory = PromptMemory(bits=12)
    >>> memory.observe(key_hash("k1"), 40, 900.0)  # 40 % 4 == 0: sampled, new
    (True, False)
    >>> memory.observe(key_hash("k1"), 40, 900.0)  # the same key again: not "shared"
    (True, False)
    >>> memory.observe(key_hash("k2"), 40, 300.0)  # another key, an answer a class below
    (True, True)
    >>> memory.observe(key_hash("k2"), 42, 900.0)  # not in the sample: nothing to say
    (False, False)
    >>> memory.observe(key_hash("p"), 44, 1.0)  # a primer, answered one token ...
    (True, False)
    >>> memory.observe(key_hash("k3"), 44, 900.0)  # ... does not make it shared
    (True, False)
    """

    def __init__(self, bits: int = 21) -> None:
        self.bits = bits
        self.own = BloomGenerations(bits)
        self.anyone = BloomGenerations(bits)

    def observe(self, key: int, exact: int, answer: float) -> tuple[bool, bool]:
        """Remember a prompt and the length of its answer (delivered tokens per choice);
        return (it is in the sample, other keys sent it before and got an answer at least
        one class below this one)."""
        if exact % SAMPLE:
            return False, False
        again = self.own.check_and_add((key << 32) | exact)
        level = answer_class(answer)
        anyone = self.anyone
        # Stored as exact | class << 32; the classes from one below up are looked at.
        shared = any(anyone.contains(exact | c << 32) for c in range(max(level - 1, 0), _CLASSES))
        anyone.check_and_add(exact | level << 32)
        return True, shared and not again
