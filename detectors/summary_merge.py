"""One canonical order for the summaries of many partitions: what the campaign stage sees.

Each partition's engine emits :class:`~detectors.summaries.KeySummary` records in
its own event order, which is the same in replay (one process) and in streaming
workers (one engine per Kafka partition). What differs is how the partitions
interleave: replay follows the input file, workers follow the network. The
campaign stage is order-sensitive, so it must not see either interleaving.

:class:`SummaryMerger` restores one interleaving that depends on the summaries
alone. Every summary is tagged ``(watermark, partition, seq)``: ``watermark`` is
its partition engine's largest event time when the summary was emitted,
``seq`` the partition's running summary count. A partition's watermark never goes
down, so once every partition's watermark is at least ``w``, no summary tagged
below ``w`` can still arrive: the merger releases buffered summaries below the
smallest watermark, in tag order. The released sequence is therefore the global
tag order, whatever the arrival order or timing, and replay and workers feed
the campaign stage identically.

Three escapes from the rule, all explicit:

- :meth:`SummaryMerger.flush` releases everything (end of input);
- :meth:`SummaryMerger.set_idle` leaves a partition out of the minimum (a
  streaming driver's choice for a partition that stopped moving); it rejoins as
  soon as its watermark moves;
- a summary tagged below what was already released (only possible after one of
  the two above) is *late*: it is released at the next call, counted, not dropped.

Duplicates (a restarted worker re-emitting summaries after its checkpoint) are
recognised by ``seq`` and dropped. Pure: no clock, no I/O.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from detectors import statecodec
from detectors.summaries import KeySummary

__all__ = ["MergeStats", "SummaryMerger"]

# 2: detectors/statecodec.py instead of pickle (nothing read can execute).
SNAPSHOT_VERSION = 2


@dataclass
class MergeStats:
    """Counters a driver may export."""

    offered: int = 0
    released: int = 0
    duplicates: int = 0
    #: summaries whose seq skipped ahead (a predecessor's output went missing)
    gaps: int = 0
    #: summaries tagged below the already released frontier (after a flush or idle release)
    late: int = 0


class SummaryMerger:
    """Buffer tagged summaries of ``partitions`` partitions; release them in tag order.

    Parameters
    ----------
    partitions
        Number of partitions whose watermarks gate the release.

    Examples
    --------
    Partition 1 is behind, so nothing is released; once it moves past 10, its
    summary is; partition 0's waits until partition 0 itself has moved past 20
    (it could still emit another summary at 20):

    >>> from detectors.summaries import KeySummary
    >>> def s(key: str, ts: float) -> KeySummary:
    ...     return KeySummary(key, None, ts, 0.0)
    >>> merger = SummaryMerger(2)
    >>> merger.offer(0, 0, 20.0, s("a", 20.0)), merger.offer(1, 0, 10.0, s("b", 10.0))
    (True, True)
    >>> [x.api_key_id for x in merger.release()]
    []
    >>> merger.advance(1, 25.0)
    >>> [x.api_key_id for x in merger.release()]
    ['b']
    >>> merger.offer(0, 1, 30.0, s("c", 30.0)), [x.api_key_id for x in merger.release()]
    (True, ['a'])

    A re-emitted summary (same partition, same seq) is dropped; the end of input
    releases the rest:

    >>> merger.offer(1, 0, 10.0, s("b", 10.0)), merger.stats.duplicates
    (False, 1)
    >>> [x.api_key_id for x in merger.flush()]
    ['c']
    """

    def __init__(self, partitions: int) -> None:
        if partitions < 1:
            raise ValueError("partitions must be >= 1")
        self.partitions = partitions
        self._watermarks = [-math.inf] * partitions
        self._next_seq = [0] * partitions
        self._idle: set[int] = set()
        self._heap: list[tuple[float, int, int, KeySummary]] = []
        self._limit = -math.inf  # min watermark over the partitions that are not idle
        self._frontier = -math.inf  # largest watermark released so far
        self.stats = MergeStats()

    # -- input ------------------------------------------------------------------------

    def offer(self, partition: int, seq: int, watermark: float, summary: KeySummary) -> bool:
        """Buffer one tagged summary; ``False`` when it is a duplicate (already seen seq).

        ``watermark`` also advances the partition's watermark (see :meth:`advance`).
        """
        if seq < self._next_seq[partition]:
            self.stats.duplicates += 1
            return False
        if seq > self._next_seq[partition]:
            self.stats.gaps += 1
        self._next_seq[partition] = seq + 1
        self.stats.offered += 1
        if watermark < self._frontier:
            self.stats.late += 1
        heapq.heappush(self._heap, (watermark, partition, seq, summary))
        self.advance(partition, watermark)
        return True

    def advance(self, partition: int, watermark: float) -> None:
        """Raise a partition's watermark (a heartbeat); lower values are ignored.

        A partition marked idle that moves rejoins the minimum.
        """
        old = self._watermarks[partition]
        if watermark <= old:
            return
        self._watermarks[partition] = watermark
        if partition in self._idle:
            self._idle.discard(partition)
            self._limit = self._min_watermark()
        elif old <= self._limit:  # it was (one of) the slowest: the minimum may move
            self._limit = self._min_watermark()

    def set_idle(self, partition: int, idle: bool = True) -> None:
        """Leave a partition out of the release minimum (or put it back)."""
        if idle:
            self._idle.add(partition)
        else:
            self._idle.discard(partition)
        self._limit = self._min_watermark()

    def _min_watermark(self) -> float:
        idle = self._idle
        if not idle:  # the usual case, and a heartbeat's: no list to build
            return min(self._watermarks)
        active = [w for p, w in enumerate(self._watermarks) if p not in idle]
        return min(active) if active else math.inf

    # -- output -----------------------------------------------------------------------

    def release(self) -> list[KeySummary]:
        """Summaries no partition can precede any more, in ``(watermark, partition, seq)`` order."""
        heap = self._heap
        if not heap or heap[0][0] >= self._limit:
            return []
        limit = self._limit
        out: list[KeySummary] = []
        while heap and heap[0][0] < limit:
            watermark, _, _, summary = heapq.heappop(heap)
            if watermark > self._frontier:
                self._frontier = watermark
            out.append(summary)
        self.stats.released += len(out)
        return out

    def flush(self) -> list[KeySummary]:
        """Release everything buffered, in tag order (end of input)."""
        heap = self._heap
        out: list[KeySummary] = []
        while heap:
            watermark, _, _, summary = heapq.heappop(heap)
            if watermark > self._frontier:
                self._frontier = watermark
            out.append(summary)
        self.stats.released += len(out)
        return out

    # -- read-outs --------------------------------------------------------------------

    @property
    def buffer(self) -> list[tuple[float, int, int, KeySummary]]:
        """The held summaries themselves (a heap; read, never modify): a driver checking
        per event whether anything is held tests this list instead of calling."""
        return self._heap

    @property
    def pending(self) -> int:
        """Summaries buffered, not yet released."""
        return len(self._heap)

    @property
    def idle(self) -> frozenset[int]:
        """Partitions currently left out of the release minimum."""
        return frozenset(self._idle)

    def watermark(self, partition: int) -> float:
        """The partition's watermark (``-inf`` before its first event)."""
        return self._watermarks[partition]

    def next_seq(self, partition: int) -> int:
        """The seq the partition's next new summary will carry."""
        return self._next_seq[partition]

    # -- persistence ------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """All state as bytes (:mod:`detectors.statecodec`: data only, never executed)."""
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        return statecodec.encode(self.__dict__, "merger", SNAPSHOT_VERSION)

    @classmethod
    def restore(cls, blob: bytes) -> SummaryMerger:
        """Rebuild a merger from :meth:`snapshot` output (``StateError`` when refused)."""
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        state = statecodec.decode(blob, "merger", SNAPSHOT_VERSION)
        if type(state) is not dict or any(type(k) is not str for k in state):
            raise statecodec.StateError("merger snapshot: not a merger's state")
        merger = cls.__new__(cls)
        merger.__dict__.update(state)
        return merger
