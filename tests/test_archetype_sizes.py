"""The per-scenario sizes table read from a real events file (``benchmarks.archetype_sizes``)."""

from __future__ import annotations

import math
from pathlib import Path

import orjson

from benchmarks.archetype_sizes import by_scenario, main, read_sizes


def _event(key: str, i: int, prompt: int, out: int, text: str | None, **extra: object) -> bytes:
    row: dict[str, object] = {
        "ts": 1_791_205_451 + i,
        "api_key_id": key,
        "prompt_tokens": prompt,
        "completion_tokens": out,
        "request_id": f"{key}-{i}",
        **extra,
    }
    if text is not None:
        row["prompt_text"] = text
    return orjson.dumps(row)


def test_sizes_per_scenario_from_events_and_labels(tmp_path: Path, capsys: object) -> None:
    lines = []
    for i in range(20):
        # A conversation harvester: 800 delivered tokens behind a growing history, a
        # 40-character (10-token) new message each time; reasoning billed inside.
        lines.append(_event("mt", i, 2000, 900, "x" * 40, reasoning_tokens=100))
        # A chat product: short answers, two choices per request, no text logged.
        lines.append(_event("chat", i, 400, 200, None, n=2))
    lines.append(b'{"ts": "yesterday", "api_key_id": "mt"}')  # rejected, skipped
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(lines) + b"\n")
    labels = [
        {"api_key_id": "mt", "scenario": "multiturn_harvest"},
        {"api_key_id": "chat", "label": "benign", "scenario": "chat_app"},
    ]
    keys = read_sizes([str(events)])
    assert keys["mt"].requests == 20 and keys["chat"].requests == 20
    table = by_scenario(keys, labels)
    count, answer, ratio, visible = table["multiturn_harvest"]
    assert (count, answer, ratio, visible) == (1, 800.0, 0.4, 80.0)
    count, answer, ratio, visible = table["chat_app"]
    assert (count, answer, ratio) == (1, 100.0, 0.5) and math.isnan(visible)
    # Keys under the request floor are left out.
    assert by_scenario(read_sizes([str(events)]), labels, min_requests=21) == {}
    labels_file = tmp_path / "labels.jsonl"
    labels_file.write_bytes(b"\n".join(orjson.dumps(row) for row in labels) + b"\n")
    assert main([str(events), str(labels_file)]) == 0
    printed = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "multiturn_harvest" in printed and "chat_app" in printed
