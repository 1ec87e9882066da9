"""Bounded memory of recent request ids, so retried or redelivered requests count once."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable
from typing import Any
from zlib import crc32

from detectors.native import NATIVE

__all__ = ["RecentIds"]


def _id_hash(api_key_id: str, request_id: str) -> int:
    # 64 bits from two differently-seeded crc32s: stable across processes (unlike hash())
    # and collision-free in practice at a few hundred thousand remembered ids.
    data = f"{api_key_id}\x1f{request_id}".encode()
    return (crc32(data) << 32) | crc32(data, 0x9E3779B9)


class _PythonIds:
    """The reference memory (``native/src/dedup.rs`` must behave exactly like it)."""

    def __init__(self, capacity: int, order: bytes = b"") -> None:
        self.capacity = capacity
        words = array("Q")
        words.frombytes(order)
        self._order: deque[int] = deque(words)
        self._members: set[int] = set(words)

    def __len__(self) -> int:
        return len(self._members)

    def seen(self, api_key_id: str, request_id: str) -> bool:
        h = _id_hash(api_key_id, request_id)
        members = self._members
        if h in members:
            return True
        members.add(h)
        self._order.append(h)
        if len(self._order) > self.capacity:
            members.discard(self._order.popleft())
        return False

    def order_bytes(self) -> bytes:
        return array("Q", self._order).tobytes()


_Impl: Callable[..., Any] = NATIVE.RecentIds if NATIVE is not None else _PythonIds


class RecentIds:
    """FIFO set of the last ``capacity`` request ids (8 bytes of hash each, plus overhead).

    The set itself is compiled where available (``detectors.native``); ``seen`` is
    its method, bound once, so the hot path pays no extra call.

    Examples
    --------
    >>> ids = RecentIds(capacity=2)
    >>> ids.seen("k", "r1"), ids.seen("k", "r1"), ids.seen("k", "r2"), ids.seen("k", "r3")
    (False, True, False, False)
    >>> ids.seen("k", "r1")  # forgotten: only the last two are kept
    False
    """

    seen: Callable[[str, str], bool]
    """Return True if this id was seen recently; otherwise remember it."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._attach(capacity, b"")

    def _attach(self, capacity: int, order: bytes) -> None:
        self.capacity = capacity
        self.ids = _Impl(capacity, order)
        self.seen = self.ids.seen

    def __len__(self) -> int:
        return len(self.ids)

    def __getstate__(self) -> dict[str, Any]:
        # Only the order travels, as packed 64-bit words: the set is rebuilt from it.
        # Pickling both as Python ints made this most of a checkpoint (~2 MB/partition).
        return {"capacity": self.capacity, "order": self.ids.order_bytes()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._attach(state["capacity"], state["order"])
