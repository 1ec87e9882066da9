"""Template groups found by locality-sensitive hashing over template signatures.

A template signature is a 64-bit bitmap of the smallest word hashes of a prompt
(:mod:`detectors.fingerprints`); two prompts of one template share half their
bits or more. MinHash over the set bits (seeded permutations of the 64 bit
positions), cut into bands, puts such signatures into a shared bucket with high
probability while unrelated ones rarely meet; a candidate is confirmed with the
exact :func:`~detectors.fingerprints.similarity`. Memory is bounded: buckets list
a few groups each and the signature cache is an LRU.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any

from detectors.campaign_population import COUNT_BITS, ESTIMATES
from detectors.fingerprints import similarity
from detectors.native import NATIVE
from detectors.sketches import linear_count

__all__ = ["GROUP_KEY_BITS", "FrameGroup", "TemplateIndex"]

#: Width of a frame group's bitmap of the established keys using it.
GROUP_KEY_BITS = 256


class TemplateIndex:
    """Map template signatures to group ids; a group keeps a few representative signatures.

    Prompts of one template differ in their topic words, so their signatures form a
    cloud around the template rather than one point: a signature that joins a group
    with a middling similarity becomes one more representative (up to
    ``representatives``), so the group covers the cloud instead of splitting into
    many small groups. A group's id is its founding signature.

    Parameters
    ----------
    bands, rows
        LSH shape: ``bands`` buckets per signature, each keyed by ``rows`` MinHash values.
    match
        Similarity needed to join a group.
    bucket_groups
        Most entries one bucket keeps.
    cache_size
        Signatures remembered with their group id.
    seed
        Seed of the bit permutations.
    representatives
        Most signatures indexed per group.
    spread
        A joining signature less similar than this to every representative is indexed too.

    Examples
    --------
    >>> index = TemplateIndex(12, 2, 0.5, 16, 100, seed=1)
    >>> a = 0b1111_0000_1111
    >>> index.find(a) is None
    True
    >>> index.add(a)
    >>> index.find(0b1111_0000_0111) == a   # 7 of 8 bits shared: same template
    True
    >>> index.find(0b1 << 40 | 0b1 << 50) is None
    True
    """

    def __init__(
        self,
        bands: int,
        rows: int,
        match: float,
        bucket_groups: int,
        cache_size: int,
        seed: int,
        representatives: int = 8,
        spread: float = 0.7,
    ) -> None:
        rng = random.Random(f"campaign-lsh/{seed}")
        # One rank table per MinHash function: rank[bit] is the bit's place in a permutation.
        self._ranks = [rng.sample(range(64), 64) for _ in range(bands * rows)]
        self._rank_bytes = bytes(r for rank in self._ranks for r in rank)
        self.bands = bands
        self.rows = rows
        self.match = match
        self.bucket_groups = bucket_groups
        self.cache_size = cache_size
        self.representatives = representatives
        self.spread = spread
        self._buckets: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        self._cache: OrderedDict[int, int] = OrderedDict()
        self._reps: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._reps)

    def __getstate__(self) -> dict[str, Any]:
        # The packed rank table is derived: snapshots stay as they were before it.
        return {k: v for k, v in self.__dict__.items() if k != "_rank_bytes"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._rank_bytes = bytes(r for rank in self._ranks for r in rank)

    def _band_keys(self, signature: int) -> list[tuple[int, ...]]:
        if NATIVE is not None:
            keys: list[tuple[int, ...]] | None = NATIVE.band_keys(
                signature, self._rank_bytes, self.rows
            )
            if keys is not None:
                return keys
        return self._python_band_keys(signature)

    def _python_band_keys(self, signature: int) -> list[tuple[int, ...]]:
        # The reference for native/src/campaign.rs (band_keys).
        bits = []
        rest = signature
        while rest:
            low = rest & -rest
            bits.append(low.bit_length() - 1)
            rest ^= low
        mins = [min(rank[b] for b in bits) for rank in self._ranks]
        rows = self.rows
        return [(band, *mins[band * rows : (band + 1) * rows]) for band in range(self.bands)]

    def find(self, signature: int, grow: bool = True) -> int | None:
        """The group a signature belongs to, or None (cached; exact check on candidates).

        With ``grow=False`` the signature never becomes one of the group's
        representatives (a one-off prompt may look a group up, not reshape it).
        """
        cached = self._cache.get(signature)
        if cached is not None and cached in self._reps:
            self._cache.move_to_end(signature)
            return cached
        found = None
        if NATIVE is not None:
            found = NATIVE.best_in_buckets(signature, self._rank_bytes, self.rows, self._buckets)
        best, best_sim = found if found is not None else self._best_in_buckets(signature)
        if best < 0 or best_sim < self.match:
            return None
        reps = self._reps[best]
        if grow and best_sim < self.spread and len(reps) < self.representatives:
            reps.append(signature)
            self._index(signature, best)
        self._remember(signature, best)
        return best

    def cache_and_reps(self) -> tuple[OrderedDict[int, int], dict[int, list[int]]]:
        """The signature cache (signature -> group id, least recent first) and the groups'
        representatives: for a caller that writes out :meth:`find`'s cached case (a group
        id from the cache counts while the group has representatives; its signature is
        then moved to the cache's end)."""
        return self._cache, self._reps

    def _best_in_buckets(self, signature: int) -> tuple[int, float]:
        # The reference for native/src/campaign.rs (best_in_buckets).
        best, best_sim = -1, 0.0
        for band_key in self._band_keys(signature):
            for rep, gid in self._buckets.get(band_key, ()):
                sim = similarity(rep, signature)
                # Ties go to the smaller id so the answer never depends on bucket order.
                if sim > best_sim or (sim == best_sim and gid < best):
                    best, best_sim = gid, sim
        return best, best_sim

    def add(self, signature: int) -> None:
        """Found a new group whose id is ``signature``."""
        self._reps[signature] = [signature]
        self._index(signature, signature)
        self._remember(signature, signature)

    def _index(self, signature: int, gid: int) -> None:
        for band_key in self._band_keys(signature):
            bucket = self._buckets.setdefault(band_key, [])
            bucket.append((signature, gid))
            if len(bucket) > self.bucket_groups:
                del bucket[0]

    def remove(self, gid: int) -> None:
        """Forget a group (its cached signatures are dropped lazily)."""
        for rep in self._reps.pop(gid, ()):
            for band_key in self._band_keys(rep):
                bucket = self._buckets.get(band_key)
                if bucket is not None and (rep, gid) in bucket:
                    bucket.remove((rep, gid))
                    if not bucket:
                        del self._buckets[band_key]

    def _remember(self, signature: int, gid: int) -> None:
        self._cache[signature] = gid
        self._cache.move_to_end(signature)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


class FrameGroup:
    """A frame (prompt template) group: when last used, and by which established keys
    (a bitmap of key hashes: how popular the frame is among ordinary customers)."""

    __slots__ = ("gid", "keys", "last_ts")

    def __init__(self, gid: int, ts: float) -> None:
        self.gid = gid
        self.last_ts = ts
        self.keys = 0

    @property
    def popularity(self) -> float:
        # linear_count(self.keys, GROUP_KEY_BITS), looked up by the bit count (all it
        # reads): every profile reads its members' groups.
        ones = self.keys.bit_count()
        if GROUP_KEY_BITS == COUNT_BITS and ones <= COUNT_BITS:
            return ESTIMATES[ones]
        return linear_count(self.keys, GROUP_KEY_BITS)
