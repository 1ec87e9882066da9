"""Memory per tracked key: feed an :class:`~detectors.engine.Engine` 100k distinct keys.

Two cases, both with realistic events (fields and prompts taken from the simulator,
re-keyed so every key is new):

``few``
    3 events per key inside one window: the key is tracked, nothing is scored yet.
``scored``
    4 events per key five minutes apart: each event closes the previous window (3 closed
    windows per key); the first closed window is scored (a key never scored is due), so
    the key's episode exists. Scoring more windows per key adds no per-key state but
    costs time under tracemalloc, which would push ``make bench`` past its time budget.

Half of the keys carry ``prompt_text`` (so frames, the item ring and the prompt sketch
form), half are metadata-only. Measured with :mod:`tracemalloc`: the bytes the engine
retains are the traced total with the engine alive minus the total after it is deleted, divided by
the keys. Printed side by side with the engine's own estimate
(``stats.state_bytes / keys``) and the size of :meth:`Engine.snapshot` per key.
Target (issue 2): <= 2 KB (2048 bytes) per tracked key at 100k keys.

Run ``python -m benchmarks.key_memory [--quick] [--keys N]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks import (
    QUICK_RESULTS_DIR,
    RESULTS_DIR,
    machine_info,
    make_console,
    run_parallel,
    verdict,
    write_json,
)
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event, parse_event

__all__ = [
    "CASES",
    "FULL_KEYS",
    "QUICK_KEYS",
    "TARGET_BYTES_PER_KEY",
    "MemoryCase",
    "child_commands",
    "collect",
    "event_pool",
    "main",
    "measure",
    "report",
    "run_benchmark",
]

TARGET_BYTES_PER_KEY = 2048
FULL_KEYS = 100_000
QUICK_KEYS = 2_000
START = 1_791_158_400.0  # 2026-10-05T00:00:00Z, on a window boundary


@dataclass(frozen=True)
class MemoryCase:
    """How each key is fed: ``events_per_key`` events, ``spacing`` seconds apart."""

    name: str
    events_per_key: int
    spacing: float
    description: str


CASES = (
    MemoryCase("few", 3, 60.0, "3 events in one window (tracked, not scored)"),
    MemoryCase("scored", 4, 300.0, "4 events 5 min apart (3 windows closed, 1 scored)"),
)


def event_pool(size: int = 4000, seed: int = 11) -> list[Event]:
    """Realistic events from the simulator (every field it writes, prompts included)."""
    from pipeline.simulate import SimulationConfig, simulate

    events, _ = simulate(SimulationConfig(seed=seed, days=0.05, benign_keys=80))
    pool: list[Event] = []
    for obj in events:
        try:
            pool.append(parse_event(obj))
        except ValueError:
            continue  # a malformed record: not pool material
        if len(pool) >= size:
            break
    return pool


def _feed(case: MemoryCase, keys: int, pool: list[Event]) -> Iterator[Event]:
    # Round by round so event time never goes backwards; keys spread over 60 s within a
    # round. Key, account and request ids are built here, inside the traced region, so
    # the strings the engine keeps are counted; prompts come from the pool (the engine
    # keeps only their fingerprints).
    slot = 60.0 / keys
    size = len(pool)
    for j in range(case.events_per_key):
        base = START + j * case.spacing
        for i in range(keys):
            template = pool[(i * 7919 + j) % size]
            yield template._replace(
                ts=base + i * slot,
                api_key_id=f"bench-key-{i:07d}",
                account_id=f"bench-acct-{i // 3:07d}",
                request_id=f"bench-req-{i:07d}-{j}",
                prompt_text=template.prompt_text if i % 2 == 0 else None,
            )


def measure(case: MemoryCase, keys: int, pool: list[Event]) -> dict[str, Any]:
    """Feed ``keys`` keys per ``case`` into a fresh engine; measure what it retains.

    Retained bytes are everything allocated while the engine was fed and still alive
    afterwards (the engine, and caches it filled); transient garbage is collected first.
    """
    gc.collect()
    tracemalloc.start()
    start, _ = tracemalloc.get_traced_memory()
    began = time.perf_counter()
    engine = Engine(EngineConfig())
    alerts = 0
    for event in _feed(case, keys, pool):
        alerts += len(engine.process(event))
    feed_seconds = time.perf_counter() - began
    gc.collect()
    with_engine, peak = tracemalloc.get_traced_memory()
    by_file = tracemalloc.take_snapshot().statistics("filename")
    # Stop tracing before the read-outs: pickling 100k keys under tracemalloc is slow.
    tracemalloc.stop()
    stats = engine.stats
    tracked = stats.keys_tracked
    snapshot_bytes = len(engine.snapshot())
    retained = with_engine - start
    per_key = retained / tracked if tracked else 0.0
    breakdown = [
        {"file": _short(stat.traceback[0].filename), "bytes_per_key": stat.size / max(tracked, 1)}
        for stat in by_file[:6]
    ]
    return {
        "case": asdict(case),
        "keys_fed": keys,
        "keys_tracked": tracked,
        "events": keys * case.events_per_key,
        "windows_folded": stats.windows_folded,
        "windows_scored": stats.windows_scored,
        "alerts": alerts,
        "retained_bytes": retained,
        "retained_bytes_per_key": per_key,
        "estimate_bytes_per_key": stats.state_bytes / tracked if tracked else 0.0,
        "snapshot_bytes_per_key": snapshot_bytes / tracked if tracked else 0.0,
        "tracemalloc_peak_bytes": peak,
        "top_allocating_files": breakdown,
        "feed_seconds_traced": feed_seconds,
        "target": verdict(per_key, TARGET_BYTES_PER_KEY, higher_is_better=False),
    }


def child_commands(keys: int) -> list[list[str]]:
    """One command per case, most expensive first (for :func:`benchmarks.run_parallel`).

    Each case runs in a fresh interpreter, so earlier work never pads the numbers; the
    cases may run side by side, since memory does not depend on timing.

    Children run the pure-Python path: tracemalloc sees only Python's allocator, not
    the compiled request-id memory's (``native/``), and the Python one is the larger,
    so the figure stays an upper bound for either build.
    """
    base = [sys.executable, "-c", _PURE_PYTHON, "--keys", str(keys), "--child"]
    return [[*base, case.name] for case in sorted(CASES, key=lambda c: -c.events_per_key)]


_PURE_PYTHON = (
    "import runpy, sys; sys.modules['distillwatch_native'] = None; "
    "runpy.run_module('benchmarks.key_memory', run_name='__main__')"
)


def collect(outputs: list[bytes]) -> list[dict[str, Any]]:
    """Parse the children's outputs (one JSON line last), in :data:`CASES` order."""
    rows = {}
    for out in outputs:
        row = orjson.loads(out.strip().splitlines()[-1])
        rows[row["case"]["name"]] = row
    return [rows[case.name] for case in CASES]


