"""A flood of 1,000,000 distinct keys leaves the /metrics series count under a fixed bound.

The bound (docs/METRICS.md): at most 300 + 2 x partitions series for a worker with top_k = 10.
Every family is counted as Prometheus would store it (each exposed sample line is one series).
"""

from __future__ import annotations

import urllib.request

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from detectors.alerts import Alert
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event
from pipeline.metrics.pipeline_metrics import PipelineMetrics
from pipeline.metrics.serving import serve

PARTITIONS = 8
BOUND = 300 + 2 * PARTITIONS
FLOOD = 1_000_000
BATCH = 10_000


class FloodEngine:
    """An engine stand-in whose hot keys change every batch.

    A real Engine holding 1e6 keys needs ~2.7 GB (2.7 kB per key measured), too much for a
    unit test on a shared machine; the metrics only read ``stats`` and ``top_keys`` (and
    the scores the worker hands them), so this supplies those for a million distinct
    keys. The real Engine is
    flooded too, below, with its key cap doing the bounding.
    """

    def __init__(self) -> None:
        self.stats = Engine().stats
        self.batch = 0

    def top_keys(self, k: int) -> list[tuple[str, float]]:
        base = self.batch * BATCH
        return [(f"flood-key-{base + i}", 1.0 - i / 1000) for i in range(k)]


def _series(port: int) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        body = resp.read().decode()
    return sum(len(f.samples) for f in text_string_to_metric_families(body)), body


def _alert(i: int) -> Alert:
    return Alert(
        alert_id=f"a{i}",
        api_key_id=f"flood-key-{i}",
        account_id=f"acct-{i}",
        ts="2026-10-05T00:00:00Z",
        severity=("warning", "critical", f"sev-{i}")[i % 3],
        score=0.9,
        detector=f"detector-{i % 1000}",
        reasons=(),
        campaign_id=f"campaign-{i}",
    )


def test_million_distinct_keys_keep_series_bounded() -> None:
    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, keys_limit=1_000_000, population_warmup=300)
    server = serve(registry, port=0)
    try:
        before, _ = _series(server.port)
        engine = FloodEngine()
        for batch in range(FLOOD // BATCH):
            engine.batch = batch
            base = batch * BATCH
            alerts = [_alert(base + i) for i in range(0, BATCH, 10)]
            metrics.record_alerts(alerts)
            metrics.count_rejections(f"reason-{(base + i) % 5000}" for i in range(0, BATCH, 50))
            scores = [(i % 100) / 100 for i in range(BATCH)]
            metrics.observe_engine(engine, partition=batch % PARTITIONS, scores=scores)
            metrics.set_lag(batch % PARTITIONS, base)
            metrics.observe_batch(BATCH, 0.01, 1_791_158_400.0 + batch)
        after, body = _series(server.port)
    finally:
        server.close()
    assert before < after <= BOUND, (before, after)
    assert "flood-key-" not in body and "acct-" not in body and "campaign-" not in body
    assert registry.get_sample_value("distillwatch_campaigns_detected_total") == FLOOD / 10


def test_real_engine_flood_is_bounded_too() -> None:
    config = EngineConfig(max_keys=2_000, partitions=1)
    engine = Engine(config)
    registry = CollectorRegistry()
    metrics = PipelineMetrics.for_config(registry, config)
    for i in range(30_000):
        engine.process(Event(1_791_158_400.0 + i * 0.01, f"key-{i}", 10, 500))
        if i % 1000 == 999:
            metrics.observe_engine(engine)
    assert engine.stats.keys_tracked <= 2_000
    server = serve(registry, port=0)
    try:
        count, body = _series(server.port)
    finally:
        server.close()
    assert count <= BOUND
    assert "key-1" not in body
