"""Which prompts other keys of the partition sent recently.

A public benchmark, or a client library's default prompt, is sent by many
unrelated customers; a harvester's curriculum is its own. One engine keeps two
Bloom filters over a deterministic sample of prompt hashes
(:attr:`PromptFingerprint.exact <detectors.fingerprints.PromptFingerprint.exact>`
``% SAMPLE == 0``), one keyed by (key, prompt) and one by prompt alone, each in
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
    "SAMPLE",
    "BloomGenerations",
    "PromptMemory",
    "in_context",
    "key_hash",
    "keyed_exact",
    "prompt_salt",
]

#: One prompt hash in SAMPLE is remembered (and answered for).
SAMPLE = 4
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


class BloomGenerations:
    """A Bloom filter (k = 2) in two generations of ``2**bits`` bits each."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.capacity = (1 << bits) // 16  # insertions per generation: ~12 % bit density
        self.current = bytearray(1 << (bits - 3))
        self.previous = bytearray(1 << (bits - 3))
        self.inserted = 0

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

    Parameters
    ----------
    bits
        log2 of each generation's size in bits (default 21: 256 KiB a generation,
        1 MiB per engine, ~130k sampled prompts, about half a million prompts, per
        generation).

    Examples
    --------
    >>> memory = PromptMemory(bits=12)
    >>> memory.observe(key_hash("k1"), 40)  # 40 % 8 == 0: sampled, new
    (True, False)
    >>> memory.observe(key_hash("k1"), 40)  # the same key again: not "shared"
    (True, False)
    >>> memory.observe(key_hash("k2"), 40)  # another key sent it
    (True, True)
    >>> memory.observe(key_hash("k2"), 42)  # not in the sample: nothing to say
    (False, False)
    """

    def __init__(self, bits: int = 21) -> None:
        self.bits = bits
        self.own = BloomGenerations(bits)
        self.anyone = BloomGenerations(bits)

    def observe(self, key: int, exact: int) -> tuple[bool, bool]:
        """Remember a prompt; return (it is in the sample, only other keys sent it before)."""
        if exact % SAMPLE:
            return False, False
        again = self.own.check_and_add((key << 32) | exact)
        anyone = self.anyone.check_and_add(exact)
        return True, anyone and not again
