"""benchmarks.identity_overlap: labelled groups' shared item identities, read from the
summaries the engines emit (benchmarks.campaign_quality record)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.campaign_quality import record
from benchmarks.identity_overlap import group_overlaps, main, sketches

ITEMS = [
    f"A {animal} weighs {200 + 7 * i} kg and eats {3 + i % 11} kg of {food} each day. "
    "After how many days has it eaten its own weight?"
    for i, (animal, food) in enumerate(
        zip(["otter", "heron", "bison", "lynx", "walrus", "gecko"] * 10,
            ["kelp", "clams", "grass", "mice", "krill", "moss", "roots"] * 9, strict=False)
    )
]  # fmt: skip
HARNESSES = ["Question: {}\nAnswer: Let's think step by step.", "Q: {}\nA:"]


def _recorded(tmp_path: Path) -> tuple[Path, Path]:
    events: list[dict[str, Any]] = []
    labels: list[dict[str, str]] = []
    for lab, harness in enumerate(HARNESSES):
        key = f"lab-{lab}"
        labels.append({"api_key_id": key, "scenario": "lab"})
        for i, item in enumerate(ITEMS):
            text = harness.format(item)
            events.append({"ts": 1_791_158_400.0 + i, "api_key_id": key, "prompt_tokens": 60,
                           "completion_tokens": 500, "prompt_text": text})  # fmt: skip
    for member in range(2):
        key = f"swarm-{member}"
        labels.append({"api_key_id": key, "scenario": "swarm", "campaign_id": "c1"})
        for i in range(60):
            n = member * 60 + i  # a word of letters per item ("zeta12" would be an id)
            tag = "zeta" + chr(97 + n % 26) + chr(97 + n // 26)
            text = f"Explain topic {member * 1000 + i} number {7 * i + member} in depth, {tag}."
            events.append({"ts": 1_791_158_400.0 + i, "api_key_id": key, "prompt_tokens": 40,
                           "completion_tokens": 700, "prompt_text": text})  # fmt: skip
    events_path, labels_path = tmp_path / "events.jsonl", tmp_path / "labels.jsonl"
    events.sort(key=lambda e: e["ts"])
    events_path.write_text("".join(json.dumps(e) + "\n" for e in events))
    labels_path.write_text("".join(json.dumps(x) + "\n" for x in labels))
    record([str(events_path)], tmp_path / "rec")
    return tmp_path / "rec", labels_path


def test_labs_share_identities_and_a_split_curriculum_does_not(tmp_path: Path) -> None:
    recorded, _ = _recorded(tmp_path)
    groups = {"lab-0": "lab", "lab-1": "lab", "swarm-0": "swarm:c1", "swarm-1": "swarm:c1"}
    rows = {r["group"]: r for r in group_overlaps(sketches(recorded, set(groups)), groups)}
    assert rows["lab"]["mean_shared_per_pair"] >= 4
    assert rows["lab"]["keys_sharing_with_one_other"] == 2
    assert rows["swarm:c1"]["mean_shared_per_pair"] == 0
    assert rows["swarm:c1"]["keys_sharing_with_the_rest"] == 0


def test_the_command_prints_one_line_per_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded, labels = _recorded(tmp_path)
    assert main([str(recorded), str(labels), "--scenarios", "lab"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("lab ")
