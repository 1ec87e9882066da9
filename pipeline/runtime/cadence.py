"""Time-driven decisions of the streaming loops, on an injected clock: pure, no Kafka.

- :class:`CheckpointTurns`: which partitions of a worker are due for a
  checkpoint. Each is checkpointed once per interval, and they take turns
  spread over it: snapshotting all at once stalled the loop (and alerts)
  ~0.9 s per interval (benchmarks/streaming).
- :class:`IdleWatch`: which partitions the campaign stage may stop waiting
  for (caught up, and quiet for ``limit`` seconds): the pipeline's one
  wall-clock decision (docs/STREAMING.md).

Both take ``now`` from the caller's clock, so tests step time by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["CheckpointTurns", "IdleWatch"]


class CheckpointTurns:
    """Partitions due for a checkpoint at ``now``: turns spread over ``interval``.

    Examples
    --------
    >>> turns = CheckpointTurns(interval=8.0, now=0.0)
    >>> turns.due([0, 1, 2, 3], now=1.0)   # a quarter of the interval: nobody yet
    ([], False)
    >>> turns.due([0, 1, 2, 3], now=2.0)   # one turn: the first partition
    ([0], False)
    >>> turns.checkpointed(now=2.0)
    >>> turns.due([0, 1, 2, 3], now=6.0)   # two turns late: the next two
    ([1, 2], False)
    >>> turns.checkpointed(now=6.0)
    >>> turns.due([0, 1, 2, 3], now=8.0)   # the last one completes the round
    ([3], True)
    """

    def __init__(self, interval: float, now: float) -> None:
        self.interval = interval
        self.last = now
        self.cursor = -1  # the partition checkpointed last

    def due(self, partitions: Iterable[int], now: float) -> tuple[list[int], bool]:
        """``(partitions to checkpoint now, whether that completes a round)``.

        Call :meth:`checkpointed` once they are written.
        """
        order = sorted(partitions)
        turn = self.interval / max(1, len(order))
        turns = int((now - self.last) / turn)
        if not turns:
            return [], False
        later = [p for p in order if p > self.cursor]
        due = (later + order)[: min(turns, len(order))]
        self.cursor = due[-1] if due else -1
        return due, not order or order[-1] in due

    def checkpointed(self, now: float) -> None:
        """Some checkpoint was written at ``now`` (a turn, a revocation or a forced one)."""
        self.last = now


class IdleWatch:
    """Partitions that are caught up and whose watermark stood still for ``limit`` seconds.

    A partition nobody has reported yet is never idle: it is waited for.

    Examples
    --------
    >>> watch = IdleWatch(limit=60.0, now=0.0)
    >>> watch.heard(0, moved=True, caught_up=True, now=10.0)
    >>> watch.heard(1, moved=False, caught_up=False, now=10.0)
    >>> watch.idle(range(3), now=69.0)    # nobody quiet for 60 s yet
    []
    >>> watch.idle(range(3), now=70.0)    # 0 is; 1 is not caught up; 2 never reported
    [0]
    """

    def __init__(self, limit: float, now: float) -> None:
        self.limit = limit
        self.since = now
        self._moved: dict[int, float] = {}
        self._caught_up: dict[int, bool] = {}

    def reset(self, now: float) -> None:
        """Forget everything (the stage was just assigned): every partition starts now."""
        self.since = now
        self._moved.clear()
        self._caught_up.clear()

    def heard(self, partition: int, moved: bool, caught_up: bool, now: float) -> None:
        """A record from ``partition``: did its watermark move, was its worker caught up."""
        if moved:
            self._moved[partition] = now
        self._caught_up[partition] = caught_up

    def idle(self, partitions: Iterable[int], now: float) -> list[int]:
        """Of ``partitions``, those caught up and quiet for at least ``limit`` seconds."""
        return [
            p
            for p in partitions
            if self._caught_up.get(p, False) and now - self._moved.get(p, self.since) >= self.limit
        ]
