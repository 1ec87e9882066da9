"""Write (or check) the generated Grafana dashboard JSON under ``dashboards/grafana/``.

Usage: ``python -m dashboards.generate`` rewrites the files; ``--check`` exits 1
when a committed file differs from what the code generates (a test runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboards.boards import all_dashboards

OUT_DIR = Path(__file__).resolve().parent / "grafana"


def render() -> dict[str, str]:
    """File name -> JSON text (sorted keys, 2-space indent, trailing newline)."""
    return {
        f"{stem}.json": json.dumps(board.to_dict(), indent=2, sort_keys=True) + "\n"
        for stem, board in all_dashboards().items()
    }


def stale_files(out_dir: Path = OUT_DIR) -> list[str]:
    """Names of generated files that are missing or differ from the committed ones."""
    return [
        name
        for name, text in render().items()
        if not (out_dir / name).exists() or (out_dir / name).read_text("utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if files are out of date")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.out)
        for name in stale:
            print(f"out of date: {args.out / name} (run python -m dashboards.generate)")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (args.out / name).write_text(text, "utf-8")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
