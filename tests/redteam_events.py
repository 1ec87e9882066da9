"""Generating a red-team profile twice: the shared check of the per-round tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam import content
from benchmarks.redteam.generate import Config, generate
from detectors.events import Event, parse_line

__all__ = ["generated_twice", "hidden", "profile_rows", "text"]


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


def profile_rows(
    config: Config, profile: str, tmp_path: Path
) -> Callable[[str], list[dict[str, Any]]]:
    """``generated_twice`` for a round's profile, which must be registered with its
    scenarios and ``baseline``: a lookup of a scenario's first key's rows
    (``rt_<name>_0``)."""
    from benchmarks.redteam.scenarios import PROFILES, SCENARIOS

    assert set(PROFILES[profile]) <= set(SCENARIOS) and "baseline" in PROFILES[profile]
    by_key = generated_twice(config, tmp_path)

    def rows(name: str) -> list[dict[str, Any]]:
        return by_key[f"rt_{name}_0"]

    return rows


def text(row: dict[str, Any]) -> str:
    """A row's prompt text."""
    return str(row["prompt_text"])


def hidden(row: dict[str, Any]) -> int:
    """A row's prompt tokens beyond its visible text (history, harness, system prompt)."""
    return int(row["prompt_tokens"]) - content.text_tokens(text(row))
