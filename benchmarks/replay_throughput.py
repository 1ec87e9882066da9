"""Replay throughput on one core, side by side with a bare ``orjson`` loop over the same file.

Contenders, each timed in its own subprocess pinned to one CPU:

(a) ``bare``        read lines + ``orjson.loads`` (the floor: what any JSON replay costs)
(b) ``parse``       read lines + :func:`detectors.events.parse_line` (decode and validate)
(c) ``replay``      :func:`pipeline.runtime.replay.replay_files` (ShardedEngine, outputs to
                    a temp dir)
(d) ``replay_meta`` the same replay over the same events with ``prompt_text`` removed
(e) ``bare_meta``   the bare loop over that metadata-only file (the fair floor for d)
(f) ``replay_python`` (c) on the pure-Python path (``DISTILLWATCH_NATIVE=0``: the
                    compiled module is never imported), for comparison

Target (issue 2): full replay with ``prompt_text`` present >= 100k events/s on one core.
The verdict uses the best of the repeats (the run least disturbed by other work on a
shared machine) and never fails the command.

Run ``python -m benchmarks.replay_throughput [--quick] [--repeat N]``; add ``--profile``
to print where a full replay spends its time (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from benchmarks import (
    CACHE_DIR,
    QUICK_RESULTS_DIR,
    RESULTS_DIR,
    machine_info,
    make_console,
    rate,
    simulator_digest,
    spread,
    verdict,
    write_json,
)
from pipeline import native_switch

__all__ = ["CONTENDERS", "TARGET_EVENTS_PER_SECOND", "ensure_dataset", "main", "run_benchmark"]

TARGET_EVENTS_PER_SECOND = 100_000.0

#: name -> (description, which file, its baseline contender)
CONTENDERS: dict[str, tuple[str, str, str]] = {
    "bare": ("(a) bare loop: lines + orjson.loads", "prompts", "bare"),
    "parse": ("(b) parse only: parse_line", "prompts", "bare"),
    "replay": ("(c) full replay (ShardedEngine)", "prompts", "bare"),
    "replay_meta": ("(d) full replay, no prompt_text", "metadata", "bare_meta"),
    "bare_meta": ("(e) bare loop, no prompt_text", "metadata", "bare_meta"),
    "replay_python": ("(f) full replay, pure Python", "prompts", "bare"),
    "replay_per_key": ("(g) full replay, per-key engines only", "prompts", "bare"),
}
#: Contenders run with the compiled module kept out (pipeline/native_switch.py).
PURE_PYTHON = ("replay_python",)
#: Contenders held to the throughput target.
TARGETED = ("replay", "replay_meta")

# ~286k events with prompts (about 530 bytes each); quick: a few thousand.
# Every key logs every field (``--pin fields=all``), so every event carries prompt_text.
FULL_DATASET = {
    "seed": 1,
    "days": 0.25,
    "benign_keys": 400,
    "attack_instances": 3,
    "pins": [["fields", "all"]],
}
QUICK_DATASET = {
    "seed": 1,
    "days": 0.02,
    "benign_keys": 40,
    "attack_instances": 1,
    "pins": [["fields", "all"]],
}


# -- the input files -------------------------------------------------------------------


def ensure_dataset(params: dict[str, Any]) -> tuple[Path, Path]:
    """Return (events with prompts, same events without ``prompt_text``), generating once.

    Files live in ``.cache/bench/replay-<hash of params and simulator source>/``; a
    rerun with the same parameters and simulator reuses them.
    """
    from pipeline.simulate import SimulationConfig, write_dataset

    keyed = {**params, "simulator": simulator_digest()}
    digest = hashlib.sha256(orjson.dumps(keyed, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
    folder = CACHE_DIR / f"replay-{digest}"
    prompts = folder / "events.jsonl"
    metadata = folder / "events-metadata.jsonl"
    if prompts.exists() and metadata.exists():
        return prompts, metadata
    # Build in a private folder and rename it into place: two runs generating at once
    # (make bench next to the smoke test) never see each other's half-written files.
    staging = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    staging.mkdir(parents=True, exist_ok=True)
    pins = tuple(tuple(pin) for pin in params.get("pins", ()))
    write_dataset(SimulationConfig(**{**params, "pins": pins}), staging, compress=False)
    _strip_prompts(staging / "events.jsonl", staging / "events-metadata.jsonl")
    (staging / "params.json").write_bytes(orjson.dumps(params))
    try:
        staging.rename(folder)
    except OSError:  # another run finished first (or left a broken folder): use theirs
        shutil.rmtree(staging)
        if not (prompts.exists() and metadata.exists()):
            shutil.rmtree(folder)
            return ensure_dataset(params)
    return prompts, metadata


def _strip_prompts(source: Path, target: Path) -> None:
    # Same events, same order, same other fields: only prompt_text goes.
    with source.open("rb") as src, target.open("wb") as dst:
        for line in src:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                dst.write(line)
                continue
            if type(obj) is dict:
                obj.pop("prompt_text", None)
            dst.write(orjson.dumps(obj) + b"\n")


# -- contenders (run inside the pinned child process) -----------------------------------


def _bare(path: Path) -> int:
    loads = orjson.loads
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            loads(line)
            count += 1
    return count


def _parse(path: Path) -> int:
    from detectors.events import parse_line

    count = 0
    with path.open("rb") as handle:
        for count, line in enumerate(handle, start=1):
            parse_line(line, count)
    return count


def _replay(path: Path, campaigns: bool = True) -> int:
    from detectors.config import EngineConfig
    from pipeline.runtime.replay import replay_files

    with tempfile.TemporaryDirectory(prefix="dw-bench-replay-") as tmp:
        result = replay_files([str(path)], EngineConfig(), out_dir=Path(tmp), campaigns=campaigns)
    return int(result.summary["events_total"])


def _replay_per_key(path: Path) -> int:
    """(c) without the campaign stage: what the stage costs is (c) against this."""
    return _replay(path, campaigns=False)


_RUNNERS: dict[str, Callable[[Path], int]] = {
    "bare": _bare,
    "parse": _parse,
    "replay": _replay,
    "replay_meta": _replay,
    "bare_meta": _bare,
    "replay_python": _replay,
    "replay_per_key": _replay_per_key,
}


def pick_cpu() -> int:
    """The CPU contenders are pinned to: the highest one this process may use."""
    return max(os.sched_getaffinity(0))


def _child(name: str, path: Path, repeat: int, cpu: int) -> dict[str, Any]:
    os.sched_setaffinity(0, {cpu})
    # Import everything a contender touches before the clock starts (river alone takes
    # a noticeable fraction of a second), so repeat 1 times the same work as repeat 3.
    import detectors.events  # noqa: F401
    import pipeline.runtime.replay  # noqa: F401

    runner = _RUNNERS[name]
    walls: list[float] = []
    cpus: list[float] = []
    events = 0
    for _ in range(repeat):
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        events = runner(path)
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return {"name": name, "events": events, "wall_seconds": walls, "cpu_seconds": cpus}


def _run_child(name: str, path: Path, repeat: int, cpu: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.replay_throughput",
        "--child",
        name,
        "--input",
        str(path),
        "--repeat",
        str(repeat),
        "--cpu",
        str(cpu),
    ]
    env = {**os.environ, native_switch.ENV: "0" if name in PURE_PYTHON else "1"}
    done = subprocess.run(
        command, capture_output=True, cwd=Path(__file__).resolve().parent.parent, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"contender {name} failed: {done.stderr.decode(errors='replace')}")
    # The child prints one JSON line last; anything before it is noise from imports.
    result: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the benchmark ----------------------------------------------------------------------


def run_benchmark(
    quick: bool = False, repeat: int = 3, results_dir: Path | None = None, cpu: int | None = None
) -> dict[str, Any]:
    """Time every contender, print the table, write ``replay.json``; return the results."""
    params = QUICK_DATASET if quick else FULL_DATASET
    results_dir = results_dir or (QUICK_RESULTS_DIR if quick else RESULTS_DIR)
    cpu = pick_cpu() if cpu is None else cpu
    console = make_console()
    with console.status("generating / loading the replay input"):
        prompts, metadata = ensure_dataset(params)
    files = {"prompts": prompts, "metadata": metadata}
    previous = _load_previous(results_dir / "replay.json")
    rows: dict[str, dict[str, Any]] = {}
    for name, (_, which, _) in CONTENDERS.items():
        with console.status(f"timing {name} on CPU {cpu} ({repeat}x)"):
            rows[name] = _run_child(name, files[which], repeat, cpu)
    for name, row in rows.items():
        description, which, _ = CONTENDERS[name]
        best_wall, median_wall = spread(row["wall_seconds"])
        best_cpu, _ = spread(row["cpu_seconds"])
        row.update(
            description=description,
            file=which,
            best_events_per_second=rate(row["events"], best_wall),
            median_events_per_second=rate(row["events"], median_wall),
            best_cpu_events_per_second=rate(row["events"], best_cpu),
        )
    bare = rows["bare"]["best_events_per_second"]
    for name, row in rows.items():
        own_base = rows[CONTENDERS[name][2]]["best_events_per_second"]
        row["ratio_to_bare"] = row["best_events_per_second"] / bare if bare else 0.0
        row["ratio_to_bare_same_file"] = row["best_events_per_second"] / own_base if own_base else 0
        if name in TARGETED:
            row["target"] = verdict(row["best_events_per_second"], TARGET_EVENTS_PER_SECOND)
    counts = {row["file"]: row["events"] for row in rows.values()}
    result = {
        "benchmark": "replay_throughput",
        "quick": quick,
        "repeat": repeat,
        "cpu": cpu,
        "dataset": {"params": params, "events": counts, "bytes": _sizes(files)},
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "contenders": rows,
        "machine": machine_info(),
    }
    _print_table(console, result, previous)
    write_json(results_dir / "replay.json", result)
    return result


def _sizes(files: dict[str, Path]) -> dict[str, int]:
    return {which: path.stat().st_size for which, path in files.items()}


def _load_previous(path: Path) -> dict[str, float]:
    """Best events/s per contender of the last run written there (for a 'last run' column)."""
    try:
        data = orjson.loads(path.read_bytes())
        return {n: float(r["best_events_per_second"]) for n, r in data["contenders"].items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return {}


def _print_table(console: Any, result: dict[str, Any], previous: dict[str, float]) -> None:
    from rich.table import Table

    dataset = result["dataset"]
    title = (
        f"Replay throughput, one core (CPU {result['cpu']}), best/median of {result['repeat']}; "
        f"{dataset['events']['prompts']:,} events, "
        f"{dataset['bytes']['prompts'] / max(dataset['events']['prompts'], 1):.0f} B/event; "
        f"hot path: {result['machine'].get('hot_path', '?')}"
    )
    table = Table(title=title)
    for header in ("contender", "best ev/s", "median ev/s", "cpu ev/s", "vs (a) bare"):
        table.add_column(header, justify="left" if header == "contender" else "right")
    table.add_column("vs bare, same file", justify="right")
    table.add_column("last run ev/s", justify="right")
    table.add_column("target ≥100k", justify="center")
    for name, row in result["contenders"].items():
        last = previous.get(name)
        table.add_row(
            row["description"],
            f"{row['best_events_per_second']:,.0f}",
            f"{row['median_events_per_second']:,.0f}",
            f"{row['best_cpu_events_per_second']:,.0f}",
            f"{row['ratio_to_bare']:.3f}",
            f"{row['ratio_to_bare_same_file']:.3f}",
            "—" if last is None else f"{last:,.0f}",
            row.get("target", "—"),
        )
    console.print(table)


# -- profiling --------------------------------------------------------------------------


def profile_replay(quick: bool = False, top: int = 15, cpu: int | None = None) -> list[dict]:
    """cProfile one full replay (pinned to one CPU); print and return the top functions.

    ``share`` is the function's own time (tottime) over the total own time.
    """
    import cProfile
    import pstats

    import pipeline.runtime.replay  # noqa: F401 - import outside the profile, as the timed runs do

    prompts, _ = ensure_dataset(QUICK_DATASET if quick else FULL_DATASET)
    os.sched_setaffinity(0, {pick_cpu() if cpu is None else cpu})
    profiler = cProfile.Profile()
    profiler.runcall(_replay, prompts)
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps it untyped
    total = sum(entry[2] for entry in raw.values()) or 1.0
    rows = sorted(
        (
            {
                "function": f"{Path(file).name}:{line}({func})",
                "calls": entry[1],
                "tottime": entry[2],
                "cumtime": entry[3],
                "share": entry[2] / total,
            }
            for (file, line, func), entry in raw.items()
        ),
        key=lambda r: -r["tottime"],
    )[:top]
    from rich.table import Table

    table = Table(title=f"Full replay hot spots (cProfile, own time; total {total:.2f} s)")
    for header in ("function", "calls", "tottime s", "share", "cumtime s"):
        table.add_column(header, justify="left" if header == "function" else "right")
    for r in rows:
        table.add_row(
            r["function"],
            f"{r['calls']:,}",
            f"{r['tottime']:.2f}",
            f"{r['share']:.1%}",
            f"{r['cumtime']:.2f}",
        )
    modules: dict[str, float] = {}
    for (file, _, func), entry in raw.items():
        name = Path(file).name if file != "~" else func  # "~": C builtins, named by function
        modules[name] = modules.get(name, 0.0) + entry[2]
    by_module = Table(title="Own time by source file")
    by_module.add_column("file")
    by_module.add_column("share", justify="right")
    for name, seconds in sorted(modules.items(), key=lambda kv: -kv[1])[:10]:
        by_module.add_row(name, f"{seconds / total:.1%}")
    console = make_console()
    console.print(table)
    console.print(by_module)
    return rows


# -- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.replay_throughput")
    parser.add_argument("--quick", action="store_true", help="small input (seconds)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per contender")
    parser.add_argument("--results", type=Path, help="directory for replay.json")
    parser.add_argument("--cpu", type=int, help="CPU to pin to (default: the highest allowed)")
    parser.add_argument("--profile", action="store_true", help="cProfile a full replay instead")
    parser.add_argument("--child", choices=sorted(_RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    # DISTILLWATCH_NATIVE=0 (the pure-Python contender): before anything imports detectors.
    native_switch.apply(os.environ)
    if args.child is not None:
        cpu = pick_cpu() if args.cpu is None else args.cpu
        print(orjson.dumps(_child(args.child, args.input, args.repeat, cpu)).decode())
        return 0
    if args.profile:
        rows = profile_replay(args.quick, cpu=args.cpu)
        out = args.results or (QUICK_RESULTS_DIR if args.quick else RESULTS_DIR)
        write_json(out / "replay_profile.json", rows)
        return 0
    run_benchmark(args.quick, args.repeat, args.results, args.cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
