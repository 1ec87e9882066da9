"""The worker's Prometheus metrics: one object owning every ``distillwatch_*`` family.

The worker (and replay) builds one :class:`PipelineMetrics` on an injected
``CollectorRegistry`` and calls a few methods per *batch*, never per event:

>>> from prometheus_client import CollectorRegistry
>>> registry = CollectorRegistry()
>>> metrics = PipelineMetrics(registry)
>>> metrics.count_events("rejected", 3, reason="missing_field")
>>> metrics.observe_batch(size=500, seconds=0.02, max_event_ts=1_790_000_000.0)
>>> registry.get_sample_value("distillwatch_events_total", {"outcome": "rejected"})
3.0
>>> registry.get_sample_value("distillwatch_batch_size_events_count")
1.0

Cardinality is bounded by construction (docs/METRICS.md gives the bound): no
label ever carries an API key; label values that come from data (reasons,
detectors) pass through :class:`~pipeline.metrics.topk.BoundedLabel`; the
hottest keys are exposed by a fixed-size top-K of hashed ids. Serving happens
in prometheus-client's own thread (:func:`pipeline.metrics.serving.serve`), never in the event loop.
"""

from __future__ import annotations

import contextlib
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
)

from pipeline.metrics.health import HealthMetrics
from pipeline.metrics.topk import OTHER, BoundedLabel, TopKCollector, merge_top

OUTCOMES = ("valid", "rejected", "duplicate", "late", "early")
SEVERITIES = ("warning", "critical")
REASON_LIMIT = 32
DETECTOR_LIMIT = 16
DEFAULT_TOP_K = 10
CAMPAIGN_MEMORY = 100_000  # campaign ids remembered for first-sighting counting (memory bound)

# Buckets are fixed (not configurable) so dashboards and the series bound never drift.
BATCH_SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_SIZE_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000)
SCORE_BUCKETS = (*(round(0.05 * i, 2) for i in range(1, 20)), 1.0)


class StatsLike(Protocol):
    """The part of ``detectors.engine.EngineStats`` the metrics read."""

    @property
    def events_valid(self) -> int: ...
    @property
    def events_duplicate(self) -> int: ...
    @property
    def events_late(self) -> int: ...
    @property
    def keys_tracked(self) -> int: ...
    @property
    def state_bytes(self) -> int: ...
    @property
    def anomalous_keys(self) -> int: ...


class EngineLike(Protocol):
    """The part of ``detectors.engine.Engine`` the metrics read."""

    @property
    def stats(self) -> StatsLike: ...
    def top_keys(self, k: int) -> list[tuple[str, float]]: ...


class EngineConfigLike(Protocol):
    """The part of ``detectors.config.EngineConfig`` the metrics read."""

    @property
    def max_keys(self) -> int: ...
    @property
    def population_warmup(self) -> int: ...


class AlertLike(Protocol):
    """The part of ``detectors.alerts.Alert`` the metrics read."""

    @property
    def severity(self) -> str: ...
    @property
    def detector(self) -> str: ...


@dataclass
class _PartitionState:
    """What was last read from one partition's engine (to turn totals into increments)."""

    engine: object
    valid: int
    duplicate: int
    late: int
    early: int = 0
    keys: int = 0
    state_bytes: int = 0
    anomalous: int = 0
    scored: int = 0
    warm: bool = False
    top: tuple[tuple[str, float], ...] = ()


def _known_reasons() -> tuple[str, ...]:
    try:
        from detectors.events import REASON_CODES
    except ImportError:  # the core is optional for the metrics (e.g. in the hook image)
        return ()
    return tuple(REASON_CODES)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def register_build_info(registry: CollectorRegistry, component: str) -> Info:
    """Register ``distillwatch_build_info{component, version, python, river}`` (value 1)."""
    info = Info("distillwatch_build", "Build of the running process", registry=registry)
    info.info(
        {
            "component": component,
            "version": _version("distillwatch"),
            "python": platform.python_version(),
            "river": _version("river"),
        }
    )
    return info


