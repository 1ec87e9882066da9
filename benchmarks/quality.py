"""Detection quality on generated traffic: the numbers the README's tables come from.

Each *set* is a way to make labelled traffic; each run generates it (cached under
``out/quality/`` by its arguments), replays it through the engine and evaluates
the alerts, then prints one line per run and writes ``results.json``:

- ``tune``: the project's simulator, structures tuned on (``--split tune``);
- ``holdout``: the same simulator, only the held-out structures (``--split holdout``);
- ``independent``: ``benchmarks/heldout``, a generator written without looking at
  the detector (never tuned on);
- ``independent-scaled``: the same with token counts x0.3 and x3 and rates x0.1 and
  x10 (``--scale-tokens``, ``--scale-rate``): the same configuration must adapt;
- ``independent-metadata``: the same without ``prompt_text``.

Usage::

    python -m benchmarks.quality --set holdout --seeds 201,202 --days 1
    python -m benchmarks.quality --set independent --seeds 2,3 --days 2

The headline per run: mean per-scenario recall at ``critical`` (attack keys that
sent something), the share of an attacker's requests served before its first
``critical`` (median key, mean over scenarios; a key never caught counts 100 %),
keys harvesting >= 300 requests an hour reaching critical within 30 minutes, and
benign keys (that sent something) with a critical / any alert.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT

__all__ = ["main", "run_one"]

OUT = REPO_ROOT / "out" / "quality"
SETS = ("tune", "holdout", "independent", "independent-scaled", "independent-metadata")


def _generate(kind: str, seed: int, days: float, benign: int, extra: list[str]) -> Path:
    tag = hashlib.sha256(repr((kind, seed, days, benign, extra)).encode()).hexdigest()[:12]
    data = OUT / f"data-{kind}-{seed}-{tag}"
    if (data / "labels.jsonl").exists():
        return data
    data.mkdir(parents=True, exist_ok=True)
    if kind in ("tune", "holdout"):
        command = [sys.executable, "-m", "pipeline.cli.main", "simulate", "--seed", str(seed),
                   "--days", str(days), "--benign-keys", str(benign), "--split", kind,
                   "--gzip", "--out", str(data), *extra]  # fmt: skip
    else:
        command = [sys.executable, "-m", "benchmarks.heldout", "--seed", str(seed),
                   "--days", str(days), "--gzip", "--out", str(data), *extra]  # fmt: skip
    subprocess.run(command, check=True, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
    return data


def _partitions_suffix(partitions: int | None) -> str:
    """What names the outputs of a replay with a partition count other than the default."""
    return "" if partitions is None else f"-p{partitions}"


def run_one(
    kind: str, seed: int, days: float, benign: int, extra: list[str], partitions: int | None = None
) -> dict[str, Any]:
    """Generate (or reuse), replay and evaluate one dataset; its headline numbers.

    ``partitions`` replays with that many shards instead of the default (a deployment
    with that many requests partitions).
    """
    data = _generate(kind, seed, days, benign, extra)
    events = data / "events.jsonl.gz"
    suffix = _partitions_suffix(partitions)
    replayed = data.with_name(data.name.replace("data-", "replay-") + suffix)
    evaluated = data.with_name(data.name.replace("data-", "eval-") + suffix)
    main = [sys.executable, "-m", "pipeline.cli.main"]
    config: list[str] = []
    if partitions is not None:
        settings = data.with_name(f"settings-p{partitions}.toml")
        settings.write_text(f"partitions = {partitions}\n")
        config = ["--config", str(settings)]
    subprocess.run([*main, "replay", str(events), "--out", str(replayed), *config], check=True,
                   cwd=REPO_ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    subprocess.run([*main, "evaluate", str(replayed / "alerts.jsonl"), str(data / "labels.jsonl"),
                    "--events", str(events), "--out", str(evaluated)], check=True,
                   cwd=REPO_ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    metrics = json.loads((evaluated / "metrics.json").read_text())
    summary = json.loads((replayed / "summary.json").read_text())
    head = metrics["headline"]
    scenarios = {
        s["scenario"]: {
            "keys": s["quality"]["counted"],
            "recall_critical": s["quality"]["recall"]["critical"],
            "served_before_critical_median": s["quality"]["served_before"]["critical"]["median"],
        }
        for s in metrics["scenarios"]
    }
    return {
        "set": kind,
        "seed": seed,
        "args": extra,
        "events": summary.get("events_valid"),
        "mean_recall_critical": head["mean_scenario_recall"]["critical"],
        "served_before_critical": head["served_before"]["critical"]["mean_scenario_median"],
        "fast_keys": head["fast"]["keys"],
        "fast_critical_30min": _fast_in_30(metrics),
        "benign_critical_rate": head["benign"]["critical_rate"],
        "benign_any_rate": head["benign"]["any_rate"],
        "scenarios": scenarios,
        "report": str(evaluated / "report.md"),
    }


def _fast_in_30(metrics: dict[str, Any]) -> str:
    fast = metrics["headline"]["fast"]
    p50 = fast.get("minutes_to_critical", {}).get("p50")
    return f"{fast['critical']}/{fast['keys']} (p50 {p50} min)"


def _variants(kind: str) -> list[list[str]]:
    if kind == "independent-scaled":
        return [["--scale-tokens", "0.3"], ["--scale-tokens", "3"], ["--scale-rate", "0.1"],
                ["--scale-rate", "10"]]  # fmt: skip
    if kind == "independent-metadata":
        return [["--no-prompts"]]
    return [[]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__)
    parser.add_argument("--set", choices=SETS, required=True)
    parser.add_argument("--seeds", default="1", help="comma-separated seeds")
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--benign-keys", type=int, default=1000, help="simulator sets only")
    parser.add_argument("--attack-instances", type=int, default=3, help="simulator sets only")
    parser.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="replay with this many partitions (default: the engine's)",
    )
    args = parser.parse_args(argv)
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        for extra in _variants(args.set):
            if args.set in ("tune", "holdout"):
                extra = [*extra, "--attack-instances", str(args.attack_instances)]
            row = run_one(
                args.set.split("-")[0], seed, args.days, args.benign_keys, extra, args.partitions
            )
            rows.append(row)
            print(
                f"{args.set:20s} seed {seed:4d} {' '.join(extra):28s} "
                f"recall@crit {row['mean_recall_critical']:.2f}  "
                f"served<crit {row['served_before_critical']:.2f}  "
                f">=300/h crit {row['fast_critical_30min']}  "
                f"benign crit {row['benign_critical_rate']:.4f} any {row['benign_any_rate']:.4f}"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = _partitions_suffix(args.partitions)
    (OUT / f"results-{args.set}{suffix}.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