def _short(filename: str) -> str:
    if Path(filename).resolve() == Path(__file__).resolve():
        return "ids (key, account strings)"  # built by _feed, kept by the engine
    parts = Path(filename).parts
    for anchor in ("detectors", "pipeline", "river"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return Path(filename).name


def run_benchmark(
    quick: bool = False, keys: int | None = None, results_dir: Path | None = None, jobs: int = 2
) -> dict[str, Any]:
    """Measure every case, print the table, write ``memory.json``; return the results."""
    keys = keys or (QUICK_KEYS if quick else FULL_KEYS)
    results_dir = results_dir or (QUICK_RESULTS_DIR if quick else RESULTS_DIR)
    console = make_console()
    with console.status(f"feeding {keys:,} keys per case under tracemalloc ({jobs} at a time)"):
        rows = collect(run_parallel(child_commands(keys), jobs))
    return report(rows, quick, keys, results_dir, console)


def report(
    rows: list[dict[str, Any]], quick: bool, keys: int, results_dir: Path, console: Any
) -> dict[str, Any]:
    """Print the tables and write ``memory.json``; return the results."""
    result = {
        "benchmark": "key_memory",
        "quick": quick,
        "keys": keys,
        "target_bytes_per_key": TARGET_BYTES_PER_KEY,
        "cases": rows,
        "machine": machine_info(),
    }
    _print_table(console, result)
    write_json(results_dir / "memory.json", result)
    return result


def _print_table(console: Any, result: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Memory per tracked key, {result['keys']:,} keys (tracemalloc)")
    table.add_column("case")
    for header in ("retained B/key", "engine estimate B/key", "estimate/measured"):
        table.add_column(header, justify="right")
    table.add_column("snapshot B/key", justify="right")
    table.add_column("scored windows", justify="right")
    table.add_column("target ≤2 KB", justify="center")
    for row in result["cases"]:
        measured = row["retained_bytes_per_key"]
        table.add_row(
            row["case"]["description"],
            f"{measured:,.0f}",
            f"{row['estimate_bytes_per_key']:,.0f}",
            f"{row['estimate_bytes_per_key'] / measured:.2f}" if measured else "—",
            f"{row['snapshot_bytes_per_key']:,.0f}",
            f"{row['windows_scored']:,}",
            row["target"],
        )
    console.print(table)
    split = Table(title="Where the retained bytes were allocated (B/key, by source file)")
    split.add_column("case")
    split.add_column("top files", justify="left")
    for row in result["cases"]:
        split.add_row(
            row["case"]["name"],
            ", ".join(
                f"{f['file']} {f['bytes_per_key']:,.0f}" for f in row["top_allocating_files"]
            ),
        )
    console.print(split)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.key_memory")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_KEYS:,} keys (seconds)")
    parser.add_argument("--keys", type=int, help=f"distinct keys (default {FULL_KEYS:,})")
    parser.add_argument("--results", type=Path, help="directory for memory.json")
    parser.add_argument("--jobs", type=int, default=2, help="cases measured at once")
    parser.add_argument("--child", choices=[c.name for c in CASES], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keys is not None and args.keys < 1:
        parser.error("--keys must be >= 1")
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    if args.child is not None:
        case = next(c for c in CASES if c.name == args.child)
        keys = args.keys or (QUICK_KEYS if args.quick else FULL_KEYS)
        print(orjson.dumps(measure(case, keys, event_pool())).decode())
        return 0
    run_benchmark(args.quick, args.keys, args.results, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
