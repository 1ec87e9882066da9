"""The three distillwatch dashboards, as code. Every query uses only metrics that
``pipeline.metrics.pipeline_metrics.PipelineMetrics`` or the hook (``distillwatch_hook_*``) expose;
tests/observability runs each one against a live Prometheus.
"""

from __future__ import annotations

from dashboards.board_rows import (
    campaign_stage_row,
    freshness_panels,
    hook_retry_panel,
    top_keys_panel,
)
from dashboards.grafana_model import Dashboard, Panel, Query, Row, Variable

RATE = "$__rate_interval"
REJECTED = 'outcome="rejected"'
DUP_LATE = 'outcome=~"duplicate|late"'
INSTANCE = Variable(
    "instance", "Worker", 'label_values(distillwatch_build_info{component="worker"}, instance)'
)


def sel(*matchers: str) -> str:
    """Label selector restricted to the chosen worker instances.

    >>> sel('outcome="rejected"')
    '{instance=~"$instance", outcome="rejected"}'
    """
    return "{" + ", ".join(['instance=~"$instance"', *matchers]) + "}"


def _rate(metric: str, *matchers: str, by: str = "") -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}{sel(*matchers)}[{RATE}]))"


def _ratio(numerator: str, denominator: str) -> str:
    # clamp_min keeps an idle pipeline at 0 instead of NaN (0/0).
    return f"{numerator} / clamp_min({denominator}, 1e-9)"


def _quantile(q: float, metric: str) -> str:
    return f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{sel()}[{RATE}])))"


