"""Bounded memory of recent request ids, so retried or redelivered requests count once."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable
from hashlib import blake2b
from typing import Any

from detectors.native import NATIVE

__all__ = ["RecentIds", "id_hash"]


def id_hash(api_key_id: str, request_id: str) -> int:
    """64-bit BLAKE2b of ``key \x1f request id``, little-endian (``native/src/dedup.rs``).

    Stable across processes (unlike ``hash()``) and a real 64-bit hash: at the default
    200,000 remembered ids, a new id collides with probability ~1e-14. (Two seeded
    CRC-32s, used before, differ by a function of the length only: 32 bits, and a
    million distinct requests lost 7-42 as "duplicates".)

    >>> id_hash("k", "r1") == int.from_bytes(blake2b(b"k\x1fr1", digest_size=8).digest(), "little")
    True
    """
    data = f"{api_key_id}\x1f{request_id}".encode()
    return int.from_bytes(blake2b(data, digest_size=8).digest(), "little")


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
        h = id_hash(api_key_id, request_id)
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
