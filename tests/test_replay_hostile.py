"""Replay survives every hostile shape: same alerts as without them, one rejected row each."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from detectors.config import EngineConfig
from detectors.engine.emitted import Emitted
from detectors.events import Event
from detectors.sharded import ShardedEngine
from pipeline.runtime import replay as replay_module
from pipeline.runtime.replay import replay_files
from tests.faults.shapes import SHAPES

GOLDEN = Path(__file__).parent / "golden" / "input.jsonl.gz"
CONFIG = EngineConfig(population_warmup=10, key_warmup_seconds=600)


def rows_of(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def alert_ids(out: Path) -> list[str]:
    return [
        orjson.loads(line)["alert_id"] for line in (out / "alerts.jsonl").read_bytes().splitlines()
    ]


def test_hostile_lines_among_valid_ones_change_nothing_but_the_rejections(tmp_path: Path) -> None:
    lines = gzip.decompress(GOLDEN.read_bytes()).splitlines()
    replay_files([str(GOLDEN)], CONFIG, out_dir=tmp_path / "control")
    mixed = list(lines)
    step = len(lines) // (len(SHAPES) + 1)
    for i, (value, _) in enumerate(reversed(list(SHAPES.values()))):
        mixed.insert(step * (len(SHAPES) - i), value)
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_bytes(b"\n".join(mixed) + b"\n")
    result = replay_files([str(hostile)], CONFIG, out_dir=tmp_path / "out")
    assert result.error is None
    assert alert_ids(tmp_path / "out") == alert_ids(tmp_path / "control") != []
    before = [r["reason"] for r in rows_of(tmp_path / "control" / "rejected.jsonl")]
    rows = rows_of(tmp_path / "out" / "rejected.jsonl")
    assert len(rows) == len(before) + len(SHAPES)
    assert sorted(r["reason"] for r in rows) == sorted(
        before + [reason for _, reason in SHAPES.values()]
    )
    assert all(len(r["message"]) < 200 for r in rows)  # a reason, never the value


def test_an_engine_error_is_a_rejected_row_and_outputs_are_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Failing(ShardedEngine):
        """A real sharded engine that cannot take one key's events."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            take = self.process

            def process(event: Event) -> Emitted:
                if event.api_key_id == "poison":
                    raise OverflowError("cannot convert float infinity to integer")
                return take(event)

            self.process = process  # type: ignore[method-assign]

    monkeypatch.setattr(replay_module, "ShardedEngine", Failing)
    lines = gzip.decompress(GOLDEN.read_bytes()).splitlines()
    poison = (
        b'{"ts": 1791205451.5, "api_key_id": "poison", "prompt_tokens": 1, "completion_tokens": 2}'
    )
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"\n".join([*lines[:100], poison, *lines[100:]]) + b"\n")
    result = replay_files([str(path)], CONFIG, out_dir=tmp_path / "out")
    assert result.error is None
    assert (tmp_path / "out" / "alerts.jsonl").exists() and (
        tmp_path / "out" / "summary.json"
    ).exists()
    rows = [
        orjson.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_bytes().splitlines()
    ]
    assert {"source": str(path), "line": 101, "reason": "processing_error",
            "message": "engine raised OverflowError"} in rows  # fmt: skip


def test_a_truncated_input_does_not_stop_the_next_one(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(GOLDEN.read_bytes()[:-40])
    result = replay_files([str(broken), str(GOLDEN)], CONFIG, out_dir=tmp_path / "out")
    assert result.error is not None and "broken.jsonl.gz after line" in result.error
    whole = replay_files([str(GOLDEN)], CONFIG)
    assert result.summary["events_total"] > whole.summary["events_total"]  # both were read
    assert (tmp_path / "out" / "summary.json").exists()