def overview() -> Dashboard:
    """SRE overview: is the pipeline keeping up, and what is it finding."""
    health = Row(
        "Pipeline health",
        [
            Panel(
                "Workers up",
                [Query('sum(up{job="distillwatch-worker"})', "up", instant=True)],
                kind="stat",
                width=4,
                height=5,
                thresholds=(("red", None), ("green", 1)),
                description="Worker targets Prometheus can scrape.",
            ),
            Panel(
                "Events/s",
                [Query(_rate("distillwatch_events_total"), "events/s", instant=True)],
                kind="stat",
                unit="ops",
                width=5,
                height=5,
            ),
            Panel(
                "Total consumer lag",
                [Query(f"sum(distillwatch_consumer_lag_records{sel()})", "lag", instant=True)],
                kind="stat",
                width=5,
                height=5,
                thresholds=(("green", None), ("orange", 10000), ("red", 100000)),
            ),
            Panel(
                "Dead-letter ratio",
                [
                    Query(
                        _ratio(
                            _rate("distillwatch_events_total", REJECTED),
                            _rate("distillwatch_events_total"),
                        ),
                        "rejected",
                        instant=True,
                    )
                ],
                kind="stat",
                unit="percentunit",
                width=5,
                height=5,
                thresholds=(("green", None), ("orange", 0.01), ("red", 0.05)),
            ),
            Panel(
                "Anomalous keys now",
                [Query(f"sum(distillwatch_anomalous_keys{sel()})", "keys", instant=True)],
                kind="stat",
                width=5,
                height=5,
            ),
            Panel(
                "Throughput by outcome",
                [Query(_rate("distillwatch_events_total", by="outcome"), "{{outcome}}")],
                unit="ops",
                stacked=True,
                description="valid / rejected (dead-lettered) / duplicate / late, per second.",
            ),
            Panel(
                "Consumer lag by partition",
                [
                    Query(
                        f"sum by (partition) (distillwatch_consumer_lag_records{sel()})",
                        "p{{partition}}",
                    )
                ],
                description="Records between the committed offset and the partition end.",
            ),
            Panel(
                "Rejected events by reason",
                [Query(_rate("distillwatch_events_rejected_total", by="reason"), "{{reason}}")],
                unit="ops",
                stacked=True,
            ),
            Panel(
                "Batch latency",
                [
                    Query(_quantile(0.5, "distillwatch_batch_seconds"), "p50"),
                    Query(_quantile(0.99, "distillwatch_batch_seconds"), "p99"),
                ],
                unit="s",
                description="Wall time to process one batch (decode, engine, produce).",
            ),
        ],
    )
    findings = Row(
        "Detections",
        [
            Panel(
                "Alerts/s by severity",
                [Query(_rate("distillwatch_alerts_total", by="severity"), "{{severity}}")],
                unit="ops",
                stacked=True,
            ),
            top_keys_panel(sel()),
            Panel(
                "Campaigns detected (in range)",
                [
                    Query(
                        f"sum(increase(distillwatch_campaigns_detected_total{sel()}[$__range]))",
                        "campaigns",
                        instant=True,
                    )
                ],
                kind="stat",
                width=6,
            ),
            Panel(
                "Alerts on campaign keys",
                [
                    Query(
                        _rate("distillwatch_campaign_alerts_total", by="severity"),
                        "{{severity}}",
                    )
                ],
                unit="ops",
                width=18,
            ),
        ],
    )
    hook = Row(
        "Suspension hook",
        [
            Panel(
                "Hook decisions by outcome",
                [
                    Query(
                        f"sum by (outcome) (rate(distillwatch_hook_decisions_total[{RATE}]))",
                        "{{outcome}}",
                    )
                ],
                unit="ops",
                width=8,
                description="acted / held / shadow-acted / shadow-held / skipped / rejected.",
            ),
            Panel(
                "Hook actions by action and mode",
                [
                    Query(
                        f"sum by (action, mode) (rate(distillwatch_hook_actions_total[{RATE}]))",
                        "{{action}} ({{mode}})",
                    )
                ],
                unit="ops",
                width=8,
            ),
            Panel(
                "Webhook deliveries by result",
                [
                    Query(
                        f"sum by (result) (rate(distillwatch_hook_deliveries_total[{RATE}]))",
                        "{{result}}",
                    )
                ],
                unit="ops",
                width=8,
            ),
            Panel(
                "Outbox backlog (pending + held)",
                [
                    Query(
                        'sum(distillwatch_hook_outbox_depth{status=~"pending|held"})',
                        "backlog",
                        instant=True,
                    )
                ],
                kind="stat",
                width=8,
                height=5,
                thresholds=(("green", None), ("orange", 10), ("red", 100)),
                description="Actions written but not yet delivered, or held by the limiter.",
            ),
            Panel(
                "Dead-lettered actions (in range)",
                [
                    Query(
                        "sum(increase(distillwatch_hook_dead_letters_total[$__range]))",
                        "dead",
                        instant=True,
                    )
                ],
                kind="stat",
                width=8,
                height=5,
                thresholds=(("green", None), ("red", 1)),
            ),
            Panel(
                "Limiter holds (in range)",
                [
                    Query(
                        "sum(increase(distillwatch_hook_limiter_holds_total[$__range]))",
                        "held",
                        instant=True,
                    )
                ],
                kind="stat",
                width=8,
                height=5,
                thresholds=(("green", None), ("red", 1)),
            ),
            hook_retry_panel(),
        ],
    )
    freshness = Row("Freshness", freshness_panels(sel()))
    return Dashboard(
        "distillwatch-overview",
        "distillwatch / Overview",
        [health, freshness, findings, campaign_stage_row(), hook],
        [INSTANCE],
        description=(
            "SRE overview: throughput, lag, freshness, rejects, alerts, top keys (linked to "
            "the drill-down and the triage page), campaign stage, hook."
        ),
    )


