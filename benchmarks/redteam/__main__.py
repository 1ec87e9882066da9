"""``python -m benchmarks.redteam --seed N --out DIR``: write a red-team dataset."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.redteam.generate import Config, generate
from benchmarks.redteam.scenarios import PROFILES, SCENARIOS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.redteam", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--days", type=float, default=1.5, help="log length (default 1.5)")
    parser.add_argument(
        "--benign-keys", type=int, default=160, help="simulated benign population (default 160)"
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="main")
    parser.add_argument(
        "--scenarios", default="", help="comma-separated scenarios instead of the profile's"
    )
    parser.add_argument("--instances", type=int, help="instances per scenario (default: its own)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, scenario in SCENARIOS.items():
            print(f"{scenario.label:7} {name:18} {scenario.idea}")
        return 0
    scenarios = tuple(s.strip() for s in args.scenarios.split(",") if s.strip())
    config = Config(
        seed=args.seed,
        days=args.days,
        benign_keys=args.benign_keys,
        profile=args.profile,
        scenarios=scenarios,
        instances=args.instances,
    )
    manifest = generate(config, args.out)
    print(
        f"{manifest['lines']} event lines, {manifest['keys']} keys,"
        f" {manifest['seconds']} s -> {args.out}",
        file=sys.stderr,
    )
    for row in manifest["redteam"]:
        print(
            f"{row['label']:7} {row['scenario']:18} keys={row['keys']:3} events={row['events']:7}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
