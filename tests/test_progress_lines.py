"""Off a terminal, long commands print progress lines (simulate, replay, evaluate)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, seconds: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DISTILLWATCH_PROGRESS_SECONDS": seconds}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_simulate_replay_and_evaluate_say_how_far_they_are(tmp_path: Path) -> None:
    out = str(tmp_path / "sim")
    sim = _run("simulate", "--seed", "3", "--days", "0.5", "--benign-keys", "20",
               "--attack-instances", "1", "--out", out, seconds="0.01")  # fmt: skip
    assert sim.returncode == 0, sim.stderr
    assert any(
        line.startswith("simulate: ") and " events, " in line for line in sim.stderr.splitlines()
    ), sim.stderr
    rep = _run("replay", str(tmp_path / "sim" / "events.jsonl"), "--out", str(tmp_path / "rep"),
               seconds="0.2")  # fmt: skip
    assert rep.returncode == 0, rep.stderr
    progress = [line for line in rep.stderr.splitlines() if line.startswith("replaying: ")]
    assert progress and "% " in progress[0] and progress[-1].startswith("replaying: done"), (
        rep.stderr
    )
    ev = _run("evaluate", str(tmp_path / "rep" / "alerts.jsonl"),
              str(tmp_path / "sim" / "labels.jsonl"), "--out", str(tmp_path / "ev"), "--quiet",
              seconds="0.05")  # fmt: skip
    assert ev.returncode == 0, ev.stderr
    assert "evaluate: " in ev.stderr


def test_short_runs_stay_quiet(tmp_path: Path) -> None:
    out = str(tmp_path / "sim")
    sim = _run("simulate", "--seed", "3", "--days", "0.1", "--benign-keys", "5",
               "--attack-instances", "1", "--out", out, seconds="60")  # fmt: skip
    assert sim.returncode == 0
    assert not [line for line in sim.stderr.splitlines() if line.startswith("simulate: ")]
