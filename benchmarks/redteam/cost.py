"""``python -m benchmarks.redteam.cost DIR``: what each evasion costs the attacker.

For every red-team abuse scenario: requests and billed tokens per *useful* output
token (the delivered answers of its harvest requests, i.e. those asking for at
least 1,000 tokens; pings, anchors and fillers are overhead), priced at
output 1, input 0.25 and cached input 0.025 per token (typical list-price
ratios: input a quarter of output, a prompt-cache hit a tenth of input), once
with no prompt cache and once with the context beyond the visible prompt and a
24-token system prompt (padding, conversation history) served from the cache.
Relative to ``baseline`` in the same dataset.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam.content import text_tokens

__all__ = ["costs", "main"]

OUTPUT, INPUT, CACHED = 1.0, 0.25, 0.025
SYSTEM = 24


def costs(directory: Path) -> dict[str, dict[str, float]]:
    """Per abuse scenario: requests, useful output, and both prices per useful token."""
    scenario_of: dict[str, str] = {}
    for line in (directory / "labels.jsonl").read_bytes().splitlines():
        label = orjson.loads(line)
        if (label.get("structure") or {}).get("source") == "redteam" and label["label"] == "abuse":
            scenario_of[label["api_key_id"]] = label["scenario"]
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with (directory / "events.jsonl").open("rb") as handle:
        for line in handle:
            if b'"rt_' not in line:
                continue
            event: dict[str, Any] = orjson.loads(line)
            scenario = scenario_of.get(event["api_key_id"])
            if scenario is None:
                continue
            s = sums[scenario]
            prompt = float(event["prompt_tokens"])
            completion = float(event["completion_tokens"])
            reasoning = float(event.get("reasoning_tokens", 0))
            # Inside (reasoning <= completion, as the reasoning_beside keys are not) or beside.
            billed = completion if scenario != "reasoning_beside" else completion + reasoning
            visible = text_tokens(event["prompt_text"]) if "prompt_text" in event else prompt
            cacheable = max(prompt - visible - SYSTEM, 0.0)
            s["requests"] += 1
            s["prompt"] += prompt
            s["billed_output"] += billed
            s["plain_cost"] += INPUT * prompt + OUTPUT * billed
            s["cached_cost"] += INPUT * (prompt - cacheable) + CACHED * cacheable + OUTPUT * billed
            if (event.get("max_tokens") or 0) >= 1000:
                delivered = completion - reasoning if 0 < reasoning <= completion else completion
                if scenario == "reasoning_beside":
                    delivered = completion
                s["useful"] += delivered
                s["harvest_requests"] += 1
    out: dict[str, dict[str, float]] = {}
    for scenario, s in sums.items():
        useful = max(s["useful"], 1.0)
        out[scenario] = {
            "requests_per_harvest": s["requests"] / max(s["harvest_requests"], 1.0),
            "input_per_useful": s["prompt"] / useful,
            "plain_cost_per_useful": s["plain_cost"] / useful,
            "cached_cost_per_useful": s["cached_cost"] / useful,
            "useful_tokens": s["useful"],
        }
    base = out.get("baseline")
    if base is not None:
        for row in out.values():
            row["plain_vs_baseline"] = row["plain_cost_per_useful"] / base["plain_cost_per_useful"]
            row["cached_vs_baseline"] = (
                row["cached_cost_per_useful"] / base["cached_cost_per_useful"]
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redteam.cost", description=__doc__)
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    table = costs(args.directory)
    (args.directory / "cost.json").write_bytes(orjson.dumps(table, option=orjson.OPT_INDENT_2))
    sys.stdout.write(
        "| scenario | requests per harvest request | input per useful token |"
        " cost vs baseline (no cache) | cost vs baseline (prompt cache) |\n|---|---|---|---|---|\n"
    )
    for name, row in sorted(table.items(), key=lambda item: item[1].get("cached_vs_baseline", 0)):
        sys.stdout.write(
            f"| {name} | {row['requests_per_harvest']:.2f} | {row['input_per_useful']:.2f} |"
            f" {row.get('plain_vs_baseline', float('nan')):.2f} |"
            f" {row.get('cached_vs_baseline', float('nan')):.2f} |\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
