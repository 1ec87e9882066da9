"""Kafka's default partitioner, so replay shards keys exactly as producers do.

Replay/streaming parity rests on this: a worker holds one engine per partition
and replay runs one engine per shard, so both must agree on a key's shard.
"""

from __future__ import annotations

from collections.abc import Callable

from detectors.native import NATIVE

__all__ = ["PartitionCache", "Router", "murmur2", "partition_for", "router"]

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """32-bit murmur2 exactly as Kafka's Java client computes it (unsigned result).

    Examples
    --------
    >>> murmur2(b"21")
    3321034988
    """
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    full = length & ~3
    for i in range(0, full, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    extra = length & 3
    if extra >= 3:
        h ^= data[full + 2] << 16
    if extra >= 2:
        h ^= data[full + 1] << 8
    if extra >= 1:
        h ^= data[full]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


def partition_for(api_key_id: str, partitions: int) -> int:
    """Partition of a record keyed by ``api_key_id`` (UTF-8) under Kafka's default partitioner.

    Examples
    --------
    >>> [partition_for(k, 8) for k in ("key-1", "key-2", "key-3")]
    [0, 6, 3]
    """
    return (murmur2(api_key_id.encode("utf-8")) & 0x7FFFFFFF) % partitions


class PartitionCache:
    """Memoised :func:`partition_for`; murmur2 in Python costs microseconds per key.

    Examples
    --------
    >>> cache = PartitionCache(8, capacity=2)
    >>> cache("key-1"), cache("key-2"), cache("key-3")
    (0, 6, 3)
    """

    def __init__(self, partitions: int, capacity: int = 1_000_000) -> None:
        self.partitions = partitions
        self.capacity = capacity
        self._cache: dict[str, int] = {}

    def __call__(self, api_key_id: str) -> int:
        partition = self._cache.get(api_key_id)
        if partition is None:
            if len(self._cache) >= self.capacity:
                self._cache.clear()  # cheap and bounded; re-warming costs little
            partition = partition_for(api_key_id, self.partitions)
            self._cache[api_key_id] = partition
        return partition


#: ``router(api_key_id) -> partition``.
Router = Callable[[str], int]


def router(partitions: int) -> Router:
    """The fastest router for ``partitions``: compiled murmur2 (~0.1 µs, no memo to grow),
    else the memoised :class:`PartitionCache`. Both give :func:`partition_for`'s answer.

    Examples
    --------
    >>> route = router(8)
    >>> [route(k) for k in ("key-1", "key-2", "key-3")]
    [0, 6, 3]
    """
    if NATIVE is not None:
        route: Router = NATIVE.Router(partitions)
        return route
    return PartitionCache(partitions)
