"""The per-key drill-down board (split from boards.py to keep modules small)."""

from __future__ import annotations

from dashboards.boards import INSTANCE, _quantile, _rate
from dashboards.grafana_model import Dashboard, Panel, Query, Row, Variable


def key_drilldown() -> Dashboard:
    """One key at a time (among those that reached the top-K), chosen with ``$key``."""
    key = Variable(
        "key",
        "Key (hashed id)",
        "label_values(distillwatch_top_key_score, key)",
        multi=False,
        include_all=False,
    )
    only = 'key="$key"'
    row = Row(
        "Key $key",
        [
            Panel(
                "How to find a key",
                kind="text",
                width=24,
                height=4,
                text=(
                    "Metrics never carry API key ids. The `key` label is the first 12 hex "
                    'characters of sha256(api_key_id): compute it with `python -c "from '
                    "pipeline.metrics.topk import key_label; print(key_label('KEY'))\"`. Only "
                    "keys that reached a worker's top-K have series; the full history of any "
                    "key is in the alerts topic and in `distillwatch replay`."
                ),
            ),
            Panel(
                "Score over time",
                [
                    Query(f"max(distillwatch_top_key_score{{{only}}})", "score"),
                    Query(_quantile(0.99, "distillwatch_score"), "population p99"),
                ],
                unit="none",
                width=16,
            ),
            Panel(
                "Current score",
                [Query(f"max(distillwatch_top_key_score{{{only}}})", "score", instant=True)],
                kind="stat",
                unit="none",
                width=8,
                thresholds=(("green", None), ("orange", 0.6), ("red", 0.85)),
            ),
            Panel(
                "Best rank over time (1 = most suspicious)",
                [Query(f"min(distillwatch_top_key_rank{{{only}}})", "rank")],
                width=12,
                description="Present while the key is in a worker's top-K.",
            ),
            Panel(
                "Where the key lives (rank per worker)",
                [
                    Query(
                        f"min by (instance) (distillwatch_top_key_rank{{{only}}})",
                        "{{instance}}",
                        instant=True,
                    )
                ],
                kind="table",
                width=12,
            ),
            Panel(
                "Scrapes in the top-K (in range)",
                [
                    Query(
                        f"sum(count_over_time(distillwatch_top_key_score{{{only}}}[$__range]))",
                        "scrapes",
                        instant=True,
                    )
                ],
                kind="stat",
                width=12,
            ),
            Panel(
                "Critical alerts/s (all keys, for context)",
                [Query(_rate("distillwatch_alerts_total", 'severity="critical"'), "critical")],
                unit="ops",
                width=12,
            ),
        ],
    )
    return Dashboard(
        "distillwatch-key-drilldown",
        "distillwatch / Key drill-down",
        [row],
        [INSTANCE, key],
        description="One hashed key from the top-K: score, rank, owning worker.",
        time_from="now-3h",
    )
