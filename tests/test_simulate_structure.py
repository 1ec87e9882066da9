"""Structures drawn per instance: splits, held-out table, coverage, and what each axis does."""

from __future__ import annotations

import itertools
import random
import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import orjson
import pytest

from pipeline.simulate import SCENARIOS, SimulationConfig, encode_event, simulate
from pipeline.simulate.abuse import FAMILIES
from pipeline.simulate.grammar import ASKS
from pipeline.simulate.harvest_prompts import Items, make_prompts
from pipeline.simulate.lookalikes import _Conversation
from pipeline.simulate.roster import build_roster
from pipeline.simulate.structure import (
    FIELD_GROUPS,
    HOLDOUT,
    HOLDOUT_BENIGN,
    PROMPT_STYLES,
    TIMINGS,
)

Events = dict[str, list[dict[str, Any]]]


def _roster(seed: int, split: str, instances: int = 3, benign: int = 60) -> list[Any]:
    config = SimulationConfig(
        seed=seed, days=0.1, benign_keys=benign, attack_instances=instances, split=split
    )
    return build_roster(config)


def _instances(specs: list[Any]) -> list[Any]:
    # One spec per instance: campaign members share their campaign's structure.
    seen: set[str] = set()
    out = []
    for spec in specs:
        if spec.label != "abuse":
            continue
        if spec.campaign_id is not None:
            if spec.campaign_id in seen:
                continue
            seen.add(spec.campaign_id)
        out.append(spec)
    return out


def test_holdout_table_covers_every_family_timing_and_prompt_style() -> None:
    assert set(HOLDOUT) == set(SCENARIOS)
    assert {timing for timing, _ in HOLDOUT.values()} == set(TIMINGS)
    assert {style for _, style in HOLDOUT.values()} == set(PROMPT_STYLES)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_tune_never_draws_a_held_out_structure(seed: int) -> None:
    specs = _roster(seed, "tune", instances=4)
    for spec in specs:
        assert spec.structure.split == "tune", spec
        assert spec.scenario != HOLDOUT_BENIGN
        if spec.label == "abuse":
            timing, style = HOLDOUT[spec.scenario]
            assert spec.structure.timing != timing and spec.structure.prompts != style
            assert spec.label_dict()["structure"]["split"] == "tune"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_holdout_draws_only_held_out_structures(seed: int) -> None:
    specs = _roster(seed, "holdout", instances=4)
    modes: Counter[str] = Counter()
    for spec in _instances(specs):
        timing, style = HOLDOUT[spec.scenario]
        s = spec.structure
        assert s.timing == timing or s.prompts == style, spec
        assert s.split == "holdout"
        modes[s.held_out] += 1
    assert set(modes) == {"timing", "prompts", "timing+prompts"}
    benign = [spec for spec in specs if spec.label == "benign"]
    held = [spec for spec in benign if spec.scenario == HOLDOUT_BENIGN]
    assert held and all(spec.structure.split == "holdout" for spec in held)
    assert all(spec.structure.split == "tune" for spec in benign if spec not in held)


def test_split_all_labels_each_instance_honestly() -> None:
    for spec in _instances(_roster(7, "all", instances=6)):
        timing, style = HOLDOUT[spec.scenario]
        held = spec.structure.timing == timing or spec.structure.prompts == style
        assert spec.structure.split == ("holdout" if held else "tune")


def test_every_family_meets_every_timing_shape_across_a_few_seeds() -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for seed in (1, 2):
        for spec in _instances(_roster(seed, "all", instances=3, benign=0)):
            seen[spec.scenario].add(spec.structure.timing)
    assert seen == {family: set(TIMINGS) for family in SCENARIOS}


def test_every_family_meets_every_prompt_style_within_a_seed() -> None:
    styles: dict[str, set[str]] = defaultdict(set)
    for spec in _instances(_roster(3, "all", instances=3, benign=0)):
        styles[spec.scenario].add(spec.structure.prompts)
    assert styles == {family: set(PROMPT_STYLES) for family in SCENARIOS}


def test_campaign_members_share_their_campaign_structure() -> None:
    by_campaign: dict[str, set[Any]] = defaultdict(set)
    for spec in _roster(4, "all", instances=2, benign=0):
        if spec.campaign_id:
            by_campaign[spec.campaign_id].add(spec.structure)
    assert by_campaign and all(len(structures) == 1 for structures in by_campaign.values())


