"""``make bench``: run every offline benchmark and print a combined summary.

Order matters: the replay throughput contenders run first and one at a time, each
pinned to one CPU, so nothing else of ours competes with them; then the memory
benchmarks (timing-insensitive) run side by side, two at a time. Targets print as
PASS/MISS and never change the exit status; only a benchmark that crashes does.

Options: ``--quick`` (small sizes, seconds; what the smoke test runs), ``--repeat N``
(timed runs per throughput contender), ``--profile`` (cProfile a full replay too),
``--streaming`` (also ``python -m benchmarks.streaming``, which needs the embedded
broker; off by default so ``make bench`` stays a few minutes long).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks import (
    QUICK_RESULTS_DIR,
    REPO_ROOT,
    RESULTS_DIR,
    machine_info,
    make_console,
    run_parallel,
    write_json,
)

__all__ = ["main"]

STREAMING_TIMEOUT = 900.0  # seconds
STREAMING_QUICK_EVENTS = 5_000
_STREAMING_RERUN = "python -m benchmarks.streaming  # needs the embedded broker"


def _flags(quick: bool) -> str:
    return " --quick" if quick else ""


def _memory_stage(
    quick: bool, results: Path, console: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    from benchmarks import key_memory

    keys = key_memory.QUICK_KEYS if quick else key_memory.FULL_KEYS
    commands = key_memory.child_commands(keys)
    campaign = _campaign_available()
    if campaign:
        command = [sys.executable, "-m", "benchmarks.campaign_memory", "--results", str(results)]
        commands.append(command + (["--quick"] if quick else []))
    with console.status("memory benchmarks (tracemalloc; two at a time)"):
        outputs = run_parallel(commands, jobs=2)
    memory = key_memory.report(
        key_memory.collect(outputs[: len(key_memory.CASES)]), quick, keys, results, console
    )
    if not campaign:
        console.print("campaign memory: skipped (detectors/campaigns.py is not there yet)")
        return memory, None
    console.print(outputs[-1].decode(errors="replace").rstrip())
    return memory, orjson.loads((results / "campaign_memory.json").read_bytes())


def _campaign_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("detectors.campaigns") is not None
        and (REPO_ROOT / "benchmarks" / "campaign_memory.py").exists()
    )


def _streaming(quick: bool, out: Path, timeout: float, console: Any) -> str:
    """Run the streaming benchmarks when they exist and a broker starts; return a status."""
    if not (REPO_ROOT / "benchmarks" / "streaming" / "__main__.py").exists():
        return "skipped: benchmarks/streaming/__main__.py does not exist yet"
    try:
        from pipeline.devtools.embedded_broker import BrokerError, EmbeddedBroker

        with EmbeddedBroker():
            pass
    except (ImportError, BrokerError, OSError) as exc:
        return f"skipped: the embedded broker does not start ({str(exc).splitlines()[0]})"
    # benchmarks.streaming's own interface: --events N (dataset size), --out FILE (JSON).
    command = [sys.executable, "-m", "benchmarks.streaming", "--out", str(out)]
    if quick:
        command += ["--events", str(STREAMING_QUICK_EVENTS)]
    console.rule("streaming benchmarks")
    # Own session, so a timeout takes down the whole tree, the broker it started included.
    process = subprocess.Popen(command, cwd=REPO_ROOT, start_new_session=True)
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return f"failed: still running after {timeout:.0f} s (stopped)"
    except BaseException:  # Ctrl-C does not reach a child in its own session: stop it here
        _kill_group(process)
        raise
    return f"ran: {out}" if code == 0 else f"failed: exit {code}"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no member of its group (e.g. a broker) lingers.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def _summary_rows(
    quick: bool,
    repeat: int,
    replay: dict[str, Any],
    memory: dict[str, Any],
    campaign: dict[str, Any] | None,
) -> list[tuple[str, str, str, str, str]]:
    q = _flags(quick)
    rerun_replay = f"python -m benchmarks.replay_throughput{q} --repeat {repeat}"
    rows = []
    for name in ("parse", "replay", "replay_meta", "replay_python", "replay_per_key"):
        c = replay["contenders"].get(name)
        if c is None:
            continue
        rows.append(
            (
                c["description"],
                f"{c['best_events_per_second']:,.0f} ev/s ({c['ratio_to_bare']:.3f}x bare; "
                f"{c['best_cpu_events_per_second']:,.0f} per CPU s)",
                "≥ 100,000 ev/s" if "target" in c else "—",
                c.get("target", "—"),
                rerun_replay,
            )
        )
    rerun_memory = f"python -m benchmarks.key_memory{q}"
    for case in memory["cases"]:
        rows.append(
            (
                f"memory/key, {case['case']['name']} ({memory['keys']:,} keys)",
                f"{case['retained_bytes_per_key']:,.0f} B (estimate "
                f"{case['estimate_bytes_per_key']:,.0f}, snapshot "
                f"{case['snapshot_bytes_per_key']:,.0f})",
                "≤ 2,048 B",
                case["target"],
                rerun_memory,
            )
        )
    if campaign is not None:
        rows.append(
            (
                f"campaign memory/key ({campaign['keys']:,} keys)",
                f"{campaign['bytes_per_key']:,.0f} B resident "
                f"(snapshot {campaign['snapshot_bytes_per_key']:,.0f})",
                f"≤ {campaign['target_bytes_per_key']:,} B",
                campaign["verdict"],
                f"python -m benchmarks.campaign_memory{q}",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per contender")
    parser.add_argument("--results", type=Path, help="where the JSON results go")
    parser.add_argument("--profile", action="store_true", help="also cProfile a full replay")
    parser.add_argument("--streaming", action="store_true", help="also the broker benchmarks")
    parser.add_argument(
        "--streaming-timeout",
        type=float,
        default=STREAMING_TIMEOUT,
        help="seconds before the streaming benchmarks are stopped (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    from benchmarks import replay_throughput

    results = args.results or (QUICK_RESULTS_DIR if args.quick else RESULTS_DIR)
    console = make_console()
    machine = machine_info()
    began = time.perf_counter()
    console.rule(
        f"distillwatch benchmarks{' (quick)' if args.quick else ''}: nproc {machine['nproc']}, "
        f"Python {machine['python']} ({machine['implementation']}), commit {machine['commit']}"
    )
    replay = replay_throughput.run_benchmark(args.quick, args.repeat, results)
    if args.profile:
        command = [sys.executable, "-m", "benchmarks.replay_throughput", "--profile"]
        command += ["--results", str(results), *(["--quick"] if args.quick else [])]
        with console.status("profiling a full replay"):
            console.print(run_parallel([command], jobs=1)[0].decode(errors="replace").rstrip())
    memory, campaign = _memory_stage(args.quick, results, console)
    streaming = (
        _streaming(args.quick, results / "streaming.json", args.streaming_timeout, console)
        if args.streaming
        else "not run (--streaming)"
    )
    elapsed = time.perf_counter() - began

    from rich.table import Table

    table = Table(title=f"Summary ({elapsed:.0f} s; results in {results})")
    for header in ("benchmark", "measured", "target", "verdict"):
        table.add_column(header, justify="center" if header == "verdict" else "left")
    rows = _summary_rows(args.quick, args.repeat, replay, memory, campaign)
    for row in rows:
        table.add_row(*row[:4])
    table.add_row("streaming (broker)", streaming, "—", "—")
    console.print(table)
    console.print("rerun one benchmark:", style="bold")
    for rerun in dict.fromkeys([row[4] for row in rows] + [_STREAMING_RERUN]):
        console.print(f"  {rerun}", highlight=False, soft_wrap=True)
    console.print(
        f"machine: nproc {machine['nproc']} ({machine['cpus_allowed']} allowed), "
        f"Python {machine['python']}, {machine['platform']}"
    )
    write_json(
        results / "summary.json",
        {
            "machine": machine,
            "quick": args.quick,
            "seconds": elapsed,
            "rows": [
                dict(zip(("benchmark", "measured", "target", "verdict", "rerun"), r, strict=True))
                for r in rows
            ],
            "streaming": streaming,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
