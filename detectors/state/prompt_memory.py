"""Which prompts an engine has seen recently: per key, and from any key.

Benign use repeats itself: an application retries, a user asks the same thing
again, an eval team runs its benchmark on a second model, and a public
benchmark or a client library's default prompt is sent by many unrelated
customers. A harvester asks each item once. Remembering every prompt per key
would cost kilobytes per key; instead one engine keeps two Bloom filters over
prompt hashes (:attr:`PromptFingerprint.exact
<detectors.fingerprints.PromptFingerprint.exact>`), one keyed by (key, prompt)
and one by prompt alone, in two generations each: when a generation has taken
its share of insertions, the older one is dropped. Memory is fixed per engine
(``2 * 2 * 2**bits / 8`` bytes), not per key, and the false-positive rate stays
near 3 % while a generation fills.
"""

from __future__ import annotations

from zlib import crc32

__all__ = ["PromptMemory", "key_hash"]

_MASK64 = (1 << 64) - 1


def key_hash(api_key_id: str) -> int:
    """Stable 32-bit hash of a key id.

    >>> key_hash("k1") == key_hash("k1") != key_hash("k2")
    True
    """
    return crc32(api_key_id.encode("utf-8", "replace"))


def _mix(value: int) -> int:
    # splitmix64's finaliser: spreads a 64-bit value over all bits.
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class _Generations:
    """A Bloom filter (k = 2) in two generations of ``2**bits`` bits each."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.capacity = (1 << bits) // 16  # insertions per generation: ~12 % bit density
        self.current = bytearray(1 << (bits - 3))
        self.previous = bytearray(1 << (bits - 3))
        self.inserted = 0

    def check_and_add(self, value: int) -> bool:
        h = _mix(value)
        mask = (1 << self.bits) - 1
        a, b = h & mask, (h >> 32) & mask
        cur, prev = self.current, self.previous
        in_cur = cur[a >> 3] >> (a & 7) & 1 and cur[b >> 3] >> (b & 7) & 1
        found = bool(in_cur) or bool(
            prev[a >> 3] >> (a & 7) & 1 and prev[b >> 3] >> (b & 7) & 1
        )
        if not in_cur:
            cur[a >> 3] |= 1 << (a & 7)
            cur[b >> 3] |= 1 << (b & 7)
            self.inserted += 1
            if self.inserted >= self.capacity:
                self.previous, self.current = cur, bytearray(len(cur))
                self.inserted = 0
        return found


class PromptMemory:
    """Recently seen prompts, per key and from any key.

    Parameters
    ----------
    bits
        log2 of each generation's size in bits (default 22: 512 KiB a generation,
        2 MiB per engine, ~260k prompts remembered per generation).

    Examples
    --------
    >>> memory = PromptMemory(bits=12)
    >>> memory.observe(key_hash("k1"), 42)
    (False, False)
    >>> memory.observe(key_hash("k1"), 42)  # the same key again: a repeat
    (True, False)
    >>> memory.observe(key_hash("k2"), 42)  # another key sent it: shared
    (False, True)
    """

    def __init__(self, bits: int = 22) -> None:
        self.bits = bits
        self._own = _Generations(bits)
        self._any = _Generations(bits)

    def observe(self, key: int, exact: int) -> tuple[bool, bool]:
        """Remember a prompt; return (this key sent it before, only other keys did)."""
        repeat = self._own.check_and_add((key << 32) | exact)
        anyone = self._any.check_and_add(exact)
        return repeat, anyone and not repeat
