"""In-test stand-ins for the worker and the hook, exposing their real metrics over HTTP.

TODO(observability): switch the worker stand-in to `distillwatch worker` on the embedded broker
and the hook stand-in to `distillwatch hook run` (shadow mode) once both land; until then these
threads run the real Engine and the real PipelineMetrics / HookMetrics classes the way the
worker's detect loop and the hook's processor call them (once per batch / per decision).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from detectors.alerts import Alert
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event, Rejection, decode_value
from detectors.partitioning import partition_for
from pipeline.hook.metrics import HookMetrics
from pipeline.metrics import MetricsServer, PipelineMetrics, serve


class HookStandIn:
    """Feeds the hook's real metric families as its processor and delivery loop would."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.metrics = HookMetrics(self.registry)
        for mode in ("shadow", "enforce"):
            # Bounded label values, created up front as a hook should (0 until the first hold).
            self.metrics.limiter_holds.labels(mode=mode)
        self.delivered = 0

    def handle(self, alerts: Sequence[Alert]) -> None:
        m = self.metrics
        for alert in alerts:
            m.alerts_received.labels(source="kafka").inc()
            m.decisions.labels(outcome="acted").inc()
            m.actions.labels(
                action="notify" if alert.severity == "warning" else "suspend", mode="enforce"
            ).inc()
            m.deliveries.labels(result="delivered").inc()
            self.delivered += 1
        m.set_depth({"pending": 0, "held": 0, "dead": 0, "delivered": self.delivered})


class WorkerStandIn(threading.Thread):
    """One Engine per partition over pre-built record values, metrics updated per batch."""

    def __init__(
        self, config: EngineConfig, values: Sequence[bytes], pause: float, hook: HookStandIn
    ) -> None:
        super().__init__(name="worker-stand-in", daemon=True)
        self.config = config
        self.values = values
        self.pause = pause
        self.hook = hook
        self.registry = CollectorRegistry()
        self.metrics = PipelineMetrics.for_config(self.registry, config, top_k=5)
        self.engines = {p: Engine(config) for p in range(config.partitions)}
        self.stop = threading.Event()
        self.done = threading.Event()
        self.alerts: list[Alert] = []

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.done.set()

    def _run(self) -> None:
        partitions = self.config.partitions
        remaining = {p: 0 for p in range(partitions)}
        for i in range(len(self.values)):
            remaining[i % partitions] += 1  # records are spread over partitions round-robin
        for i, value in enumerate(self.values):
            if self.stop.is_set():
                return
            started = time.perf_counter()
            items = decode_value(value)
            self.metrics.count_rejections(x.code for x in items if isinstance(x, Rejection))
            alerts: list[Alert] = []
            newest = 0.0
            for item in items:
                if isinstance(item, Event):
                    engine = self.engines[partition_for(item.api_key_id, partitions)]
                    alerts.extend(engine.process(item))
                    newest = max(newest, item.ts)
            self.metrics.record_alerts(alerts)
            self.metrics.observe_engines(self.engines)
            remaining[i % partitions] -= 1
            for partition, lag in remaining.items():
                self.metrics.set_lag(partition, lag)
            self.metrics.observe_batch(len(items), time.perf_counter() - started, newest)
            self.hook.handle(alerts)
            self.alerts.extend(alerts)
            self.stop.wait(self.pause)


def serve_both(worker: WorkerStandIn, hook: HookStandIn) -> tuple[MetricsServer, MetricsServer]:
    """Serve the worker's and the hook's registries on free loopback ports."""
    return serve(worker.registry, port=0), serve(hook.registry, port=0)
