"""Bounded by design: the event clock, expiry, de-duplication, caches, one key cap.

- One far-future timestamp (2099) changes nothing but its own event's time and
  the ``early`` count: no later event is late, keys still expire.
- A key whose last event is recent cannot shield idle keys behind it from expiry.
- The request-id hash is a real 64-bit hash, the same in Python and Rust: a
  million distinct request ids are never taken for duplicates.
- User-agent memos are bounded in bytes and left out of snapshots; ``max_keys``
  is one cap for all the engines of a process.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from traffic import START, small_traffic

from detectors import dedup
from detectors.clock import EARLY, LATE, ON_TIME, EventClock
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event
from detectors.keybudget import KeyBudget
from detectors.native import NATIVE
from detectors.sharded import ShardedEngine

FAR_FUTURE = 4_070_908_800.0  # 2099-01-01


def run(engine: Engine, events: list[Event]) -> list[bytes]:
    return [alert.to_json() for event in events for alert in engine.process(event).alerts]


def test_a_far_future_event_changes_nothing_else() -> None:
    events = small_traffic()
    control = Engine()
    expected = run(control, events)
    bogus = events[len(events) // 3]._replace(api_key_id="bogus", ts=FAR_FUTURE, request_id=None)
    mixed = [*events[: len(events) // 3], bogus, *events[len(events) // 3 :]]
    engine = Engine()
    got = [alert for alert in run(engine, mixed) if b'"bogus"' not in alert]
    assert got == expected and expected
    assert engine.stats.events_early == 1
    assert engine.stats.events_late == control.stats.events_late
    assert engine.watermark == control.watermark  # the clock never saw 2099
    assert engine.key_state("bogus").last_ts < FAR_FUTURE  # type: ignore[union-attr]


def test_far_future_events_do_not_stop_expiry() -> None:
    config = EngineConfig(key_ttl_seconds=3600)
    engine = Engine(config)
    engine.process(Event(START, "first", 1, 1))
    engine.process(Event(FAR_FUTURE, "bogus", 1, 1))
    for i in range(300):
        engine.process(Event(START + i, f"idle-{i}", 1, 1))
    for i in range(5000):  # a day later, one busy key: everything idle goes
        engine.process(Event(START + 86400 + i, "busy", 1, 1))
    assert engine.stats.keys_tracked == 1  # busy; the bogus key, taken at the watermark, went too
    # 2099, and the first event a day later (a real jump: its next event confirms it)
    assert engine.stats.events_early == 2 and engine.stats.events_late == 0


def test_a_real_jump_is_confirmed_by_the_next_event() -> None:
    engine = Engine(EngineConfig(allowed_skew_seconds=3600))
    engine.process(Event(START, "k", 1, 1))
    engine.process(Event(START + 86400, "k", 1, 1))  # a day later: early, held
    assert engine.watermark == START and engine.stats.events_early == 1
    engine.process(Event(START + 86401, "k", 1, 1))  # the next confirms it
    assert engine.watermark == START + 86401 and engine.stats.events_early == 1
    assert engine.stats.events_late == 0


@given(
    st.floats(-1e12, 1e12),
    st.floats(-1e12, 1e12),
    st.none() | st.floats(-1e12, 1e12),
    st.floats(1, 1e6),
    st.floats(0, 1e6),
)
def test_the_clock_never_moves_back_nor_jumps_unconfirmed(
    watermark: float, ts: float, previous: float | None, skew: float, lateness: float
) -> None:
    new, placed, verdict = EventClock(skew, lateness).place(watermark, ts, previous)
    assert new >= watermark and placed <= new
    if verdict == EARLY:
        assert new == watermark == placed and ts > watermark + skew
    elif verdict == LATE:
        assert placed == ts < watermark - lateness
    else:
        assert verdict == ON_TIME and placed == ts


def test_expiry_does_not_depend_on_arrival_order() -> None:
    # Windows of a day never close, so the order of keys is the order they arrived:
    # "front" arrived first and stays busy; the others go idle behind it.
    engine = Engine(EngineConfig(window_seconds=86400.0, key_ttl_seconds=3600))
    engine.process(Event(START, "front", 1, 1))
    for i in range(200):
        engine.process(Event(START + 1 + i, f"idle-{i}", 1, 1))
    for i in range(9000):
        engine.process(Event(START + 300 + i, "front", 1, 1))
    assert engine.stats.keys_tracked == 1 and engine.key_state("front") is not None


@pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")
@given(st.text(max_size=200), st.text(max_size=300))
@settings(max_examples=500)
def test_the_request_id_hash_is_the_same_in_rust(key: str, request_id: str) -> None:
    assert NATIVE is not None
    assert NATIVE.request_id_hash(key, request_id) == dedup.id_hash(key, request_id)


@pytest.mark.parametrize("implementation", ["python", "native"])
def test_a_million_distinct_request_ids_are_never_duplicates(implementation: str) -> None:
    if implementation == "native" and NATIVE is None:
        pytest.skip("distillwatch_native is not built")
    impl = dedup._PythonIds if implementation == "python" else NATIVE.RecentIds  # type: ignore[union-attr]
    ids = impl(1_000_000, b"")
    # Same key, same length: the worst case of the CRC pair this replaced (7-42 lost).
    duplicates = sum(ids.seen("key-1", f"req-{i:012d}") for i in range(1_000_000))
    assert duplicates == 0


def test_user_agent_memos_are_bounded_in_bytes_and_not_snapshotted() -> None:
    engine, plain = Engine(), Engine()
    for i in range(3000):  # 30 MB of distinct 10 KB user agents
        engine.process(Event(START + i, "k", 1, 1, user_agent=f"{i}-" + "u" * 10_000))
        plain.process(Event(START + i, "k", 1, 1, user_agent="same"))
    index = engine._attributes
    assert index.text_bytes <= index.capacity_bytes
    # The 30 MB of agents stay out of checkpoints: the snapshot is the size of one
    # without them (the engine's fixed parts, its prompt memory, weigh the same).
    assert len(engine.snapshot()) - len(plain.snapshot()) < 10_000


def test_max_keys_is_one_cap_per_process() -> None:
    sharded = ShardedEngine(EngineConfig(max_keys=100, partitions=4), campaigns=False)
    for i in range(1000):
        sharded.process(Event(START + i, f"k{i}", 1, 1))
    assert sharded.stats.keys_tracked <= 101  # 100, + one while an engine holds its last key
    assert sharded.key_budget.used == sharded.stats.keys_tracked
    budget = KeyBudget(10)
    engine = Engine(EngineConfig(max_keys=10))
    engine.share_key_budget(budget)
    for i in range(5):
        engine.process(Event(START + i, f"a{i}", 1, 1))
    engine.share_key_budget(None)  # a revoked partition's keys leave the count
    assert budget.used == 0
