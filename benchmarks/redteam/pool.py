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


def markdown(table: dict[str, dict[str, Any]], label: str | None = None) -> str:
    """The pooled table, most output let through first (only ``label`` rows if given)."""
    lines = [
        "| scenario | keys | warning+ | critical | served<crit (req / out) |"
        " harvest before critical | cost | peak total | peak: Y / Q / E / C / S |"
        " last total | last: Y / Q / E / C / S |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = sorted(
        table.items(),
        key=lambda item: (item[1]["label"] != "abuse", -item[1]["served_output"], item[0]),
    )
    for name, s in order:
        if label is not None and s["label"] != label:
            continue
        peak = " / ".join(f"{s['peak'].get(f, 0.0):g}" for f in FAMILIES)
        last = " / ".join(f"{s['last'].get(f, 0.0):g}" for f in FAMILIES)
        cost = "" if s["cost_vs_baseline"] is None else f"{s['cost_vs_baseline']:.2f}"
        share = s["output_before_critical"] / max(s["output_total"], 1.0)
        lines.append(
            f"| {name} | {s['keys']} | {s['warning']}/{s['keys']} | {s['critical']}/{s['keys']} |"
            f" {s['served_requests']:.0%} / {s['served_output']:.0%} |"
            f" {s['output_before_critical'] / 1e6:.1f} M ({share:.0%}) | {cost} |"
            f" {s['peak_total']:.2f} | {peak} | {s['last_total']:.2f} | {last} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redteam.pool", description=__doc__)
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--label", choices=("abuse", "benign"), help="only these rows")
    args = parser.parse_args(argv)
    sys.stdout.write(markdown(pool(args.directories), args.label))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
