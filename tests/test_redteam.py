"""The red-team generator (benchmarks/redteam): deterministic, valid events, honest wording."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from benchmarks.redteam import content
from benchmarks.redteam.generate import Config, generate
from detectors.events import Event, parse_line
from detectors.fingerprints import fingerprint
from detectors.lexicon import cue_groups, limits_answer

SMALL = Config(
    seed=5,
    days=0.5,
    benign_keys=6,
    scenarios=(
        "baseline", "ping_turns", "error_turns", "sketch_anchors", "shared_echo",
        "metadata_ping", "warmup_burst", "reseller_drift", "homework_solver",
    ),
    instances=1,
)  # fmt: skip


def test_same_seed_same_bytes_and_every_event_valid(tmp_path: Path) -> None:
    first = generate(SMALL, tmp_path / "a")
    generate(SMALL, tmp_path / "b")
    for name in ("events.jsonl", "labels.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    lines = (tmp_path / "a" / "events.jsonl").read_bytes().splitlines()
    assert len(lines) == first["lines"] > 1000
    labels = {
        row["api_key_id"]: row
        for row in map(orjson.loads, (tmp_path / "a" / "labels.jsonl").read_bytes().splitlines())
    }
    keys = set()
    for number, line in enumerate(lines):
        event = parse_line(line, number)
        assert isinstance(event, Event), event
        keys.add(event.api_key_id)
    # every event's key is labelled (the simulator also labels keys that sent nothing)
    assert keys <= set(labels)
    ours = {k: v for k, v in labels.items() if v["structure"].get("source") == "redteam"}
    assert set(ours) <= keys
    scenarios = {v["scenario"] for v in ours.values()}
    assert scenarios == set(SMALL.scenarios)
    assert {v["label"] for v in ours.values()} == {"abuse", "benign"}
    # shared_echo's two keys land on one replay partition, as the scenario needs
    from detectors.partitioning import partition_for

    pair = sorted(k for k, v in ours.items() if v["scenario"] == "shared_echo")
    assert len(pair) == 2 and len({partition_for(k, 8) for k in pair}) == 1


def test_another_seed_differs(tmp_path: Path) -> None:
    small = Config(seed=6, days=0.3, benign_keys=4, scenarios=("warmup_burst",), instances=1)
    other = Config(seed=7, days=0.3, benign_keys=4, scenarios=("warmup_burst",), instances=1)
    generate(small, tmp_path / "a")
    generate(other, tmp_path / "b")
    a = (tmp_path / "a" / "events.jsonl").read_bytes()
    assert a != (tmp_path / "b" / "events.jsonl").read_bytes()


def test_wordings_are_what_the_scenarios_claim() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        plain = content.harvest_prompt(rng, "plain")
        assert cue_groups(plain) == 0 and not limits_answer(plain), plain
        cue = content.harvest_prompt(rng, "cue")
        assert cue_groups(cue) > 0 and not limits_answer(cue), cue
        limit = content.harvest_prompt(rng, "limit")
        assert limits_answer(limit), limit
    for language in content.FOREIGN:
        for _ in range(300):
            text = content.harvest_prompt(rng, "foreign", language)
            assert cue_groups(text) == 0 and not limits_answer(text), text


def test_attacker_hash_matches_the_detector() -> None:
    rng = random.Random(3)
    for _ in range(200):
        text = content.harvest_prompt(rng, "cue")
        assert content.exact_hash(text) == fingerprint(text).exact
    for text in content.low_hash_prompts("Explain step by step. ok 42", 4):
        assert fingerprint(text).exact < 1 << 20