class PipelineMetrics:
    """All worker metric families, registered on ``registry``.

    Parameters
    ----------
    registry
        Where the families live (never the global default registry).
    top_k
        Number of hottest keys exposed by ``distillwatch_top_key_score``.
    keys_limit
        The engine's ``max_keys``: one cap for the whole process (all its partition
        engines share it), exposed as ``distillwatch_keys_limit``, the cap on
        ``distillwatch_keys_tracked``.
        0 when unknown.
    state_limit_bytes
        Memory budget for engine state (``distillwatch_state_limit_bytes``); 0 = none.
    population_warmup
        Lessons the population scales need (the engine's ``population_warmup``), compared
        with scorings for ``distillwatch_engine_warmup_ratio`` (an approximation: one
        key teaches at most once an hour).
    component
        ``component`` label of the build info (``worker``, ``replay``).
    process_metrics
        Also register prometheus-client's process and platform collectors
        (``process_resident_memory_bytes``, CPU, open fds, ``python_info``).
    partitions
        The settings' partition count (``distillwatch_partitions_configured``).
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        top_k: int = DEFAULT_TOP_K,
        keys_limit: int = 0,
        state_limit_bytes: int = 0,
        population_warmup: int = 0,
        component: str = "worker",
        process_metrics: bool = True,
        partitions: int = 0,
    ) -> None:
        self.registry = registry
        self.population_warmup = population_warmup
        self._reasons = BoundedLabel(REASON_LIMIT, _known_reasons())
        self._detectors = BoundedLabel(DETECTOR_LIMIT)
        self._partitions: dict[int, _PartitionState] = {}
        r = registry
        self.events = Counter(
            "distillwatch_events", "Input events by outcome", ["outcome"], registry=r
        )
        self.rejected = Counter(
            "distillwatch_events_rejected",
            "Rejected (dead-lettered) events by reason code",
            ["reason"],
            registry=r,
        )
        self.lag = Gauge(
            "distillwatch_consumer_lag_records",
            "Records between the committed position and the end of each assigned partition",
            ["partition"],
            registry=r,
        )
        self.batch_seconds = Histogram(
            "distillwatch_batch_seconds",
            "Wall time to process one batch (decode, engine, produce)",
            buckets=BATCH_SECONDS_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "distillwatch_batch_size_events",
            "Events per processed batch",
            buckets=BATCH_SIZE_BUCKETS,
            registry=r,
        )
        self.event_time = Gauge(
            "distillwatch_event_time_seconds",
            "Newest event time processed (Unix seconds); now minus this is the event-time delay",
            registry=r,
        )
        self.scores = Histogram(
            "distillwatch_score",
            "Ensemble scores of scored key windows",
            buckets=SCORE_BUCKETS,
            registry=r,
        )
        self.alerts = Counter(
            "distillwatch_alerts",
            "Alerts raised, by severity and detector",
            ["severity", "detector"],
            registry=r,
        )
        self.campaign_alerts = Counter(
            "distillwatch_campaign_alerts",
            "Alerts on keys that belong to a campaign (campaign_id set)",
            ["severity"],
            registry=r,
        )
        self.keys_tracked = Gauge(
            "distillwatch_keys_tracked", "Keys with state in this worker's engines", registry=r
        )
        self.keys_limit = Gauge(
            "distillwatch_keys_limit",
            "Cap on tracked keys in this process (max_keys, shared by its partition engines)",
            registry=r,
        )
        self.state_bytes = Gauge(
            "distillwatch_state_bytes", "Estimated bytes of engine state", registry=r
        )
        self.state_limit = Gauge(
            "distillwatch_state_limit_bytes",
            "Memory budget for engine state (0 = none)",
            registry=r,
        )
        self.anomalous_keys = Gauge(
            "distillwatch_anomalous_keys", "Keys currently in an open anomaly episode", registry=r
        )
        self.campaigns = Counter(
            "distillwatch_campaigns_detected",
            "Distinct campaign ids seen in alerts (first sighting in this process)",
            registry=r,
        )
        self.warmup = Gauge(
            "distillwatch_engine_warmup_ratio",
            "Population-model warm-up per partition engine (1 = scores count)",
            ["partition"],
            registry=r,
        )
        self.partitions_assigned = Gauge(
            "distillwatch_partitions_assigned", "Partitions this worker owns", registry=r
        )
        self.top = TopKCollector(top_k)
        registry.register(self.top)
        #: restore failures and held partitions (pipeline/metrics/health.py)
        self.health = HealthMetrics(registry, partitions)
        register_build_info(registry, component)
        if process_metrics:
            ProcessCollector(registry=registry)
            PlatformCollector(registry=registry)
        self._keys_limit_per_engine = keys_limit
        self.state_limit.set(state_limit_bytes)
        # Pre-create every bounded label value, so rates are 0 (not absent) before the first one.
        for outcome in OUTCOMES:
            self.events.labels(outcome)
        for reason in _known_reasons():
            self.rejected.labels(reason)
        for severity in SEVERITIES:
            self.campaign_alerts.labels(severity)
        self._max_event_ts = 0.0
        self._detectors_seen: set[str] = set()
        # Insertion-ordered, so the oldest campaign ids are forgotten first when it is full.
        self._campaign_ids: dict[str, None] = {}

    @classmethod
    def for_config(
        cls, registry: CollectorRegistry, config: EngineConfigLike, **kwargs: Any
    ) -> PipelineMetrics:
        """Build with the caps taken from an engine config (``max_keys``, ``population_warmup``).

        >>> from prometheus_client import CollectorRegistry
        >>> from detectors.config import EngineConfig
        >>> config = EngineConfig(max_keys=5, population_warmup=300)
        >>> PipelineMetrics.for_config(CollectorRegistry(), config).population_warmup
        300
        """
        return cls(
            registry,
            keys_limit=config.max_keys,
            population_warmup=config.population_warmup,
            **kwargs,
        )

    # -- per batch ---------------------------------------------------------------------------

    def count_events(self, outcome: str, n: int = 1, reason: str | None = None) -> None:
        """Add ``n`` events with ``outcome`` (``rejected`` needs a ``reason`` code).

        ``valid``, ``duplicate`` and ``late`` are normally counted by
        :meth:`observe_engine` from the engine's own totals; the worker calls this
        for rejections, which never reach the engine.
        """
        if n <= 0:
            return
        self.events.labels(outcome if outcome in OUTCOMES else OTHER).inc(n)
        if outcome == "rejected":
            self.rejected.labels(self._reasons(reason or "unknown")).inc(n)

    def count_rejections(self, codes: Iterable[str]) -> None:
        """Count rejections given their reason codes (e.g. ``r.code for r in rejections``)."""
        tally: dict[str, int] = {}
        for code in codes:
            tally[code] = tally.get(code, 0) + 1
        for code, n in tally.items():
            self.count_events("rejected", n, reason=code)

    def observe_batch(self, size: int, seconds: float, max_event_ts: float | None = None) -> None:
        """Record one processed batch: its size, its wall time, its newest event time."""
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)
        if max_event_ts is not None and max_event_ts > self._max_event_ts:
            self._max_event_ts = max_event_ts
            self.event_time.set(max_event_ts)

    def set_lag(self, partition: int, lag: int) -> None:
        """Set the consumer lag (records) of one assigned partition."""
        self.lag.labels(str(partition)).set(max(0, lag))

    def record_alerts(self, alerts: Iterable[AlertLike]) -> None:
        """Count emitted alerts by severity and detector (and campaign membership)."""
        for alert in alerts:
            severity = alert.severity if alert.severity in SEVERITIES else OTHER
            detector = self._detectors(alert.detector)
            if detector not in self._detectors_seen:
                # Both severities exist from a detector's first alert on, so a critical-rate
                # query reads 0 (not "no data") while that detector has raised only warnings.
                self._detectors_seen.add(detector)
                for known in SEVERITIES:
                    self.alerts.labels(known, detector)
            self.alerts.labels(severity, detector).inc()
            campaign_id = getattr(alert, "campaign_id", None)
            if campaign_id:
                self.campaign_alerts.labels(severity).inc()
                self._see_campaign(campaign_id)

    def _see_campaign(self, campaign_id: str) -> None:
        if campaign_id in self._campaign_ids:
            return
        self._campaign_ids[campaign_id] = None
        self.campaigns.inc()
        if len(self._campaign_ids) > CAMPAIGN_MEMORY:
            del self._campaign_ids[next(iter(self._campaign_ids))]

    # -- engine state ------------------------------------------------------------------------

    def observe_engine(
        self, engine: EngineLike, partition: int = 0, scores: Iterable[float] = ()
    ) -> None:
        """Read one partition's engine: event totals, state gauges and top keys; ``scores``
        are the scores its steps emitted since the last read (``Emitted.scores``).

        Totals become counter increments relative to the last read of the *same*
        engine object; a restored or replaced engine starts a new baseline, so
        events counted before a restart are not counted twice.
        """
        stats = engine.stats
        last = self._partitions.get(partition)
        if last is None or last.engine is not engine:
            last = _PartitionState(
                engine, stats.events_valid, stats.events_duplicate, stats.events_late
            )
            self._partitions[partition] = last
            last.early = getattr(stats, "events_early", 0)
        early = getattr(stats, "events_early", 0)  # the clock rule's (detectors/clock.py)
        for outcome, now, before in (
            ("valid", stats.events_valid, last.valid),
            ("duplicate", stats.events_duplicate, last.duplicate),
            ("late", stats.events_late, last.late),
            ("early", early, last.early),
        ):
            if now > before:
                self.events.labels(outcome).inc(now - before)
        last.early = early
        last.valid, last.duplicate, last.late = (
            stats.events_valid,
            stats.events_duplicate,
            stats.events_late,
        )
        last.keys, last.state_bytes = stats.keys_tracked, stats.state_bytes
        last.anomalous = stats.anomalous_keys
        counted = 0
        for score in scores:
            self.scores.observe(score)
            counted += 1
        # EngineStats has windows_scored/population_warm; other engines fall back to counting.
        last.scored = getattr(stats, "windows_scored", last.scored + counted)
        last.warm = bool(getattr(stats, "population_warm", False))
        last.top = tuple(engine.top_keys(self.top.k))
        self._refresh(partition)

    def observe_engines(self, engines: Mapping[int, EngineLike]) -> None:
        """:meth:`observe_engine` for every (partition, engine) of a worker."""
        for partition, engine in engines.items():
            self.observe_engine(engine, partition)

    def forget_partition(self, partition: int) -> None:
        """Drop a revoked partition's series (lag, warm-up) and its share of the gauges."""
        self._partitions.pop(partition, None)
        for gauge in (self.lag, self.warmup):
            with contextlib.suppress(KeyError):
                gauge.remove(str(partition))
        self._refresh(None)

    def _refresh(self, partition: int | None) -> None:
        parts = self._partitions.values()
        self.keys_tracked.set(sum(p.keys for p in parts))
        self.state_bytes.set(sum(p.state_bytes for p in parts))
        self.anomalous_keys.set(sum(p.anomalous for p in parts))
        self.partitions_assigned.set(len(self._partitions))
        self.keys_limit.set(self._keys_limit_per_engine)
        top = merge_top([p.top for p in parts], self.top.k)
        self.top.update(top)
        if partition is not None:
            self.warmup.labels(str(partition)).set(self._warmup_ratio(self._partitions[partition]))

    def _warmup_ratio(self, part: _PartitionState) -> float:
        if part.warm:
            return 1.0
        if self.population_warmup <= 0:
            return 0.0
        # Below 1 until the engine itself says warm, whatever the window count suggests.
        return min(0.99, part.scored / self.population_warmup)