def test_pins_fix_an_axis_and_refuse_to_leave_the_split() -> None:
    config = SimulationConfig(seed=1, days=0.1, benign_keys=0, attack_instances=2,
                              pins=(("timing", "drip"), ("model", "reasoning")))  # fmt: skip
    for spec in _instances(build_roster(config)):
        assert spec.structure.timing == "drip" and spec.structure.model == "reasoning"
    everyone = SimulationConfig(seed=1, days=0.1, benign_keys=40, attack_instances=1,
                                pins=(("fields", "all"),))  # fmt: skip
    assert {spec.structure.fields for spec in build_roster(everyone)} == {"all"}
    with pytest.raises(ValueError, match="not in the tune split"):
        build_roster(
            SimulationConfig(
                seed=1,
                days=0.1,
                benign_keys=0,
                attack_instances=1,
                split="tune",
                pins=(("timing", "duty_cycle"),),
            )
        )
    with pytest.raises(ValueError, match="cannot pin"):
        SimulationConfig(pins=(("timing", "hourly"),))


# --- what each axis does to the events -------------------------------------------------


def _ts(event: dict[str, Any]) -> float:
    ts = event["ts"]
    return float(ts) if not isinstance(ts, str) else datetime.fromisoformat(ts).timestamp()


def _per_key(config: SimulationConfig) -> tuple[Events, dict[str, dict[str, Any]]]:
    events, labels = simulate(config)
    out: Events = defaultdict(list)
    seen: set[str] = set()
    for raw in events:
        event = orjson.loads(encode_event(raw))
        if event["request_id"] not in seen:
            seen.add(event["request_id"])
            out[event["api_key_id"]].append(event)
    return out, {label["api_key_id"]: label for label in labels}


@pytest.fixture(scope="module")
def singles() -> tuple[Events, dict[str, dict[str, Any]]]:
    config = SimulationConfig(
        seed=6, days=1.0, benign_keys=0, attack_instances=6, scenarios=tuple(FAMILIES)
    )
    return _per_key(config)


