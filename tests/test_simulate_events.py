"""Simulated events honour EVENTS.md, arrive within the disorder bound, and are labelled."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from datetime import datetime
from typing import Any

import orjson
import pytest

from detectors.events import Event, Rejection, parse_event, parse_line
from pipeline.simulate import SCENARIOS, SimulationConfig, encode_event, simulate
from pipeline.simulate.population import BENIGN_WEIGHTS

CONFIG = SimulationConfig(
    seed=11, days=0.45, benign_keys=60, attack_instances=1, hydra_keys=(4, 6), swarm_keys=(5, 8)
)
Dataset = tuple[list[dict[str, Any]], list[dict[str, Any]]]
AXES = {"timing", "pacing", "infra", "sharing", "user_agent", "prompts", "model", "fields", "split"}
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    events, labels = simulate(CONFIG)
    return [orjson.loads(encode_event(e)) for e in events], labels


def _ts(event: dict[str, Any]) -> float:
    ts = event["ts"]
    return float(ts) if not isinstance(ts, str) else datetime.fromisoformat(ts).timestamp()


def _check_types(e: dict[str, Any]) -> None:
    # Our own reading of EVENTS.md, independent of the lead's parser.
    assert isinstance(e["ts"], str | float | int)
    if isinstance(e["ts"], str):
        assert RFC3339_MS.match(e["ts"]), e["ts"]
    assert isinstance(e["api_key_id"], str) and 1 <= len(e["api_key_id"]) <= 128
    for name in ("prompt_tokens", "completion_tokens"):
        assert type(e[name]) is int and e[name] >= 0
    for name in ("request_id", "account_id", "model", "endpoint"):
        assert type(e[name]) is str
    if "user_agent" in e:
        assert type(e["user_agent"]) is str and e["user_agent"]
    assert type(e["status"]) is int and 100 <= e["status"] <= 599
    assert isinstance(e["latency_ms"], int | float) and e["latency_ms"] >= 0
    if "n" in e:
        assert type(e["n"]) is int and e["n"] >= 1
    if "client_ip" in e:
        ipaddress.ip_address(e["client_ip"])
    if "reasoning_tokens" in e:
        assert type(e["reasoning_tokens"]) is int and e["reasoning_tokens"] >= 0
    if "temperature" in e:
        assert isinstance(e["temperature"], int | float) and e["temperature"] >= 0
    if "max_tokens" in e:
        assert type(e["max_tokens"]) is int and e["max_tokens"] >= 1
        assert e["completion_tokens"] <= e["max_tokens"] * e.get("n", 1)
    if "system_prompt_hash" in e:
        assert type(e["system_prompt_hash"]) is str
    if "prompt_text" in e:
        assert type(e["prompt_text"]) is str and e["prompt_text"]
    if e["status"] != 200:
        assert e["completion_tokens"] == 0


def test_every_event_is_valid(dataset: Dataset) -> None:
    events, _ = dataset
    assert len(events) > 5000
    for event in events:
        _check_types(event)
        parsed = parse_event(event)
        assert isinstance(parsed, Event)
        assert CONFIG.start <= parsed.ts < CONFIG.end


def test_both_timestamp_forms_and_some_errors_occur(dataset: Dataset) -> None:
    events, _ = dataset
    kinds = Counter(type(e["ts"]).__name__ for e in events)
    assert kinds["str"] > 0.9 * len(events)
    assert kinds["float"] > 0
    statuses = Counter(e["status"] for e in events)
    assert statuses[429] > 0
    assert any(500 <= s < 600 for s in statuses)


def test_arrival_order_within_disorder_bound(dataset: Dataset) -> None:
    events, _ = dataset
    newest, worst, inversions = float("-inf"), 0.0, 0
    for event in events:
        ts = _ts(event)
        if ts < newest:
            inversions += 1
            worst = max(worst, newest - ts)
        newest = max(newest, ts)
    assert inversions > 0  # disorder is there ...
    assert worst <= CONFIG.disorder_seconds + 0.002  # ... and bounded (ms rounding)


def test_zero_disorder_is_sorted() -> None:
    config = SimulationConfig(
        seed=3, days=0.02, benign_keys=12, attack_instances=1, disorder_seconds=0.0,
        hydra_keys=(2, 3), swarm_keys=(2, 3),
    )  # fmt: skip
    events, _ = simulate(config)
    times = [_ts(orjson.loads(encode_event(e))) for e in events]
    assert times == sorted(times)


def test_duplicates_share_request_id_and_content(dataset: Dataset) -> None:
    events, _ = dataset
    by_id: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_id.setdefault(event["request_id"], []).append(event)
    repeated = [group for group in by_id.values() if len(group) > 1]
    assert 0 < len(repeated) < 0.01 * len(events)
    assert all(group[0] == group[1] for group in repeated)


def test_labels_cover_every_key(dataset: Dataset) -> None:
    events, labels = dataset
    ids = [label["api_key_id"] for label in labels]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert {e["api_key_id"] for e in events} <= set(ids)
    for label in labels:
        assert set(label) == {
            "api_key_id", "account_id", "label", "scenario", "attack_start", "campaign_id",
            "structure",
        }  # fmt: skip
        structure = label["structure"]
        assert set(structure) >= AXES
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in structure.items())
        assert structure["split"] in ("tune", "holdout")
        assert label["label"] in ("benign", "abuse")
        if label["label"] == "benign":
            assert label["scenario"] in BENIGN_WEIGHTS
            assert label["attack_start"] is None and label["campaign_id"] is None
        else:
            assert label["scenario"] in SCENARIOS
    accounts: dict[str, set[str]] = {}
    for event in events:
        accounts.setdefault(event["api_key_id"], set()).add(event["account_id"])
    owner = {label["api_key_id"]: label["account_id"] for label in labels}
    assert all(found == {owner[key]} for key, found in accounts.items())


def test_scenario_mix(dataset: Dataset) -> None:
    events, labels = dataset
    assert {x["scenario"] for x in labels} == set(SCENARIOS) | set(BENIGN_WEIGHTS)
    with_events = {e["api_key_id"] for e in events}
    active = {x["scenario"] for x in labels if x["api_key_id"] in with_events}
    # An instance working office hours in a far time zone, or dripping, may be idle in 11 h.
    assert len(active & set(SCENARIOS)) >= len(SCENARIOS) - 2
    assert len(active & set(BENIGN_WEIGHTS)) >= 11  # sparse archetypes may be idle too
    benign = Counter(x["scenario"] for x in labels if x["label"] == "benign")
    assert sum(benign.values()) == CONFIG.benign_keys


def test_attack_start_is_after_the_keys_first_event(dataset: Dataset) -> None:
    events, labels = dataset
    first: dict[str, float] = {}
    for event in events:
        first[event["api_key_id"]] = min(first.get(event["api_key_id"], 1e12), _ts(event))
    timed = [x for x in labels if x["attack_start"] is not None]
    assert {x["scenario"] for x in timed} == {"key_takeover", "mixed_reseller"}
    for label in timed:
        start = datetime.fromisoformat(label["attack_start"]).timestamp()
        assert CONFIG.start < start < CONFIG.end
        if label["scenario"] == "mixed_reseller":  # the reseller's own traffic never stops
            assert CONFIG.start < first[label["api_key_id"]] < start


def test_malformed_records_of_keys_that_log_few_fields_are_rejected() -> None:
    config = SimulationConfig(
        seed=5, days=0.05, benign_keys=12, attack_instances=1, malformed_rate=0.05,
        scenarios=("bulk_harvest", "hydra"), hydra_keys=(3, 4), pins=(("fields", "bare"),),
    )  # fmt: skip
    events, _ = simulate(config)
    results = [parse_line(encode_event(e)) for e in events]
    codes = Counter(r.code for r in results if isinstance(r, Rejection))
    assert "wrong_type" in codes and sum(codes.values()) > 0.03 * len(results)


def test_malformed_records_are_rejected_with_every_reason() -> None:
    config = SimulationConfig(
        seed=5, days=0.02, benign_keys=24, attack_instances=0, malformed_rate=0.05
    )
    events, _ = simulate(config)
    results = [parse_line(encode_event(e)) for e in events]
    codes = Counter(r.code for r in results if isinstance(r, Rejection))
    total = len(results)
    assert 0.03 * total < sum(codes.values()) < 0.07 * total
    assert {
        "invalid_json",
        "missing_field",
        "wrong_type",
        "out_of_range",
        "invalid_timestamp",
    } <= set(codes)