def detector_health() -> Dashboard:
    """Detector health: score distributions, warm-up, state size."""
    scores = Row(
        "Scores",
        [
            Panel(
                "Score distribution (scored windows)",
                [
                    Query(
                        f"sum by (le) (increase(distillwatch_score_bucket{sel()}[{RATE}]))",
                        "{{le}}",
                        heatmap=True,
                    )
                ],
                kind="heatmap",
                width=16,
                description="How many key windows scored in each 0.05 band of the ensemble score.",
            ),
            Panel(
                "Score quantiles",
                [
                    Query(_quantile(0.5, "distillwatch_score"), "p50"),
                    Query(_quantile(0.9, "distillwatch_score"), "p90"),
                    Query(_quantile(0.99, "distillwatch_score"), "p99"),
                ],
                unit="none",
                width=8,
            ),
            Panel(
                "Windows scored/s",
                [Query(_rate("distillwatch_score_count"), "scored/s")],
                unit="ops",
                width=8,
            ),
            Panel(
                "Share of windows scoring >= 0.6 (warning band)",
                [
                    Query(
                        "1 - "
                        + _ratio(
                            _rate("distillwatch_score_bucket", 'le="0.6"'),
                            _rate("distillwatch_score_count"),
                        ),
                        "share",
                    )
                ],
                unit="percentunit",
                width=8,
            ),
            Panel(
                "Alerts/s by detector",
                [Query(_rate("distillwatch_alerts_total", by="detector"), "{{detector}}")],
                unit="ops",
                width=8,
            ),
        ],
    )
    state = Row(
        "Warm-up and state",
        [
            Panel(
                "Population-model warm-up by partition",
                [
                    Query(
                        f"min by (partition) (distillwatch_engine_warmup_ratio{sel()})",
                        "p{{partition}}",
                    )
                ],
                unit="percentunit",
                description="1 = the partition engine's population model has enough windows.",
            ),
            Panel(
                "Keys tracked vs cap",
                [
                    Query(f"sum(distillwatch_keys_tracked{sel()})", "tracked"),
                    Query(f"sum(distillwatch_keys_limit{sel()})", "cap"),
                ],
            ),
            Panel(
                "Engine state size",
                [Query(f"sum by (instance) (distillwatch_state_bytes{sel()})", "{{instance}}")],
                unit="bytes",
                width=8,
            ),
            Panel(
                "State bytes per key",
                [
                    Query(
                        f"sum(distillwatch_state_bytes{sel()})"
                        f" / clamp_min(sum(distillwatch_keys_tracked{sel()}), 1)",
                        "bytes/key",
                    )
                ],
                unit="bytes",
                width=8,
            ),
            Panel(
                "Anomalous keys",
                [Query(f"sum(distillwatch_anomalous_keys{sel()})", "keys")],
                width=8,
            ),
            Panel(
                "Batch size (events)",
                [
                    Query(_quantile(0.5, "distillwatch_batch_size_events"), "p50"),
                    Query(
                        _ratio(
                            _rate("distillwatch_batch_size_events_sum"),
                            _rate("distillwatch_batch_size_events_count"),
                        ),
                        "mean",
                    ),
                ],
            ),
            Panel(
                "Duplicate and late events/s",
                [
                    Query(
                        _rate(
                            "distillwatch_events_total", 'outcome=~"duplicate|late"', by="outcome"
                        ),
                        "{{outcome}}",
                    )
                ],
                unit="ops",
            ),
            Panel(
                "Builds running",
                [
                    Query(
                        "count by (component, version, python, river) (distillwatch_build_info)",
                        "{{component}} {{version}}",
                        instant=True,
                    )
                ],
                kind="table",
                width=24,
                height=6,
            ),
        ],
    )
    return Dashboard(
        "distillwatch-detector-health",
        "distillwatch / Detector health",
        [scores, state],
        [INSTANCE],
        description="Score distributions, population-model warm-up, per-key state size.",
    )


def all_dashboards() -> dict[str, Dashboard]:
    """File stem -> dashboard, in the order they are written."""
    # Imported here: board_drilldown builds on this module's helpers.
    from dashboards.board_drilldown import key_drilldown

    return {
        "overview": overview(),
        "detector-health": detector_health(),
        "key-drilldown": key_drilldown(),
    }
