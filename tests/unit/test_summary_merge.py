"""SummaryMerger: one release order whatever the arrival order, duplicates dropped, restorable."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import EngineConfig
from detectors.events import Event
from detectors.sharded import ShardedEngine
from detectors.summaries import KeySummary
from detectors.summary_merge import SummaryMerger
from tests.unit.test_campaigns import WIRING, swarm_events


def summary(key: str, ts: float) -> KeySummary:
    return KeySummary(key, None, ts, 0.0)


Stream = list[tuple[float, KeySummary | None]]


def partition_streams(rng: random.Random, partitions: int, length: int) -> list[Stream]:
    """Per partition: (watermark, summary or None for a bare heartbeat), watermarks rising."""
    streams: list[Stream] = []
    for p in range(partitions):
        wm = rng.uniform(0, 50)
        stream: Stream = []
        for i in range(length):
            wm += rng.choice([0.0, rng.uniform(0, 30)])
            item = summary(f"p{p}-{i}", wm) if rng.random() < 0.6 else None
            stream.append((wm, item))
        streams.append(stream)
    return streams


def feed(merger: SummaryMerger, streams: list[Stream], order: list[int]) -> list[str]:
    """Feed items partition by partition in ``order`` (a sequence of partition picks)."""
    positions = [0] * len(streams)
    seqs = [0] * len(streams)
    out: list[str] = []
    for p in order:
        if positions[p] >= len(streams[p]):
            continue
        wm, item = streams[p][positions[p]]
        positions[p] += 1
        if item is None:
            merger.advance(p, wm)
        else:
            merger.offer(p, seqs[p], wm, item)
            seqs[p] += 1
        out.extend(s.api_key_id for s in merger.release())
    out.extend(s.api_key_id for s in merger.flush())
    return out


def expected_order(streams: list[Stream]) -> list[str]:
    tagged = []
    for p, stream in enumerate(streams):
        seq = 0
        for wm, item in stream:
            if item is not None:
                tagged.append((wm, p, seq, item.api_key_id))
                seq += 1
    return [key for *_, key in sorted(tagged)]


def interleaving(rng: random.Random, streams: list[Stream]) -> list[int]:
    order = [p for p, stream in enumerate(streams) for _ in stream]
    rng.shuffle(order)
    return order


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5))
def test_release_order_is_the_tag_order_for_any_interleaving(seed: int, partitions: int) -> None:
    rng = random.Random(seed)
    streams = partition_streams(rng, partitions, 25)
    want = expected_order(streams)
    for _ in range(3):
        merger = SummaryMerger(partitions)
        assert feed(merger, streams, interleaving(rng, streams)) == want
        assert merger.stats.late == 0 and merger.stats.duplicates == 0


def test_nothing_is_released_while_a_partition_has_not_started() -> None:
    merger = SummaryMerger(3)
    merger.offer(0, 0, 5.0, summary("a", 5.0))
    merger.advance(1, 100.0)
    assert merger.release() == []
    merger.advance(2, 6.0)
    merger.advance(0, 7.0)
    assert [s.api_key_id for s in merger.release()] == ["a"]


def test_duplicates_are_dropped_and_gaps_counted() -> None:
    merger = SummaryMerger(1)
    assert merger.offer(0, 0, 1.0, summary("a", 1.0))
    assert merger.offer(0, 1, 2.0, summary("b", 2.0))
    assert not merger.offer(0, 0, 1.0, summary("a", 1.0))
    assert not merger.offer(0, 1, 2.0, summary("b", 2.0))
    assert merger.offer(0, 5, 3.0, summary("c", 3.0))
    assert (merger.stats.duplicates, merger.stats.gaps, merger.next_seq(0)) == (2, 1, 6)
    assert [s.api_key_id for s in merger.flush()] == ["a", "b", "c"]


def test_an_idle_partition_stops_blocking_and_rejoins_when_it_moves() -> None:
    merger = SummaryMerger(2)
    merger.offer(0, 0, 10.0, summary("a", 10.0))
    merger.advance(0, 20.0)
    assert merger.release() == []  # partition 1 never moved
    merger.set_idle(1)
    assert [s.api_key_id for s in merger.release()] == ["a"]
    assert merger.idle == frozenset({1})
    merger.offer(1, 0, 5.0, summary("late", 5.0))  # below what was released: late
    assert merger.idle == frozenset()
    assert merger.stats.late == 1
    merger.advance(1, 30.0)
    assert [s.api_key_id for s in merger.release()] == ["late"]


def test_snapshot_restore_continues_identically() -> None:
    rng = random.Random(7)
    streams = partition_streams(rng, 3, 30)
    order = interleaving(rng, streams)
    whole = feed(SummaryMerger(3), streams, order)

    # Stop halfway, snapshot, restore, and replay the second half on the copy.
    half = len(order) // 2
    merger = SummaryMerger(3)
    positions = [0] * 3
    seqs = [0] * 3
    out: list[str] = []
    for p in order[:half]:
        wm, item = streams[p][positions[p]]
        positions[p] += 1
        if item is None:
            merger.advance(p, wm)
        else:
            merger.offer(p, seqs[p], wm, item)
            seqs[p] += 1
        out.extend(s.api_key_id for s in merger.release())
    restored = SummaryMerger.restore(merger.snapshot())
    assert restored.pending == merger.pending
    rest = [(p, streams[p][i]) for p in range(3) for i in range(positions[p], len(streams[p]))]
    for p, (wm, item) in sorted(rest, key=lambda x: (x[1][0], x[0])):
        if item is None:
            restored.advance(p, wm)
        else:
            restored.offer(p, seqs[p], wm, item)
            seqs[p] += 1
        out.extend(s.api_key_id for s in restored.release())
    out.extend(s.api_key_id for s in restored.flush())
    assert out == whole


def test_sharded_campaign_alerts_do_not_depend_on_the_file_interleaving() -> None:
    """Same per-partition event order, different global interleaving: same campaign alerts."""
    events = swarm_events(12, 8)
    config = EngineConfig(partitions=4)

    def campaign_alerts(ordered: list[Event]) -> list[bytes]:
        sharded = ShardedEngine(config, WIRING)
        alerts = [a for e in ordered for a in sharded.process(e).alerts]
        alerts.extend(sharded.finish())
        return sorted(a.to_json() for a in alerts if a.detector == "campaign")

    baseline = campaign_alerts(events)
    assert baseline, "the swarm must raise campaign alerts, or the comparison proves nothing"
    # Interleave partitions differently while keeping each partition's own order.
    sharded = ShardedEngine(config, WIRING)
    by_partition: dict[int, list[Event]] = {}
    for e in events:
        by_partition.setdefault(sharded.partition_of(e.api_key_id), []).append(e)
    rng = random.Random(3)
    queues = [list(reversed(q)) for q in by_partition.values()]
    shuffled = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        for _ in range(rng.randint(1, 40)):
            if queue:
                shuffled.append(queue.pop())
    assert shuffled != events
    assert campaign_alerts(shuffled) == baseline
