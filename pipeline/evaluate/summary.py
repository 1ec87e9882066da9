"""The one-screen console summary (rich tables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.evaluate.fmt import count_of, pct, spread
from pipeline.evaluate.records import LEVELS


def _short(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.0f}%"


def _hit(part: int, whole: int, share: float | None) -> str:
    # Compact "n/N pp%" so the tables fit an 80-column terminal.
    return f"{count_of(part, whole)} {_short(share)}"


def _scenario_table(metrics: Mapping[str, Any]) -> Table:
    table = Table(
        title="Abusive scenarios: detected keys, recall, time to detect p50/p90/max",
        title_justify="left",
    )
    table.add_column("scenario", overflow="fold")
    for name in ("keys", "warning+", "critical", "TTD warn+ (min)"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in metrics["scenarios"]:
        table.add_row(
            s["scenario"],
            str(s["keys"]),
            _hit(s["detected"]["warning"], s["keys"], s["recall"]["warning"]),
            _hit(s["detected"]["critical"], s["keys"], s["recall"]["critical"]),
            spread(s["time_to_detect_minutes"]["warning"], 0),
        )
    return table


def _benign_table(metrics: Mapping[str, Any]) -> Table:
    table = Table(title="Benign archetypes: keys alerted (false positives)", title_justify="left")
    table.add_column("archetype", overflow="fold")
    for name in ("keys", "any alert", "critical"):
        table.add_column(name, justify="right", no_wrap=True)
    for b in metrics["benign_archetypes"]:
        table.add_row(
            b["archetype"],
            str(b["keys"]),
            _hit(b["alerted"]["warning"], b["keys"], b["fp_rate"]["warning"]),
            _hit(b["alerted"]["critical"], b["keys"], b["fp_rate"]["critical"]),
        )
    return table


def print_summary(metrics: Mapping[str, Any], out_dir: str, console: Console | None = None) -> None:
    """Print scenario and archetype tables, overall numbers and the best threshold."""
    console = console or Console()
    console.print(_scenario_table(metrics))
    console.print(_benign_table(metrics))
    overall = metrics["overall"]["levels"]
    for level in LEVELS:
        c = overall[level]
        console.print(
            f"[bold]{level:>8}[/]: precision {pct(c['precision'])}, recall {pct(c['recall'])},"
            f" F1 {pct(c['f1'])}, benign FPR {pct(c['benign_fpr'])}"
        )
    for block in (metrics["threshold_sweep"], metrics["score_sweep"]):
        if not block:
            continue
        for name, best in (
            ("best F1", block["best"]),
            (f"best F1 at FPR<={pct(block['max_benign_fpr'])}", block["best_within_fpr"]),
        ):
            if best is not None:
                console.print(
                    f"t={best['threshold']:.2f} ({block['source']}, {name}):"
                    f" F1 {_short(best['f1'])} P {_short(best['precision'])}"
                    f" R {_short(best['recall'])} FPR {_short(best['benign_fpr'])}"
                )
    camp = metrics["campaigns"]
    console.print(
        f"campaigns: {camp['labelled_campaigns']} labelled, {camp['detected_campaign_ids']}"
        f" detected ids, {camp['benign_keys_pulled_in']} benign keys pulled in"
    )
    bad = [f"{r['role']} {r['malformed']}" for r in metrics["inputs"] if r["malformed"]]
    if bad:
        console.print(f"[yellow]malformed lines skipped: {', '.join(bad)}[/]")
    console.print(f"report: {out_dir}/report.md, report.html, metrics.json")
