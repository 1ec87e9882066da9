"""Scenario and archetype traits the detector is meant to be tested against."""

from __future__ import annotations

import random
import statistics
import tracemalloc
from collections import Counter, defaultdict
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.simulate import SimulationConfig, encode_event, simulate
from pipeline.simulate import tokens as tk
from pipeline.simulate.roster import build_roster
from pipeline.simulate.styles import FRAMEWORK_SYSTEM_HASH, Eval

DAY = 86400.0
Events = list[dict[str, Any]]
Labels = dict[str, dict[str, Any]]
Loaded = tuple[SimulationConfig, Events, Labels]


def _load(config: SimulationConfig) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    events, labels = simulate(config)
    return [orjson.loads(encode_event(e)) for e in events], {x["api_key_id"]: x for x in labels}


def _ts(event: dict[str, Any]) -> float:
    ts = event["ts"]
    return float(ts) if not isinstance(ts, str) else datetime.fromisoformat(ts).timestamp()


def _prefix(ip: str) -> str:
    # The /24 of an IPv4 address, the /48 of an IPv6 one.
    return ip.rsplit(".", 1)[0] if "." in ip else ":".join(ip.split(":")[:3])


def _by_key(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    for event in events:
        if event["request_id"] not in seen:  # count retried duplicates once
            seen.add(event["request_id"])
            out[event["api_key_id"]].append(event)
    return out


@pytest.fixture(scope="module")
def campaigns() -> Loaded:
    # Pinned to the classic campaign: flat schedule, shared infrastructure, every field.
    config = SimulationConfig(
        seed=4, days=2.5, benign_keys=0, attack_instances=2, scenarios=("hydra", "swarm"),
        hydra_keys=(20, 24), swarm_keys=(100, 110),
        pins=(("timing", "flat"), ("sharing", "shared"), ("fields", "all")),
    )  # fmt: skip
    return config, *_load(config)


def test_swarm_keys_stay_within_their_daily_quota(campaigns: Loaded) -> None:
    config, events, labels = campaigns
    per_key = _by_key(events)
    swarm = [k for k, x in labels.items() if x["scenario"] == "swarm"]
    assert len(swarm) >= 200
    opened = {spec.api_key_id: spec.created for spec in build_roster(config)}
    early = 0
    for key in swarm:
        # A key starts (and counts its quota days) when its account opens.
        start = max(config.start, min(_ts(e) for e in per_key[key]) - 7200.0)
        days = Counter(int((_ts(e) - start) // DAY) for e in per_key[key])
        assert max(days.values()) <= 40 + 40 * (start > config.start)
        created = opened[key]
        assert created is not None and min(_ts(e) for e in per_key[key]) >= created
        if created < config.start:  # opened before the log: full days from its start
            early += 1
            assert days[0] >= 20 and days[1] >= 20  # full days; day 2 is half a day
            assert days[2] <= 20
    assert 0 < early < len(swarm)  # accounts open over the days before and during the log


def test_swarm_accounts_are_one_per_key(campaigns: Loaded) -> None:
    _, _, labels = campaigns
    swarm = [x for x in labels.values() if x["scenario"] == "swarm"]
    assert len({x["account_id"] for x in swarm}) == len(swarm)


def test_hydra_shares_infrastructure_across_accounts(campaigns: Loaded) -> None:
    _, events, labels = campaigns
    per_key = _by_key(events)
    members: dict[str, list[str]] = defaultdict(list)
    for key, label in labels.items():
        if label["scenario"] == "hydra":
            members[label["campaign_id"]].append(key)
    assert len(members) == 2
    for keys in members.values():
        assert 20 <= len(keys) <= 24
        assert len({labels[k]["account_id"] for k in keys}) >= 3
        agents = {e["user_agent"] for k in keys for e in per_key[k]}
        assert len(agents) == 1
        prefixes = [{_prefix(e["client_ip"]) for e in per_key[k]} for k in keys]
        assert all(len(p & prefixes[0]) > 0 for p in prefixes)  # shared infrastructure


def test_hydra_timing_is_synchronized(campaigns: Loaded) -> None:
    _, events, labels = campaigns
    per_key = _by_key(events)
    keys = sorted(k for k, x in labels.items() if x["scenario"] == "hydra")
    camp = labels[keys[0]]["campaign_id"]
    keys = [k for k in keys if labels[k]["campaign_id"] == camp]
    # Minute buckets of one campaign are mostly empty or busy; uniform traffic would fill them.
    minutes = Counter(int(_ts(e) // 60) for k in keys for e in per_key[k])
    span = max(minutes) - min(minutes) + 1
    assert len(minutes) < 0.5 * span
    rates = [len(per_key[k]) / 2.5 for k in keys]
    assert 50 < statistics.median(rates) < 3000  # moderate per key


@pytest.fixture(scope="module")
def mixed() -> Loaded:
    # The thief on its own residential proxies, machine-paced around the clock.
    config = SimulationConfig(
        seed=9, days=1.0, benign_keys=80, attack_instances=2,
        scenarios=("bulk_harvest", "output_capped_sweep", "key_takeover", "low_and_slow"),
        pins=(("timing", "flat"), ("pacing", "machine"), ("fields", "all"),
              ("infra", "residential"), ("sharing", "own")),
    )  # fmt: skip
    return config, *_load(config)


def test_takeover_switches_network_at_attack_start(mixed: Loaded) -> None:
    _, events, labels = mixed
    per_key = _by_key(events)
    checked = 0
    for key, label in labels.items():
        if label["scenario"] != "key_takeover":
            continue
        start = datetime.fromisoformat(label["attack_start"]).timestamp()
        before = [e for e in per_key[key] if _ts(e) < start]
        after = [e for e in per_key[key] if _ts(e) >= start]
        assert after
        if not before:  # the owner's app may have been idle (office hours elsewhere)
            continue
        checked += 1
        old = {_prefix(e["client_ip"]) for e in before}
        new = [e for e in after if _prefix(e["client_ip"]) not in old]
        assert len(new) > 0.5 * len(after) or len(new) > 100
    assert checked


def test_harvesters_run_around_the_clock(mixed: Loaded) -> None:
    _, events, labels = mixed
    per_key = _by_key(events)
    for key, label in labels.items():
        if label["scenario"] not in ("bulk_harvest", "low_and_slow"):
            continue
        hours = Counter(int(_ts(e) // 3600) for e in per_key[key])
        assert len(hours) == 24
        assert min(hours.values()) > 0.5 * max(hours.values())  # flat, not diurnal


def test_capped_sweep_hits_max_tokens(mixed: Loaded) -> None:
    _, events, labels = mixed
    capped = [e for e in events if labels[e["api_key_id"]]["scenario"] == "output_capped_sweep"]
    ok = [e for e in capped if e["status"] == 200]
    assert all("max_tokens" in e for e in capped)  # pinned: every field
    assert ok and all(e["completion_tokens"] == e["max_tokens"] for e in ok)


def test_classifiers_have_tiny_outputs_and_one_template(mixed: Loaded) -> None:
    _, events, labels = mixed
    per_key = _by_key(events)
    keys = [k for k, x in labels.items() if x["scenario"] == "batch_classifier" and per_key[k]]
    assert keys
    for key in keys:
        ok = [e for e in per_key[key] if e["status"] == 200]
        assert all(1 <= e["completion_tokens"] <= 10 for e in ok)
        assert len({e["prompt_text"].split("\n")[0] for e in ok if "prompt_text" in e}) <= 1


def test_benign_look_alikes_share_prompts_and_framework(mixed: Loaded) -> None:
    _, events, labels = mixed
    per_key = _by_key(events)
    bench = [
        k for k, x in labels.items() if x["scenario"] == "public_benchmark_user" and per_key[k]
    ]
    cue = " Let's think step by step."
    texts = [{e["prompt_text"].removesuffix(cue) for e in per_key[k] if "prompt_text" in e}
             for k in bench]  # fmt: skip
    if len(bench) >= 2:  # jobs run 0.2-0.8 times a day: often only one key ran in a day
        assert any(a & b for a in texts for b in texts if a is not b)
    # Unrelated customers send the same items (the benchmark's text is fixed).
    one, two = (Eval(random.Random(seed), public=True) for seed in (1, 2))
    first = {one()[2].removesuffix(cue) for _ in range(20)}
    assert first == {two()[2].removesuffix(cue) for _ in range(20)}
    framework = [k for k, x in labels.items() if x["scenario"] == "framework_app" and per_key[k]]
    hashes = {e.get("system_prompt_hash") for k in framework for e in per_key[k]}
    agents = {e["user_agent"] for k in framework for e in per_key[k] if "user_agent" in e}
    assert len(framework) >= 2 and hashes - {None} == {FRAMEWORK_SYSTEM_HASH}
    assert len(agents) == 1
    assert len({labels[k]["account_id"] for k in framework}) >= 2


def test_generation_is_lazy_and_memory_bounded() -> None:
    config = SimulationConfig(seed=2, days=365.0, benign_keys=60, attack_instances=1)
    tracemalloc.start()
    try:
        events, labels = simulate(config)
        consumed = sum(1 for _ in islice(events, 10_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert consumed == 10_000 and len(labels) > 60
    assert peak < 64 * 1024 * 1024  # a year materialised would be gigabytes


# Two one-hour samples of the Azure LLM inference trace 2023 (CC-BY 4.0, attribution in
# the folder's README), kept in the tree so the token tables can always be checked.
DATA = Path(__file__).resolve().parent / "data" / "azure-llm-inference-2023"


@pytest.mark.parametrize(
    ("name", "column", "table"),
    [
        ("code", "ContextTokens", tk.CODE_CONTEXT),
        ("code", "GeneratedTokens", tk.CODE_GENERATED),
        ("conv", "ContextTokens", tk.CONV_CONTEXT),
        ("conv", "GeneratedTokens", tk.CONV_GENERATED),
    ],
)
def test_token_tables_match_the_trace(name: str, column: str, table: tk.QuantileTable) -> None:
    values = tk.derive_quantiles(DATA / f"AzureLLMInferenceTrace_{name}.csv", column)
    assert tk.QuantileTable(values).at(0.5) == table.at(0.5)
    assert [round(table.at(p)) for p in tk.PROBS] == list(values)


def _words(text: str) -> set[str]:
    return {w.strip(".,:;()?!").lower() for w in text.split()} - {""}


def test_campaign_members_split_one_curriculum(campaigns: Loaded) -> None:
    # Members of one campaign share their curriculum's vocabulary, never an item; members
    # of another campaign ask about other things.
    _, events, labels = campaigns
    per_key = _by_key(events)
    swarms: dict[str, list[str]] = defaultdict(list)
    for key, label in sorted(labels.items()):
        if label["scenario"] == "swarm":
            swarms[label["campaign_id"]].append(key)
    (a_keys, b_keys) = list(swarms.values())
    prompts = [e["prompt_text"] for k in a_keys for e in per_key[k]]
    assert len(prompts) == len(set(prompts))  # no item asked twice, by anyone

    def vocab(key: str) -> set[str]:
        words: set[str] = set()
        for e in per_key[key]:
            words |= {w for w in _words(e["prompt_text"]) if w.isalpha()}
        return words

    def jaccard(x: set[str], y: set[str]) -> float:
        return len(x & y) / len(x | y)

    within = statistics.mean(jaccard(vocab(a_keys[i]), vocab(a_keys[i + 1])) for i in range(20))
    across = statistics.mean(jaccard(vocab(a_keys[i]), vocab(b_keys[i])) for i in range(20))
    assert within > across + 0.1


def test_account_age_is_logged_when_asked() -> None:
    config = SimulationConfig(
        seed=5, days=1.0, benign_keys=40, attack_instances=1, scenarios=("swarm",),
        swarm_keys=(100, 100), account_age=True,
    )  # fmt: skip
    events, labels = _load(config)
    assert all("account_created_at" in e for e in events)
    created = {e["api_key_id"]: _ts({"ts": e["account_created_at"]}) for e in events}
    first: dict[str, float] = {}
    for e in events:
        first[e["api_key_id"]] = min(first.get(e["api_key_id"], _ts(e)), _ts(e))
    benign = [created[k] for k, x in labels.items() if x["label"] == "benign" and k in created]
    swarm = [k for k, x in labels.items() if x["scenario"] == "swarm" and k in created]
    assert statistics.median(config.start - t for t in benign) > 20 * DAY
    assert all(config.start - 6 * DAY <= created[k] <= first[k] for k in swarm)
    assert sum(created[k] > config.start for k in swarm) > len(swarm) // 10
    # Off by default: gateways rarely log it.
    plain, _ = _load(SimulationConfig(seed=5, days=0.05, benign_keys=5, attack_instances=0))
    assert not any("account_created_at" in e for e in plain)
