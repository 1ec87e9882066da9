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


def _served(served: Mapping[str, Any], level: str) -> str:
    block = served[level]
    if not block["keys"]:
        return "n/a"
    return f"{_short(block['median'])}/{_short(block['worst'])}"


def _scenario_table(metrics: Mapping[str, Any]) -> Table:
    table = Table(
        title="Abusive scenarios: recall, requests served before critical (median/worst key)",
        title_justify="left",
    )
    table.add_column("scenario", overflow="fold")
    for name in ("warning+", "critical", "served<crit", "TTD crit (min)"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in metrics["scenarios"]:
        q = s["quality"]
        table.add_row(
            s["scenario"],
            _hit(q["detected"]["warning"], q["counted"], q["recall"]["warning"]),
            _hit(q["detected"]["critical"], q["counted"], q["recall"]["critical"]),
            _served(q["served_before"], "critical"),
            spread(s["time_to_detect_minutes"]["critical"], 0),
        )
    return table


def _benign_table(metrics: Mapping[str, Any]) -> Table:
    table = Table(
        title="Benign archetypes: keys alerted (over keys that sent something, with --events)",
        title_justify="left",
    )
    table.add_column("archetype", overflow="fold")
    for name in ("keys", "any alert", "critical"):
        table.add_column(name, justify="right", no_wrap=True)
    for b in metrics["benign_archetypes"]:
        q = b["quality"]
        table.add_row(
            b["archetype"],
            str(q["counted"]),
            _hit(q["any"], q["counted"], q["any_rate"]),
            _hit(q["critical"], q["counted"], q["critical_rate"]),
        )
    return table


def _headline(metrics: Mapping[str, Any], console: Console) -> None:
    h = metrics["headline"]
    served = h["served_before"]
    recall = h["mean_scenario_recall"]["critical"]
    console.print(
        f"[bold]headline[/]: mean scenario recall critical {pct(recall)};"
        f" served before critical: median key {pct(served['critical']['mean_scenario_median'])}"
        f" (mean over scenarios), worst key {pct(served['critical']['worst_key'])}"
    )
    b = h["benign"]
    console.print(
        f"benign ({b['basis']} keys): critical {count_of(b['critical'], b['counted'])}"
        f" {pct(b['critical_rate'])}, any alert {count_of(b['any'], b['counted'])}"
        f" {pct(b['any_rate'])}"
    )
    fast = h["fast"]
    if fast["keys"]:
        m = fast["minutes_to_critical"]
        console.print(
            f">= {fast['per_hour']} req/h keys: {fast['keys']}, minutes to critical p50"
            f" {m['p50']} max {m['max']}, {fast['not_critical']} never"
        )
    g = metrics["generalization"]
    for row in g["splits"] if g else []:
        means, b = row["scenario_means"], row["benign"]
        console.print(
            f"split {row['split']:>7}: mean scenario recall critical"
            f" {pct(means['recall']['critical'])}, served<crit median key"
            f" {pct(means['served_before_median']['critical'])} (mean over scenarios),"
            f" benign critical {pct(b['critical_rate'])} any {pct(b['any_rate'])}"
        )


def print_summary(metrics: Mapping[str, Any], out_dir: str, console: Console | None = None) -> None:
    """Print scenario and archetype tables, overall numbers and the best threshold."""
    console = console or Console()
    console.print(_scenario_table(metrics))
    console.print(_benign_table(metrics))
    _headline(metrics, console)
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