def test_fields_axis_leaves_out_its_fields(
    singles: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    per_key, labels = singles
    kinds: Counter[str] = Counter()
    for key, events in per_key.items():
        fields = labels[key]["structure"]["fields"]
        kinds[fields] += 1
        missing = set(FIELD_GROUPS[fields])
        present = set().union(*(set(e) for e in events))
        assert not missing & present, (fields, missing & present)
        if fields == "all":
            assert {"prompt_text", "user_agent", "client_ip", "n"} <= present
    assert len(kinds) >= 3


def test_model_axis_decides_hidden_reasoning_tokens(
    singles: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    per_key, labels = singles
    for key, events in per_key.items():
        ok = [e for e in events if e["status"] == 200]
        hidden = [e for e in ok if e.get("reasoning_tokens")]
        if labels[key]["structure"]["model"] == "reasoning":
            assert len(hidden) == len(ok)
        else:
            assert not hidden


def test_infra_axis_shapes_addresses(singles: tuple[Events, dict[str, dict[str, Any]]]) -> None:
    per_key, labels = singles
    checked: Counter[str] = Counter()
    for key, events in per_key.items():
        s = labels[key]["structure"]
        ips = [e["client_ip"] for e in events if "client_ip" in e]
        if len(ips) < 50:
            continue
        checked[s["infra"]] += 1
        if s["infra"] == "cloud_single":
            assert len(set(ips)) == 1
        elif s["infra"] == "residential":  # each request its own address
            assert len(set(ips)) > 0.9 * len(ips)
        else:  # rotating datacenter /24s: one at a time, several over the day
            prefixes = [_prefix(ip) for ip in ips]
            changes = sum(1 for a, b in itertools.pairwise(prefixes) if a != b)
            assert len(set(prefixes)) >= 2 and changes < 0.05 * len(prefixes)
    assert len(checked) == 3


def _prefix(ip: str) -> str:
    # The /24 of an IPv4 address, the /48 of an IPv6 one.
    return ip.rsplit(".", 1)[0] if "." in ip else ":".join(ip.split(":")[:3])


def _active_hours(events: list[dict[str, Any]]) -> int:
    return len({int(_ts(e) // 3600) for e in events})


def test_timing_axis_shapes_when_a_key_works(
    singles: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    per_key, labels = singles
    hours: dict[str, list[int]] = defaultdict(list)
    for key, events in per_key.items():
        timing = labels[key]["structure"]["timing"]
        hours[timing].append(_active_hours(events))
        if timing == "drip":  # a few requests a day up to ~2 an hour
            assert len(events) <= 3 * 48
    assert min(hours["flat"]) >= 23
    for shape in ("working_hours", "duty_cycle", "bursty_sessions"):
        assert statistics.median(hours[shape]) < 20, (shape, hours[shape])


def _skeleton(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def test_prompt_styles_repeat_templates_or_not(
    singles: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    per_key, labels = singles
    reworded: set[str] = set()
    steps = []
    for key, events in per_key.items():
        s = labels[key]["structure"]
        texts = [e["prompt_text"] for e in events if "prompt_text" in e]
        if len(texts) < 200:
            continue
        heads = Counter(" ".join(text.split()[:4]) for text in texts)
        if s["prompts"] == "grammar":  # composed anew: no frame dominates
            assert heads.most_common(1)[0][1] < 0.2 * len(texts)
            assert len({_skeleton(t) for t in texts}) > 0.9 * len(texts)
        if s["prompts"] == "paraphrased" and labels[key]["scenario"] != "output_capped_sweep":
            reworded |= {ask for ask in ASKS if any(ask in t for t in texts[:300])}
            steps.append(sum("step by step" in t.lower() for t in texts) / len(texts))
    assert len(reworded) >= 10  # the ask for reasoning comes in many wordings
    assert steps and max(steps) < 0.3


def test_curriculum_walk_asks_each_item_once(
    singles: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    per_key, labels = singles
    walked = 0
    for key, events in per_key.items():
        if labels[key]["scenario"] != "curriculum_walk":
            continue
        texts = [e["prompt_text"] for e in events if "prompt_text" in e]
        numbers = [re.search(r"(?:Exercise|task|item|Case|scenario) (\d+)", t) for t in texts]
        items = [m.group(1) for m in numbers if m]
        assert len(items) >= 0.95 * len(texts)
        assert len(set(items)) == len(items)
        walked += bool(items)
    assert walked


@pytest.fixture(scope="module")
def population() -> tuple[Events, dict[str, dict[str, Any]]]:
    config = SimulationConfig(seed=8, days=0.6, benign_keys=150, attack_instances=0)
    return _per_key(config)


def _of(
    population: tuple[Events, dict[str, dict[str, Any]]], archetype: str
) -> list[list[dict[str, Any]]]:
    per_key, labels = population
    return [per_key[k] for k, x in labels.items() if x["scenario"] == archetype and per_key[k]]


def test_support_bot_conversations_grow_on_a_reasoning_model(
    population: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    bots = _of(population, "support_bot")
    assert bots
    for events in bots:
        prompts = sorted(e["prompt_tokens"] for e in events)
        assert prompts[int(0.9 * len(prompts))] > prompts[int(0.1 * len(prompts))] + 500
        hours = _active_hours(events)
        assert hours >= 13  # around the clock
        ok = [e for e in events if e["status"] == 200]
        assert all(e.get("reasoning_tokens", 0) > 0 for e in ok)


def test_a_conversation_carries_its_history() -> None:
    bot = _Conversation(random.Random(1), "sys", reasoning=True, base=800)
    for _ in range(3):
        bot.start()
        sizes = [bot()[3] for _ in range(6)]
        assert sizes == sorted(sizes) and sizes[-1] > sizes[0] + 200
        assert sizes[0] < 800 + 300 + 100


@pytest.mark.parametrize("kind", ["reasoning", "short"])
def test_fixed_templates_are_filled_not_rewritten(kind: str) -> None:
    rng = random.Random(5)
    source = make_prompts("templates", rng, kind, Items(rng, curriculum=False))
    templates = source.templates  # type: ignore[attr-defined]
    assert 2 <= len(templates) <= 6
    patterns = [
        re.compile(re.escape(t).replace(r"\{t\}", ".*").replace(r"\{q\}", ".*")
                   .replace(r"\{l\}", ".*"), re.S)
        for t in templates
    ]  # fmt: skip
    texts = [source() for _ in range(300)]
    assert all(any(p.fullmatch(text) for p in patterns) for text in texts)
    assert len(set(texts)) > 250  # the filled-in topics and tasks change


def test_smart_replies_label_pipelines_benchmarks_and_agents(
    population: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    replies = [e for events in _of(population, "smart_reply") for e in events if "n" in e]
    assert replies and Counter(e["n"] for e in replies).most_common(1)[0][0] == 3
    labels = [e for events in _of(population, "label_pipeline") for e in events]
    assert labels and all(e.get("max_tokens", 1) == 1 for e in labels)
    assert all(e["completion_tokens"] <= 1 for e in labels)
    runs = _of(population, "declared_benchmark")
    assert runs
    for events in runs:
        span = (_ts(events[-1]) - _ts(events[0])) / 3600
        assert len(events) >= 2000 and span < 14  # thousands of prompts in a few hours
    agents = [e for events in _of(population, "maintenance_agent") for e in events]
    assert agents and statistics.median(e["prompt_tokens"] for e in agents) > 20_000


def test_benign_keys_ask_for_reasoning_in_the_same_words(
    population: tuple[Events, dict[str, dict[str, Any]]],
) -> None:
    # A lexicon of reasoning asks must not tell harvesters from tutors and eval harnesses.
    per_key, _ = population
    texts = [e["prompt_text"] for events in per_key.values() for e in events[:400]
             if "prompt_text" in e]  # fmt: skip
    used = {ask for ask in ASKS if any(text.endswith(ask) for text in texts)}
    assert len(used) >= 8
