"""The held-out traffic generator (benchmarks/heldout): determinism, contract, labels."""

from __future__ import annotations

import gzip
import ipaddress
import math
from collections import Counter, defaultdict
from pathlib import Path

import orjson
import pytest

from benchmarks.heldout.generate import Config, generate
from pipeline.evaluate.inputs import read_labels
from pipeline.evaluate.records import parse_ts

SMALL = {"days": 0.15, "benign_scale": 0.06}

INT_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens")
STR_FIELDS = (
    "request_id", "account_id", "model", "endpoint", "client_ip", "user_agent",
    "system_prompt_hash", "prompt_text",
)  # fmt: skip


def _events(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return [orjson.loads(line) for line in handle if line.strip()]


def _labels(path: Path) -> dict[str, dict]:
    return {o["api_key_id"]: o for o in map(orjson.loads, path.read_bytes().splitlines())}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heldout") / "a"
    generate(Config(seed=7, **SMALL), out)  # type: ignore[arg-type]
    return out


def test_same_seed_same_bytes_other_seed_other_bytes(dataset: Path, tmp_path: Path) -> None:
    generate(Config(seed=7, **SMALL), tmp_path / "b")  # type: ignore[arg-type]
    generate(Config(seed=8, **SMALL), tmp_path / "c")  # type: ignore[arg-type]
    for name in ("events.jsonl", "labels.jsonl"):
        assert (dataset / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (dataset / "events.jsonl").read_bytes() != (tmp_path / "c" / "events.jsonl").read_bytes()


def _check_event(e: dict) -> None:
    ts = e["ts"]
    if isinstance(ts, str):
        assert ts.endswith("Z")
    assert math.isfinite(parse_ts(ts))
    assert isinstance(e["api_key_id"], str) and 1 <= len(e["api_key_id"]) <= 128
    for name in INT_FIELDS:
        if name in e:
            assert type(e[name]) is int and e[name] >= 0, name
    assert "prompt_tokens" in e and "completion_tokens" in e
    for name in STR_FIELDS:
        if name in e:
            assert isinstance(e[name], str), name
    if "status" in e:
        assert type(e["status"]) is int and 100 <= e["status"] <= 599
    if "latency_ms" in e:
        assert isinstance(e["latency_ms"], int | float) and e["latency_ms"] >= 0
    if "n" in e:
        assert type(e["n"]) is int and e["n"] >= 1
    if "max_tokens" in e:
        assert type(e["max_tokens"]) is int and e["max_tokens"] >= 1
    if "temperature" in e:
        assert isinstance(e["temperature"], int | float) and e["temperature"] >= 0
    if "client_ip" in e:
        ipaddress.ip_address(e["client_ip"])
    if "reasoning_tokens" in e:
        assert e["reasoning_tokens"] <= e["completion_tokens"] or e.get("status", 200) != 200


def test_every_event_follows_the_contract(dataset: Path) -> None:
    events = _events(dataset / "events.jsonl")
    assert len(events) > 1000
    for event in events:
        _check_event(event)


def test_imperfections_are_small_and_duplicates_are_exact(dataset: Path) -> None:
    events = _events(dataset / "events.jsonl")
    latest = -math.inf
    worst = 0.0
    by_id: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        ts = parse_ts(event["ts"])
        worst = max(worst, latest - ts)
        latest = max(latest, ts)
        if "request_id" in event:
            by_id[event["request_id"]].append(event)
    assert 0.0 < worst <= 20.0  # some disorder, a few seconds at most
    repeats = [group for group in by_id.values() if len(group) > 1]
    assert all(all(e == group[0] for e in group) for group in repeats)
    assert len(repeats) < 0.01 * len(events)


def test_labels_match_the_events(dataset: Path) -> None:
    labels = _labels(dataset / "labels.jsonl")
    parsed, report = read_labels(dataset / "labels.jsonl")
    assert report.malformed == 0 and set(parsed) == set(labels)
    events = _events(dataset / "events.jsonl")
    per_key = Counter(e["api_key_id"] for e in events)
    assert set(per_key) == set(labels)
    kinds = Counter(o["label"] for o in labels.values())
    assert kinds["benign"] > 0 and kinds["abuse"] > 0
    campaign_scenarios = {"hydra_cluster", "key_rotation", "swarm"}
    before = turned = 0
    for key, o in labels.items():
        assert o["label"] in ("benign", "abuse")
        assert isinstance(o["structure"], dict)
        assert (o["campaign_id"] is not None) == (o["scenario"] in campaign_scenarios), key
        if o["label"] == "benign":
            assert o["attack_start"] is None and o["campaign_id"] is None
        if o["attack_start"] is not None:
            assert o["scenario"] in ("reseller_blend", "stolen_key")
            start = parse_ts(o["attack_start"])
            times = [parse_ts(e["ts"]) for e in events if e["api_key_id"] == key]
            before += min(times) < start  # the owner's traffic came first
            assert max(times) >= start
            turned += 1
        for e in events:
            if e["api_key_id"] == key and "account_id" in e:
                assert e["account_id"] == o["account_id"]
                break
    assert turned > 0 and before >= turned // 2


def test_no_prompts_gzip_and_token_scale(tmp_path: Path) -> None:
    base = {"seed": 3, "days": 0.08, "benign_scale": 0.04}
    generate(Config(**base), tmp_path / "plain")  # type: ignore[arg-type]
    generate(Config(**base, prompts=False, gzip=True, scale_tokens=3.0), tmp_path / "big")  # type: ignore[arg-type]
    plain = _events(tmp_path / "plain" / "events.jsonl")
    big = _events(tmp_path / "big" / "events.jsonl.gz")
    assert not any("prompt_text" in e for e in big)
    assert any("prompt_text" in e for e in plain)
    assert len(plain) == len(big)
    ratio = sum(e["completion_tokens"] for e in big) / sum(e["completion_tokens"] for e in plain)
    assert 2.5 < ratio < 3.5
