"""Bounded memory of recent request ids, so retried or redelivered requests count once."""

from __future__ import annotations

from array import array
from collections import deque
from typing import Any
from zlib import crc32

__all__ = ["RecentIds"]


def _id_hash(api_key_id: str, request_id: str) -> int:
    # 64 bits from two differently-seeded crc32s: stable across processes (unlike hash())
    # and collision-free in practice at a few hundred thousand remembered ids.
    data = f"{api_key_id}\x1f{request_id}".encode()
    return (crc32(data) << 32) | crc32(data, 0x9E3779B9)


class RecentIds:
    """FIFO set of the last ``capacity`` request ids (8 bytes of hash each, plus overhead).

    Examples
    --------
    >>> ids = RecentIds(capacity=2)
    >>> ids.seen("k", "r1"), ids.seen("k", "r1"), ids.seen("k", "r2"), ids.seen("k", "r3")
    (False, True, False, False)
    >>> ids.seen("k", "r1")  # forgotten: only the last two are kept
    False
    """

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._order: deque[int] = deque()
        self._members: set[int] = set()

    def __len__(self) -> int:
        return len(self._members)

    def seen(self, api_key_id: str, request_id: str) -> bool:
        """Return True if this id was seen recently; otherwise remember it."""
        h = _id_hash(api_key_id, request_id)
        members = self._members
        if h in members:
            return True
        members.add(h)
        self._order.append(h)
        if len(self._order) > self.capacity:
            members.discard(self._order.popleft())
        return False

    def __getstate__(self) -> dict[str, Any]:
        # Only the order travels, as packed 64-bit words: the set is rebuilt from it.
        # Pickling both as Python ints made this most of a checkpoint (~2 MB/partition).
        return {"capacity": self.capacity, "order": array("Q", self._order).tobytes()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        order = array("Q")
        order.frombytes(state["order"])
        self.capacity = state["capacity"]
        self._order = deque(order)
        self._members = set(order)
