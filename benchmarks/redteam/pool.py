"""``python -m benchmarks.redteam.pool DIR [DIR ...]``: one table over several runs.

Pools the keys of every ``DIR/analysis.json`` (written by
:mod:`benchmarks.redteam.analyze`) by scenario: recall at warning and at
critical, the median share of a key's requests and delivered output served
before its first critical alert, the output harvested before critical over all
keys, the median total and family evidence at the keys' peaks and at their last
scoring, and (abuse only, from ``DIR/cost.json`` when present) the cost per
useful token against the baseline with a prompt cache.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam.analyze import FAMILIES

__all__ = ["main", "pool"]


def pool(directories: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Per scenario, pooled over the runs' keys."""
    keys: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cost: dict[str, list[float]] = defaultdict(list)
    for directory in directories:
        analysis = orjson.loads((directory / "analysis.json").read_bytes())
        for record in analysis["keys"].values():
            keys[record["scenario"]].append(record)
        path = directory / "cost.json"
        if path.exists():
            for scenario, row in orjson.loads(path.read_bytes()).items():
                if "cached_vs_baseline" in row:
                    cost[scenario].append(row["cached_vs_baseline"])
    out: dict[str, dict[str, Any]] = {}
    for scenario, rows in keys.items():
        peaks = [r["peak"] for r in rows if "peak" in r]
        lasts = [r["last"] for r in rows if "last" in r]

        def families(verdicts: list[dict[str, Any]]) -> dict[str, float]:
            if not verdicts:
                return {}
            return {
                f: round(statistics.median(v["families"].get(f, 0.0) for v in verdicts), 2)
                for f in FAMILIES
            }

        out[scenario] = {
            "label": rows[0]["label"],
            "keys": len(rows),
            "warning": sum(1 for r in rows if r["alerts"]),
            "critical": sum(1 for r in rows if "critical" in r["alerts"]),
            "served_requests": statistics.median(r["served_before_critical"][0] for r in rows),
            "served_output": statistics.median(r["served_before_critical"][1] for r in rows),
            "output_before_critical": sum(
                r["output_tokens"] * r["served_before_critical"][1] for r in rows
            ),
            "output_total": sum(r["output_tokens"] for r in rows),
            "peak_total": statistics.median(p["total"] for p in peaks) if peaks else None,
            "last_total": statistics.median(v["total"] for v in lasts) if lasts else None,
            "peak": families(peaks),
            "last": families(lasts),
            "cost_vs_baseline": statistics.median(cost[scenario]) if cost[scenario] else None,
        }
    return out


def markdown(table: dict[str, dict[str, Any]]) -> str:
    """The pooled table, abuse first (most output let through first), then benign."""
    lines = [
        "| scenario | label | keys | warning+ | critical | served<crit (req/out, median key) |"
        " harvest before critical | cost vs baseline | peak total | last total |"
        " last: yield / quant / elicit / cover / struct |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = sorted(
        table.items(),
        key=lambda item: (item[1]["label"] != "abuse", -item[1]["served_output"], item[0]),
    )
    for name, s in order:
        last = s["last"]
        fam = " / ".join(f"{last.get(f, 0.0):g}" for f in FAMILIES)
        cost = "" if s["cost_vs_baseline"] is None else f"{s['cost_vs_baseline']:.2f}"
        share = s["output_before_critical"] / max(s["output_total"], 1.0)
        lines.append(
            f"| {name} | {s['label']} | {s['keys']} | {s['warning']}/{s['keys']} |"
            f" {s['critical']}/{s['keys']} |"
            f" {s['served_requests']:.0%} / {s['served_output']:.0%} |"
            f" {s['output_before_critical'] / 1e6:.1f} M tok ({share:.0%}) | {cost} |"
            f" {s['peak_total']:.2f} | {s['last_total']:.2f} | {fam} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redteam.pool", description=__doc__)
    parser.add_argument("directories", nargs="+", type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write(markdown(pool(args.directories)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
