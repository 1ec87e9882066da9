"""Smoke test of ``make bench``: the quick run completes and prints its tables.

No speed or memory assertions here on purpose: targets live in the benchmarks and
print PASS/MISS. This only proves the harness runs end to end on real parts (the
simulator, the replay driver, the engine, the campaign stage) and writes sane results.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_runs_and_prints_tables(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--repeat", "1"]
    done = subprocess.run(
        [*command, "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for header in (
        "Replay throughput",
        "contender",
        "best ev/s",
        "vs (a) bare",
        "target ≥100k",
        "Memory per tracked key",
        "retained B/key",
        "engine estimate B/key",
        "snapshot B/key",
        "Summary",
        "machine: nproc",
        "python -m benchmarks.replay_throughput --quick",
    ):
        assert header in out, f"missing {header!r} in the output"

    replay = orjson.loads((tmp_path / "replay.json").read_bytes())
    contenders = replay["contenders"]
    assert set(contenders) == {
        "bare",
        "parse",
        "replay",
        "replay_meta",
        "bare_meta",
        "replay_python",
        "replay_per_key",
    }
    # Every contender read the whole of its file: same event count per file.
    for which in ("prompts", "metadata"):
        counts = {c["events"] for c in contenders.values() if c["file"] == which}
        assert len(counts) == 1 and counts.pop() > 0, which
    assert contenders["replay"]["target"] in {"PASS", "MISS"}

    memory = orjson.loads((tmp_path / "memory.json").read_bytes())
    by_case = {case["case"]["name"]: case for case in memory["cases"]}
    assert by_case["few"]["keys_tracked"] == memory["keys"]
    assert by_case["few"]["windows_scored"] == 0
    assert by_case["scored"]["windows_scored"] >= memory["keys"]
    for case in by_case.values():
        assert case["retained_bytes_per_key"] > 0
        assert case["target"] in {"PASS", "MISS"}
    assert (tmp_path / "summary.json").exists()


def test_triage_benchmark_runs_and_prints_its_table() -> None:
    command = [sys.executable, "-m", "benchmarks.triage_store", "--alerts", "3000", "--keys",
               "400", "--samples", "8"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for header in ("Triage over HTTP: 3,000 alerts, 400 keys", "p95 ms", "key page (random keys)",
                   "hashed id -> key page", "ranked alerts API, one hour"):  # fmt: skip
        assert header in done.stdout, header
