"""The per-key drill-down board (split from boards.py to keep modules small)."""

from __future__ import annotations

from dashboards.boards import INSTANCE, _quantile, _rate
from dashboards.grafana_model import Dashboard, Link, Panel, Query, Row, Variable

#: The triage page of the chosen hashed key (the page resolves the hash).
TRIAGE_KEY_VAR = "${triage_url}/key/${key}"


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
                "Why is this key flagged?",
                kind="text",
                width=24,
                height=4,
                text=(
                    "Metrics never carry API key ids: `$key` is the first 12 hex characters of "
                    "sha256(api_key_id). **[Open $key in the triage page](${triage_url}/key/$key)**"
                    " (set the `Triage page` variable to where `distillwatch triage` answers): it "
                    "resolves the hashed id and shows the reasons in words, the score over time, "
                    "related keys and campaign members, and what the hook did. A key you "
                    "suspect: type its id or hashed id in the triage page's search box. Only keys "
                    "that reached a worker's top-K have series here."
                ),
                links=(Link("Triage page of $key", TRIAGE_KEY_VAR, new_tab=True),),
            ),
            Panel(
                "Score over time",
                [
                    Query(f"max(distillwatch_top_key_score{{{only}}})", "score"),
                    Query(_quantile(0.99, "distillwatch_score"), "population p99"),
                ],
                unit="none",
                width=16,
                links=(Link("Triage page of $key", TRIAGE_KEY_VAR, new_tab=True),),
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
