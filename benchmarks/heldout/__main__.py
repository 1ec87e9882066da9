"""``python -m benchmarks.heldout --seed N --days D --out DIR``: write a labelled dataset."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from benchmarks.heldout.generate import Config, generate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.heldout", description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-prompts", action="store_true", help="omit prompt_text everywhere")
    parser.add_argument("--scale-tokens", type=float, default=1.0, help="multiply all token counts")
    parser.add_argument("--scale-rate", type=float, default=1.0, help="multiply all request rates")
    parser.add_argument("--gzip", action="store_true", help="write events.jsonl.gz")
    parser.add_argument(
        "--start", help="log start, RFC 3339 (default: a midnight UTC drawn from the seed)"
    )
    parser.add_argument(
        "--account-age",
        choices=("auto", "present", "absent"),
        default="auto",
        help="whether events carry account_created_at (auto: drawn from the seed)",
    )
    parser.add_argument(
        "--benign-scale", type=float, default=1.0, help="multiply benign key counts"
    )
    args = parser.parse_args(argv)
    start = None
    if args.start:
        parsed = datetime.fromisoformat(args.start)
        if parsed.tzinfo is None:
            parser.error("--start needs a UTC offset")
        start = parsed.timestamp()
    config = Config(
        seed=args.seed,
        days=args.days,
        prompts=not args.no_prompts,
        scale_tokens=args.scale_tokens,
        scale_rate=args.scale_rate,
        gzip=args.gzip,
        start=start,
        account_age=args.account_age,
        benign_scale=args.benign_scale,
    )
    manifest = generate(config, args.out)
    print(
        f"{manifest['lines']} event lines, {manifest['keys']} keys, "
        f"{manifest['start']} .. {manifest['end']}, {manifest['seconds']} s -> {args.out}",
        file=sys.stderr,
    )
    for row in manifest["scenarios"]:
        print(
            f"{row['label']:7} {row['scenario']:28} keys={row['keys']:5} events={row['events']:9}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
