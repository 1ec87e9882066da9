"""PipelineMetrics against a real Engine and a real HTTP scrape (no mocks)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from detectors.alerts import Alert
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event, Rejection, decode_value
from pipeline.metrics.pipeline_metrics import PipelineMetrics
from pipeline.metrics.serving import serve, write_snapshot
from pipeline.metrics.topk import OTHER, key_label

from .traffic import FAST_CONFIG, events, records

T0 = 1_791_158_400.0


def _alert(
    key: str, severity: str = "warning", detector: str = "ens", campaign: str | None = None
) -> Alert:
    return Alert(
        alert_id=f"a-{key}-{severity}",
        api_key_id=key,
        account_id=None,
        ts="2026-10-05T00:00:00Z",
        severity=severity,
        score=0.9,
        detector=detector,
        reasons=(),
        campaign_id=campaign,
    )


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_outcomes_exist_at_zero_before_any_event(registry: CollectorRegistry) -> None:
    PipelineMetrics(registry)
    for outcome in ("valid", "rejected", "duplicate", "late"):
        assert value(registry, "distillwatch_events_total", outcome=outcome) == 0.0
    assert value(registry, "distillwatch_events_rejected_total", reason="missing_field") == 0.0
    build = [s for s in registry.collect() if s.name == "distillwatch_build"]
    assert build[0].samples[0].labels["component"] == "worker"


def test_rejections_count_by_reason(registry: CollectorRegistry) -> None:
    metrics = PipelineMetrics(registry)
    metrics.count_rejections(["missing_field", "invalid_json", "missing_field"])
    assert value(registry, "distillwatch_events_total", outcome="rejected") == 3.0
    assert value(registry, "distillwatch_events_rejected_total", reason="missing_field") == 2.0
    assert value(registry, "distillwatch_events_rejected_total", reason="invalid_json") == 1.0


def test_engine_totals_become_increments_once(
    registry: CollectorRegistry,
) -> None:
    metrics = PipelineMetrics.for_config(registry, EngineConfig(max_keys=100))
    engine = Engine(EngineConfig(max_keys=100))
    for i in range(10):
        engine.process(Event(T0 + i, f"k{i % 3}", 10, 10, request_id=f"r{i}"))
    engine.process(Event(T0 + 11, "k0", 10, 10, request_id="r1"))  # a retried duplicate
    metrics.observe_engine(engine, partition=0)
    # The first read of an engine is its baseline: what it counted before is not ours.
    assert value(registry, "distillwatch_events_total", outcome="valid") == 0.0
    for i in range(10, 15):
        engine.process(Event(T0 + 20 + i, "k1", 10, 10, request_id=f"r{i}"))
    engine.process(Event(T0 + 40, "k1", 10, 10, request_id="r12"))
    metrics.observe_engine(engine, partition=0)
    metrics.observe_engine(engine, partition=0)  # reading twice adds nothing
    assert value(registry, "distillwatch_events_total", outcome="valid") == 5.0
    assert value(registry, "distillwatch_events_total", outcome="duplicate") == 1.0
    assert value(registry, "distillwatch_keys_tracked") == 3.0
    assert value(registry, "distillwatch_keys_limit") == 100.0
    assert value(registry, "distillwatch_partitions_assigned") == 1.0
    assert value(registry, "distillwatch_state_bytes") == float(engine.stats.state_bytes) > 0
    # A restored engine for the same partition starts a new baseline.
    restored = Engine.restore(engine.snapshot(), EngineConfig(max_keys=100))
    metrics.observe_engine(restored, partition=0)
    assert value(registry, "distillwatch_events_total", outcome="valid") == 5.0


def test_partitions_sum_and_forget(registry: CollectorRegistry) -> None:
    metrics = PipelineMetrics.for_config(registry, EngineConfig(max_keys=50))
    engines = {0: Engine(EngineConfig(max_keys=50)), 3: Engine(EngineConfig(max_keys=50))}
    engines[0].process(Event(T0, "a", 1, 1))
    engines[3].process(Event(T0, "b", 1, 1))
    engines[3].process(Event(T0, "c", 1, 1))
    metrics.observe_engines(engines)
    metrics.set_lag(0, 7)
    metrics.set_lag(3, -2)  # a stale end offset never shows negative lag
    assert value(registry, "distillwatch_keys_tracked") == 3.0
    assert value(registry, "distillwatch_keys_limit") == 50.0  # one cap per process
    assert value(registry, "distillwatch_consumer_lag_records", partition="3") == 0.0
    assert value(registry, "distillwatch_engine_warmup_ratio", partition="3") == 0.0
    metrics.forget_partition(3)
    assert value(registry, "distillwatch_keys_tracked") == 1.0
    assert value(registry, "distillwatch_consumer_lag_records", partition="3") is None
    assert value(registry, "distillwatch_engine_warmup_ratio", partition="3") is None
    assert value(registry, "distillwatch_consumer_lag_records", partition="0") == 7.0


def test_alerts_by_severity_detector_and_campaigns(registry: CollectorRegistry) -> None:
    metrics = PipelineMetrics(registry)
    metrics.record_alerts(
        [
            _alert("k1"),
            _alert("k2", "critical", campaign="c-1"),
            _alert("k3", "critical", campaign="c-1"),
            _alert("k4", "warning", "rules", campaign="c-2"),
        ]
    )
    assert value(registry, "distillwatch_alerts_total", severity="warning", detector="ens") == 1.0
    assert value(registry, "distillwatch_alerts_total", severity="critical", detector="ens") == 2.0
    # Both severities exist from a detector's first alert on.
    assert value(registry, "distillwatch_alerts_total", severity="critical", detector="rules") == 0
    assert value(registry, "distillwatch_campaign_alerts_total", severity="critical") == 2.0
    assert value(registry, "distillwatch_campaigns_detected_total") == 2.0
    metrics.record_alerts([_alert("k5", "critical", campaign="c-1")])
    assert value(registry, "distillwatch_campaigns_detected_total") == 2.0


def test_free_form_labels_are_capped(registry: CollectorRegistry) -> None:
    metrics = PipelineMetrics(registry)
    metrics.record_alerts(_alert(f"k{i}", detector=f"det-{i}") for i in range(100))
    metrics.count_rejections(f"reason-{i}" for i in range(100))
    detectors = {
        s.labels["detector"]
        for f in registry.collect()
        if f.name == "distillwatch_alerts"
        for s in f.samples
    }
    assert OTHER in detectors and len(detectors) <= 17
    assert (value(registry, "distillwatch_events_rejected_total", reason=OTHER) or 0) > 0


def test_top_keys_from_a_real_engine_are_hashed(registry: CollectorRegistry) -> None:
    engine = Engine(FAST_CONFIG)
    metrics = PipelineMetrics.for_config(registry, FAST_CONFIG, top_k=3)
    scores: list[float] = []
    for record in records(events(seed=7), 500):
        for item in decode_value(record):
            if not isinstance(item, Rejection):
                emitted = engine.process(item)
                metrics.record_alerts(emitted.alerts)
                scores.extend(s.score for s in emitted.scores)
    metrics.observe_engine(engine, 0, scores)
    top = engine.top_keys(3)
    assert top, "the harvesting keys should be anomalous"
    text = generate_latest(registry).decode()
    for key, score in top:
        assert value(registry, "distillwatch_top_key_score", key=key_label(key)) == score
        assert key not in text  # never a key id in the exposition
    rank_families = [f for f in registry.collect() if f.name == "distillwatch_top_key_rank"]
    ranks = sorted(s.value for f in rank_families for s in f.samples)
    assert ranks == [float(r) for r in range(1, len(top) + 1)]
    assert value(registry, "distillwatch_score_count") == engine.stats.windows_scored
    assert value(registry, "distillwatch_engine_warmup_ratio", partition="0") == 1.0


def test_serve_on_loopback_and_snapshot(registry: CollectorRegistry, tmp_path: Path) -> None:
    metrics = PipelineMetrics(registry)
    metrics.observe_batch(size=42, seconds=0.01, max_event_ts=T0 + 5)
    metrics.observe_batch(size=8, seconds=0.02, max_event_ts=T0)  # older batch: gauge keeps max
    server = serve(registry, port=0)
    try:
        assert server.server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as resp:
            body = resp.read().decode()
    finally:
        server.close()
    families = {f.name: f for f in text_string_to_metric_families(body)}
    assert families["distillwatch_event_time_seconds"].samples[0].value == T0 + 5
    size_samples = families["distillwatch_batch_size_events"].samples
    size = [s for s in size_samples if s.name.endswith("_sum")]
    assert size[0].value == 50.0
    path = write_snapshot(registry, tmp_path / "out" / "metrics.prom")
    snap = {f.name for f in text_string_to_metric_families(path.read_text())}
    assert {"distillwatch_events", "distillwatch_batch_seconds"} <= snap
    assert not list(path.parent.glob(".metrics-*"))  # the temporary file was renamed away
