"""Engine behaviour: detection on a small fixture, determinism, snapshot/restore, bounds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from traffic import START, small_traffic

from detectors.alerts import Alert
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event
from detectors.partitioning import partition_for
from detectors.sharded import ShardedEngine


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return small_traffic()


def run(engine: Engine | ShardedEngine, events: list[Event]) -> list[bytes]:
    return [alert.to_json() for alert in alerts_of(engine, events)]


def alerts_of(engine: Engine | ShardedEngine, events: list[Event]) -> list[Alert]:
    return [alert for event in events for alert in engine.process(event).alerts]


def test_harvester_is_critical_and_hard_negatives_are_quiet(events: list[Event]) -> None:
    alerts = alerts_of(Engine(), events)
    keys = {(a.api_key_id, a.severity) for a in alerts}
    assert ("harvester-1", "critical") in keys
    assert {a.api_key_id for a in alerts} == {"harvester-1"}


def test_alert_shape_follows_the_contract(events: list[Event]) -> None:
    alert = alerts_of(Engine(), events)[0]
    d = alert.to_dict()
    assert list(d)[:8] == [
        "alert_id",
        "api_key_id",
        "account_id",
        "ts",
        "severity",
        "score",
        "detector",
        "reasons",
    ]
    assert 0.0 <= d["score"] <= 1.0 and d["severity"] in ("warning", "critical")
    assert d["ts"].endswith("Z") and d["account_id"] == "acct-harvester-1"
    assert d["reasons"] and set(d["reasons"][0]) == {"feature", "value", "baseline"}


def test_one_alert_per_episode_and_severity(events: list[Event]) -> None:
    alerts = alerts_of(Engine(), events)
    pairs = [(a.api_key_id, a.severity) for a in alerts]
    assert len(pairs) == len(set(pairs))  # a key that stays anomalous is not re-alerted
    assert len({a.alert_id for a in alerts}) == len(alerts)


def test_same_input_same_alerts(events: list[Event]) -> None:
    assert run(Engine(), events) == run(Engine(), events)


def test_snapshot_restore_continues_identically(events: list[Event]) -> None:
    cut = len(events) // 2
    straight = run(Engine(), events)
    first = Engine()
    before = run(first, events[:cut])
    restored = Engine.restore(first.snapshot(), first.config)
    after = run(restored, events[cut:])
    assert before + after == straight
    assert restored.stats.events_valid == len(events)


def test_restore_rejects_unknown_version() -> None:
    from detectors import statecodec

    with pytest.raises(ValueError, match="format 99 is not supported"):
        Engine.restore(statecodec.encode({}, "engine", 99))


def test_sharded_engine_equals_one_engine_per_partition(events: list[Event]) -> None:
    config = EngineConfig(partitions=3)
    sharded = ShardedEngine(config)
    by_partition = [Engine(config) for _ in range(3)]
    expected: list[Alert] = []
    for event in events:
        expected += by_partition[partition_for(event.api_key_id, 3)].process(event).alerts
    assert [a.to_json() for a in expected] == run(sharded, events)


def test_duplicates_count_once(events: list[Event]) -> None:
    engine = Engine()
    for event in events[:100]:
        engine.process(event)
        engine.process(event)
    assert engine.stats.events_valid == 100 and engine.stats.events_duplicate == 100


def test_late_events_are_counted_and_used() -> None:
    engine = Engine(EngineConfig(allowed_lateness_seconds=60))
    engine.process(Event(START + 1000, "k", 1, 1))
    engine.process(Event(START + 10, "k", 1, 1))
    assert engine.stats.events_late == 1 and engine.stats.events_valid == 2


def test_idle_keys_expire_and_key_count_is_capped() -> None:
    engine = Engine(EngineConfig(key_ttl_seconds=3600, max_keys=500))
    for i in range(600):
        engine.process(Event(START + i, f"k{i}", 1, 1))
    assert engine.stats.keys_tracked == 500  # the cap evicts the least recently active
    for i in range(5000):
        engine.process(Event(START + 10 * 3600 + i, "busy", 1, 1))
    assert engine.stats.keys_tracked == 1 and engine.stats.keys_expired >= 600


def test_metadata_only_traffic_still_detects(events: list[Event]) -> None:
    stripped = [e._replace(prompt_text=None) for e in events]
    alerts = alerts_of(Engine(), stripped)
    assert "harvester-1" in {a.api_key_id for a in alerts}
    assert {a.api_key_id for a in alerts} <= {"harvester-1"}


def test_top_keys_and_scores_for_metrics(events: list[Event]) -> None:
    engine = Engine()
    scored = [s for event in events for s in engine.process(event).scores]
    assert engine.top_keys(3)[0][0] == "harvester-1"
    assert scored and all(0.0 <= s.score <= 1.0 for s in scored)
    assert engine.stats.windows_scored == len(scored)  # every scoring is emitted, once


def test_process_is_a_pure_step_that_returns_what_it_emits(events: list[Event]) -> None:
    engine = Engine()
    engine.enable_summaries()
    outputs = [engine.process(event) for event in events]
    quiet = [o for o in outputs if not o]
    assert quiet and all(o is outputs[0] or not o for o in quiet)  # the shared NOTHING
    busy = [o for o in outputs if o]
    # Every scoring emits its score and the key's summary together; alerts ride along.
    assert all(len(o.scores) == len(o.summaries) >= 1 for o in busy)
    assert any(o.alerts for o in busy)
    assert {s.api_key_id for o in busy for s in o.summaries} == {
        s.api_key_id for o in busy for s in o.scores
    }
