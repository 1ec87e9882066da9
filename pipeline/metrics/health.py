"""Health of a streaming process: what cannot run, as numbers a rule can fire on.

A worker that cannot restore a partition's checkpoint (old format, forged,
damaged) keeps its other partitions running and holds that one, paused, until
the operator acts: it never processes it from a wrong state and never pretends
to be idle. These families make that visible
(dashboards/prometheus/rules: ``DistillwatchCheckpointRestoreFailed``,
``DistillwatchPartitionsUnowned``).

>>> from prometheus_client import CollectorRegistry
>>> registry = CollectorRegistry()
>>> health = HealthMetrics(registry, partitions=8)
>>> health.restore_failed("detect", 3)
>>> registry.get_sample_value("distillwatch_checkpoint_restore_failures_total", {"stage": "detect"})
1.0
>>> registry.get_sample_value("distillwatch_partitions_failed", {"stage": "detect"})
1.0
>>> health.restored("detect", 3)
>>> registry.get_sample_value("distillwatch_partitions_failed", {"stage": "detect"})
0.0
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["STAGES", "HealthMetrics"]

STAGES = ("detect", "campaigns")


class HealthMetrics:
    """Restore failures and held partitions per stage, and the configured partition count."""

    def __init__(self, registry: CollectorRegistry, partitions: int = 0) -> None:
        self.restore_failures = Counter(
            "distillwatch_checkpoint_restore_failures",
            "Checkpoints refused on restore (old format, forged or damaged), by stage",
            ["stage"],
            registry=registry,
        )
        self.partitions_failed = Gauge(
            "distillwatch_partitions_failed",
            "Partitions held but not processed: their checkpoint could not be restored",
            ["stage"],
            registry=registry,
        )
        self.partitions_configured = Gauge(
            "distillwatch_partitions_configured",
            "The requests topic's partition count from the settings",
            registry=registry,
        )
        self.partitions_configured.set(partitions)
        self.campaigns_enabled = Gauge(
            "distillwatch_campaigns_enabled",
            "1 when this worker publishes campaign summaries (some process must run the stage)",
            registry=registry,
        )
        self._failed: dict[str, set[int]] = {stage: set() for stage in STAGES}
        for stage in STAGES:
            self.restore_failures.labels(stage)
            self.partitions_failed.labels(stage).set(0)

    def restore_failed(self, stage: str, partition: int) -> None:
        """A checkpoint of ``partition`` was refused; the partition is held."""
        self.restore_failures.labels(stage).inc()
        self._failed[stage].add(partition)
        self.partitions_failed.labels(stage).set(len(self._failed[stage]))

    def restored(self, stage: str, partition: int) -> None:
        """``partition`` is no longer held failed (restored, or revoked)."""
        self._failed[stage].discard(partition)
        self.partitions_failed.labels(stage).set(len(self._failed[stage]))
