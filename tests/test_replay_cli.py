"""`distillwatch replay` end to end: golden output, determinism, bad input, exit codes."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

GOLDEN = Path(__file__).parent / "golden"


def replay(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "replay", *args, "--no-progress"],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture()
def golden_dir(tmp_path: Path) -> Path:
    shutil.copy(GOLDEN / "input.jsonl.gz", tmp_path / "input.jsonl.gz")
    return tmp_path


def test_golden_alerts_and_rejections(golden_dir: Path) -> None:
    result = replay("input.jsonl.gz", "--out", "out", cwd=golden_dir)
    assert result.returncode == 0, result.stderr.decode()
    out = golden_dir / "out"
    assert (out / "alerts.jsonl").read_bytes() == (GOLDEN / "expected_alerts.jsonl").read_bytes()
    assert (out / "rejected.jsonl").read_bytes() == (
        GOLDEN / "expected_rejected.jsonl"
    ).read_bytes()


def test_summary_accounts_for_every_line(golden_dir: Path) -> None:
    assert replay("input.jsonl.gz", "--out", "out", cwd=golden_dir).returncode == 0
    summary = orjson.loads((golden_dir / "out" / "summary.json").read_bytes())
    lines = gzip.decompress((golden_dir / "input.jsonl.gz").read_bytes()).count(b"\n")
    assert summary["events_total"] == lines
    assert (
        summary["events_valid"] + summary["events_rejected"] + summary["events_duplicate"] == lines
    )
    rejected = (golden_dir / "out" / "rejected.jsonl").read_bytes().splitlines()
    assert summary["events_rejected"] == len(rejected) == 4
    assert summary["events_duplicate"] > 0
    alerts = (golden_dir / "out" / "alerts.jsonl").read_bytes().splitlines()
    assert summary["alerts"]["warning"] + summary["alerts"]["critical"] == len(alerts)
    for key in ("keys_seen", "wall_seconds", "events_per_second"):
        assert key in summary


def test_campaign_settings_reach_the_stage(golden_dir: Path) -> None:
    (golden_dir / "dw.toml").write_text("[campaign]\nmember_total = 2.5\n")
    assert (
        replay("input.jsonl.gz", "--out", "out", "--config", "dw.toml", cwd=golden_dir).returncode
        == 0
    )
    summary = orjson.loads((golden_dir / "out" / "summary.json").read_bytes())
    assert summary["campaign_config"]["member_total"] == 2.5
    (golden_dir / "bad.toml").write_text("[campaign]\nmember_totl = 2.5\n")
    result = replay("input.jsonl.gz", "--out", "out2", "--config", "bad.toml", cwd=golden_dir)
    assert result.returncode == 2 and b"member_totl" in result.stderr


def test_same_input_gives_byte_identical_alerts(golden_dir: Path) -> None:
    assert replay("input.jsonl.gz", "--out", "a", cwd=golden_dir).returncode == 0
    assert replay("input.jsonl.gz", "--out", "b", cwd=golden_dir).returncode == 0
    a = (golden_dir / "a" / "alerts.jsonl").read_bytes()
    assert a and a == (golden_dir / "b" / "alerts.jsonl").read_bytes()


def test_stdin_and_plain_files_match_gzip(golden_dir: Path) -> None:
    raw = gzip.decompress((golden_dir / "input.jsonl.gz").read_bytes())
    (golden_dir / "plain.jsonl").write_bytes(raw)
    assert replay("plain.jsonl", "--out", "plain", cwd=golden_dir).returncode == 0
    assert replay("-", "--out", "stdin", cwd=golden_dir, stdin=raw).returncode == 0
    expected = (GOLDEN / "expected_alerts.jsonl").read_bytes()
    assert (golden_dir / "plain" / "alerts.jsonl").read_bytes() == expected
    assert (golden_dir / "stdin" / "alerts.jsonl").read_bytes() == expected


def test_alerts_are_in_event_time_order(golden_dir: Path) -> None:
    assert replay("input.jsonl.gz", "--out", "out", cwd=golden_dir).returncode == 0
    stamps = [orjson.loads(line)["ts"] for line in (golden_dir / "out" / "alerts.jsonl").open("rb")]
    assert stamps == sorted(stamps)


def test_unreadable_input_fails_with_one_line(tmp_path: Path) -> None:
    result = replay("missing.jsonl", "--out", "out", cwd=tmp_path)
    assert result.returncode != 0
    message = result.stderr.decode().strip()
    assert "missing.jsonl" in message and len(message.splitlines()) == 1


def test_truncated_gzip_is_an_error_after_what_was_read(golden_dir: Path) -> None:
    data = (golden_dir / "input.jsonl.gz").read_bytes()
    (golden_dir / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = replay("cut.jsonl.gz", "--out", "out", cwd=golden_dir)
    assert result.returncode != 0
    assert "cut.jsonl.gz" in result.stderr.decode()
    summary = orjson.loads((golden_dir / "out" / "summary.json").read_bytes())
    assert summary["events_total"] > 0 and "error" in summary


def test_prompt_text_never_reaches_outputs(golden_dir: Path) -> None:
    assert replay("input.jsonl.gz", "--out", "out", "--scores", cwd=golden_dir).returncode == 0
    for path in (golden_dir / "out").iterdir():
        text = path.read_bytes()
        assert b"step by step" not in text and b"Classify the sentiment" not in text, path.name


def test_scores_trace_explains_each_total(golden_dir: Path) -> None:
    """Each scoring line carries what every family and the support added to its total."""
    from detectors.evidence.families import CAPS

    assert replay("input.jsonl.gz", "--out", "out", "--scores", cwd=golden_dir).returncode == 0
    rows = [orjson.loads(line) for line in (golden_dir / "out" / "scores.jsonl").open("rb")]
    assert rows
    whole = [r for r in rows if r["horizon"] in ("hour", "day")]
    assert len(whole) > len(rows) // 2
    for row in whole:
        evidence = row["evidence"]
        assert set(evidence) == {*CAPS, "support"}
        clipped = sum(min(max(evidence[f], CAPS[f][1]), CAPS[f][0]) for f in CAPS)
        assert clipped + evidence["support"] == pytest.approx(row["total"], abs=0.02)
    # The golden harvester crosses critical on the evidence the trace shows.
    peak = max((r for r in rows if r["api_key_id"] == "golden-harvester"), key=lambda r: r["total"])
    assert peak["total"] >= 7.5 and peak["evidence"]["elicitation"] > 0
