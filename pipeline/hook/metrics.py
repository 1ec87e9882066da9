"""The hook's Prometheus metrics (``distillwatch_hook_*``), on an injected registry.

No metric is labelled by API key or account: label values are bounded sets
(outcomes, sources, statuses).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["HookMetrics"]


class HookMetrics:
    """All hook metrics, registered on ``registry``.

    Examples
    --------
    >>> registry = CollectorRegistry()
    >>> m = HookMetrics(registry)
    >>> m.decisions.labels(outcome="acted").inc()
    >>> registry.get_sample_value("distillwatch_hook_decisions_total", {"outcome": "acted"})
    1.0
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.alerts_received = Counter(
            "distillwatch_hook_alerts_received",
            "Alerts received, by source (kafka, alertmanager).",
            ["source"],
            registry=registry,
        )
        self.decisions = Counter(
            "distillwatch_hook_decisions",
            "Decisions taken, by outcome (acted, held, shadow-acted, shadow-held, skipped,"
            " rejected).",
            ["outcome"],
            registry=registry,
        )
        self.actions = Counter(
            "distillwatch_hook_actions",
            "Actions decided (acted or shadow-acted), by action and mode.",
            ["action", "mode"],
            registry=registry,
        )
        self.limiter_holds = Counter(
            "distillwatch_hook_limiter_holds",
            "Actions held by the blast-radius limiter (page on any increase).",
            ["mode"],
            registry=registry,
        )
        self.deliveries = Counter(
            "distillwatch_hook_deliveries",
            "Delivery attempts, by result (delivered, retry, dead, superseded).",
            ["result"],
            registry=registry,
        )
        self.retries = Counter(
            "distillwatch_hook_retries",
            "Failed delivery attempts that were scheduled for a retry.",
            registry=registry,
        )
        self.dead_letters = Counter(
            "distillwatch_hook_dead_letters",
            "Outbox rows dead-lettered (permanent failure or attempts exhausted).",
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "distillwatch_hook_outbox_depth",
            "Outbox rows by status (pending, held, dead, delivered, superseded).",
            ["status"],
            registry=registry,
        )
        self.rejected = Counter(
            "distillwatch_hook_rejected_inputs",
            "Malformed alerts or payloads kept in the rejected table, by reason code.",
            ["code"],
            registry=registry,
        )
        self.feedback = Counter(
            "distillwatch_hook_feedback_applied",
            "Analyst labels applied, by label.",
            ["label"],
            registry=registry,
        )

    def set_depth(self, counts: dict[str, int]) -> None:
        """Publish outbox row counts by status."""
        for status, n in counts.items():
            self.outbox_depth.labels(status=status).set(n)
