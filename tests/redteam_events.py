"""Generating a red-team profile twice: the shared check of the per-round tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam.generate import Config, generate
from detectors.events import Event, parse_line

__all__ = ["generated_twice"]


def generated_twice(config: Config, tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    """Generate ``config`` twice (the two event files must be identical); its rows by key,
    every line a valid event."""
    generate(config, tmp_path / "a")
    generate(config, tmp_path / "b")
    events = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert events == (tmp_path / "b" / "events.jsonl").read_bytes()
    by_key: dict[str, list[dict[str, Any]]] = {}
    for line in events.splitlines():
        row = orjson.loads(line)
        assert isinstance(parse_line(line, 0), Event)
        by_key.setdefault(row["api_key_id"], []).append(row)
    return by_key
