"""One cap on tracked keys for all the engines of a process.

``max_keys`` used to be a cap per partition engine: a worker holding eight
partitions could track eight times it (~8M keys, ~15 GB at the default). A
:class:`KeyBudget` is shared by the engines of one process (a worker's
assigned partitions, or replay's shards): each engine counts its keys against
it and, when the process is over the cap, evicts its own least recently
active key. It is process state, never snapshotted: engines re-attach after a
restore (``Engine.share_key_budget``).

Examples
--------
>>> budget = KeyBudget(limit=2)
>>> budget.take(), budget.take(), budget.take()   # True: over the cap, evict one
(False, False, True)
>>> budget.give(); budget.used
2
"""

from __future__ import annotations

__all__ = ["KeyBudget"]


class KeyBudget:
    """Keys tracked by a process's engines, against one ``limit``."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, n: int = 1) -> bool:
        """Count ``n`` new keys; whether the process is now over the cap."""
        self.used += n
        return self.used > self.limit

    def give(self, n: int = 1) -> None:
        """``n`` keys were forgotten (evicted, expired, or their engine left)."""
        self.used -= n
