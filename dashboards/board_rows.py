"""Panels that lead somewhere: the top keys' data links, event-time freshness, the campaign
stage, hook retries (split from boards.py to keep modules small)."""

from __future__ import annotations

from dashboards.grafana_model import Link, Panel, Query, Row

RATE = "$__rate_interval"

#: The drill-down board's address; ``var-key`` picks the key, time range and datasource kept.
DRILLDOWN = (
    "/d/distillwatch-key-drilldown/distillwatch-key-drill-down?var-key=${__value.raw}"
    "&var-datasource=${datasource}&${__url_time_range}"
)
#: The triage page of a hashed key id (the page resolves the hash to the key).
TRIAGE_KEY = "${triage_url}/key/${__value.raw}"


def top_keys_panel(selector: str) -> Panel:
    """The 10 most suspicious keys; each hashed id links to the drill-down and to triage."""
    return Panel(
        "Top suspicious keys (hashed ids)",
        [
            Query(
                f"topk(10, max by (key) (distillwatch_top_key_score{selector}))",
                "{{key}}",
                instant=True,
            )
        ],
        kind="table",
        description=(
            "The 10 highest-scoring keys across workers. key = first 12 hex chars of "
            "sha256(api_key_id). Click a key: its drill-down here, or its triage page "
            "(why it was flagged, its history, related keys, the hook's decisions; the "
            "page resolves the hashed id). Set the triage page's address in the "
            "`Triage page` variable."
        ),
        field_links=(
            "key",
            (
                Link("Key drill-down: ${__value.raw}", DRILLDOWN),
                Link("Triage page: why is ${__value.raw} flagged?", TRIAGE_KEY, new_tab=True),
            ),
        ),
    )


def freshness_panels(selector: str) -> list[Panel]:
    """How far behind real time the newest processed event is (the pipeline's freshness)."""
    delay = f"time() - max(distillwatch_event_time_seconds{selector})"
    return [
        Panel(
            "Event-time delay now",
            [Query(delay, "delay", instant=True)],
            kind="stat",
            unit="s",
            width=6,
            height=6,
            thresholds=(("green", None), ("orange", 300), ("red", 1800)),
            description=(
                "Wall clock minus the newest event time the workers processed. Grows when "
                "the workers fall behind or the input stops; on a replayed log it is the age "
                "of the log."
            ),
        ),
        Panel(
            "Event-time delay (freshness)",
            [Query(delay, "delay")],
            unit="s",
            width=18,
            height=6,
            description="Wall clock minus the newest processed event time, over time.",
        ),
    ]


def campaign_stage_row() -> Row:
    """The cross-key campaign stage: who holds it, what it waits for, what it keeps."""
    return Row(
        "Campaign stage",
        [
            Panel(
                "Processes holding the stage",
                [Query("sum(distillwatch_campaign_stage_held)", "held", instant=True)],
                kind="stat",
                width=6,
                height=5,
                thresholds=(("red", None), ("green", 1), ("red", 2)),
                description="Exactly one process of a deployment should hold it (1).",
            ),
            Panel(
                "Summaries pending release",
                [Query("sum(distillwatch_campaign_summaries_pending)", "pending")],
                width=9,
                height=7,
                description=(
                    "Per-key summaries buffered until every partition has passed them; grows "
                    "while a partition is slow or silent."
                ),
            ),
            Panel(
                "Summaries late, gaps, duplicates, skipped /s",
                [
                    Query(f"sum(rate(distillwatch_campaign_summaries_late_total[{RATE}]))", "late"),
                    Query(f"sum(rate(distillwatch_campaign_summaries_gaps_total[{RATE}]))", "gaps"),
                    Query(
                        f"sum(rate(distillwatch_campaign_summaries_duplicates_total[{RATE}]))",
                        "duplicates",
                    ),
                    Query(
                        f"sum(rate(distillwatch_campaign_summaries_skipped_total[{RATE}]))",
                        "skipped",
                    ),
                ],
                unit="ops",
                width=9,
                height=7,
                description="Late or gapped summaries may make campaign alerts differ from replay.",
            ),
            Panel(
                "Keys and template groups tracked",
                [
                    Query("sum(distillwatch_campaign_keys_tracked)", "keys"),
                    Query("sum(distillwatch_campaign_groups_tracked)", "groups"),
                ],
                width=12,
                height=7,
            ),
            Panel(
                "Campaign parts at warning or above; partitions idle",
                [
                    Query("sum(distillwatch_campaigns_active)", "campaign parts"),
                    Query("sum(distillwatch_campaign_partitions_idle)", "idle partitions"),
                ],
                width=12,
                height=7,
            ),
        ],
    )


def hook_retry_panel() -> Panel:
    """Delivery retries: an endpoint that answers 5xx, 429 or times out."""
    return Panel(
        "Hook delivery retries /s",
        [Query(f"sum(rate(distillwatch_hook_retries_total[{RATE}]))", "retries")],
        unit="ops",
        width=24,
        height=7,
        description=(
            "Attempts the hook will repeat (5xx, 408/425/429, timeouts, redirects). Sustained "
            "retries precede dead letters: check the provider endpoint."
        ),
    )
