"""``python -m benchmarks.heldout.summary DIR``: a Markdown table of a generated dataset.

Per scenario: label, keys, event lines, campaigns, and the structures drawn
(timing shapes, infrastructures, prompt styles, model kinds, keys without
``prompt_text``), read from ``labels.jsonl`` and ``manifest.json``.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson


def _short(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" if v > 1 else k for k, v in sorted(counter.items()))


def table(out_dir: Path) -> str:
    """The Markdown table for the dataset in ``out_dir``."""
    manifest: dict[str, Any] = orjson.loads((out_dir / "manifest.json").read_bytes())
    dims: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for line in (out_dir / "labels.jsonl").read_bytes().splitlines():
        label = orjson.loads(line)
        s = label["structure"]
        d = dims[label["scenario"]]
        d["timing"][s["timing"]["shape"]] += 1
        d["infra"][s["infrastructure"]] += 1
        if "prompt_style" in s:
            d["style"][s["prompt_style"]] += 1
            d["model"][s["model_kind"]] += 1
        if "prompt_text" in s.get("fields_absent", []):
            d["no_text"]["keys"] += 1
    lines = [
        "| label | scenario | keys | events | timing shapes | infrastructure | prompt style | "
        "model | keys w/o prompt_text |",
        "|---|---|---:|---:|---|---|---|---|---:|",
    ]
    for row in manifest["scenarios"]:
        d = dims[row["scenario"]]
        name = row["scenario"] + (f" ({row['campaigns']} campaigns)" if row["campaigns"] else "")
        lines.append(
            f"| {row['label']} | {name} | {row['keys']} | {row['events']:,} | "
            f"{_short(d['timing'])} | {_short(d['infra'])} | "
            f"{_short(d['style']) or '-'} | {_short(d['model']) or '-'} | "
            f"{d['no_text']['keys']} |"
        )
    total = sum(r["events"] for r in manifest["scenarios"])
    lines.append(f"| | **total** | {manifest['keys']} | {total:,} | | | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(Path(sys.argv[1])))
