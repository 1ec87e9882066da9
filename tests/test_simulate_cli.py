"""`distillwatch simulate` end to end: files, determinism, flags."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from pipeline.cli.main import main

# Tiny but complete: one instance of every abuse scenario (a swarm is still 100+ keys).
BASE = ["simulate", "--days", "0.03", "--benign-keys", "24", "--attack-instances", "1"]


def _run(out: Path, *extra: str) -> tuple[bytes, bytes]:
    assert main([*BASE, "--out", str(out), *extra]) == 0
    name = "events.jsonl.gz" if "--gzip" in extra else "events.jsonl"
    return (out / name).read_bytes(), (out / "labels.jsonl").read_bytes()


@pytest.fixture(scope="module")
def seed1(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    return _run(tmp_path_factory.mktemp("seed1"), "--seed", "1")


def test_same_seed_gives_identical_bytes(seed1: tuple[bytes, bytes], tmp_path: Path) -> None:
    assert _run(tmp_path, "--seed", "1") == seed1


def test_different_seed_gives_different_data(seed1: tuple[bytes, bytes], tmp_path: Path) -> None:
    events, labels = _run(tmp_path, "--seed", "2")
    assert events != seed1[0]
    assert labels != seed1[1]


def test_gzip_is_deterministic_and_matches_plain(
    seed1: tuple[bytes, bytes], tmp_path: Path
) -> None:
    first, _ = _run(tmp_path / "a", "--seed", "1", "--gzip")
    second, _ = _run(tmp_path / "b", "--seed", "1", "--gzip")
    assert first == second  # no mtime or file name in the gzip header
    assert gzip.decompress(first) == seed1[0]


def test_prints_one_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(tmp_path, "--seed", "1")
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    lines = (tmp_path / "events.jsonl").read_bytes().count(b"\n")
    assert f"{lines:,} events" in out


def test_no_prompts_drops_text_and_keeps_metadata(
    seed1: tuple[bytes, bytes], tmp_path: Path
) -> None:
    events, _ = _run(tmp_path, "--seed", "1", "--no-prompts")
    assert b"prompt_text" not in events
    with_text = [orjson.loads(line) for line in seed1[0].splitlines()]
    without = [orjson.loads(line) for line in events.splitlines()]
    for event in with_text:
        event.pop("prompt_text", None)
    assert without == with_text


def test_start_flag_moves_time(tmp_path: Path) -> None:
    events, _ = _run(tmp_path, "--seed", "1", "--start", "2027-01-01T00:00:00Z")
    first = orjson.loads(events.splitlines()[0])
    ts = first["ts"]
    assert ts.startswith("2027-01-01T00:") if isinstance(ts, str) else 1798761600 <= ts < 1798765200


def test_scenarios_flag_restricts_abuse(tmp_path: Path) -> None:
    _, labels = _run(tmp_path, "--seed", "1", "--scenarios", "bulk_harvest,low_and_slow")
    scenarios = {orjson.loads(x)["scenario"] for x in labels.splitlines() if b'"abuse"' in x}
    assert scenarios == {"bulk_harvest", "low_and_slow"}


def test_split_and_pins_are_deterministic_and_labelled(tmp_path: Path) -> None:
    extra = ("--seed", "3", "--split", "holdout", "--pin", "model=reasoning")
    first = _run(tmp_path / "a", *extra)
    assert first == _run(tmp_path / "b", *extra)
    labels = [orjson.loads(line) for line in first[1].splitlines()]
    abuse = [x for x in labels if x["label"] == "abuse"]
    assert abuse and all(x["structure"]["split"] == "holdout" for x in abuse)
    assert all(x["structure"]["model"] == "reasoning" for x in abuse)
    _, tune = _run(tmp_path / "c", "--seed", "3", "--split", "tune")
    assert b'"holdout"' not in tune


@pytest.mark.parametrize(
    "bad",
    [
        ["--start", "2026-10-05"],
        ["--days", "0"],
        ["--duplicate-rate", "2"],
        ["--scenarios", "nope"],
        ["--pin", "timing=hourly"],
        ["--pin", "timing"],
        ["--split", "tune", "--pin", "timing=duty_cycle"],
    ],
)
def test_bad_arguments_exit_2_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: list[str]
) -> None:
    assert main([*BASE, "--out", str(tmp_path), *bad]) == 2
    assert "distillwatch simulate:" in capsys.readouterr().err
    assert not (tmp_path / "events.jsonl").exists()
