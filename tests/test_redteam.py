"""The red-team generator (benchmarks/redteam): deterministic, valid events, honest wording."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

from benchmarks.redteam import content
from benchmarks.redteam.generate import Config, generate
from detectors.events import Event, parse_line
from detectors.fingerprints import fingerprint
from detectors.lexicon import cue_groups, limits_answer
from tests.redteam_events import generated_twice

SMALL = Config(
    seed=5,
    days=0.5,
    benign_keys=6,
    scenarios=(
        "baseline", "ping_turns", "error_turns", "sketch_anchors", "shared_echo",
        "metadata_ping", "warmup_burst", "reseller_drift", "homework_solver",
    ),
    instances=1,
    partitions=8,  # a scaled-out deployment: shared_echo must still pick one partition
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
    assert len(pair) == 2 and len({partition_for(k, SMALL.partitions) for k in pair}) == 1


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
    for _ in range(3000):
        romanized = content.harvest_prompt(rng, "romanized")
        assert cue_groups(romanized) == 0 and not limits_answer(romanized), romanized
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


ROUND3_SMALL = Config(
    seed=5,
    days=0.5,
    benign_keys=4,
    scenarios=(
        "persona_rotation", "substantive_ping", "refine_turns", "metadata_anchor",
        "label_harvest", "swarm_rotate", "tool_templates", "voice_assistant",
        "report_scheduler",
    ),
    instances=1,
)  # fmt: skip


def test_round3_profile_is_deterministic_and_its_tricks_are_in_the_events(tmp_path: Path) -> None:
    from benchmarks.redteam.scenarios import PROFILES, SCENARIOS
    from detectors.state.layout import TURN_MIN_ANSWER

    assert set(PROFILES["round3"]) <= set(SCENARIOS) and "baseline" in PROFILES["round3"]
    by_key = generated_twice(ROUND3_SMALL, tmp_path)
    # a swarm instance is 16 keys of 16 accounts
    swarm = [k for k in by_key if k.startswith("rt_swarm_rotate_")]
    assert len(swarm) == 16 and len({by_key[k][0]["account_id"] for k in swarm}) == 16
    # rotated personas: three sizes of context beyond the visible prompt
    rows = by_key["rt_persona_rotation_0"]
    hidden = {int(r["prompt_tokens"]) - content.text_tokens(str(r["prompt_text"])) for r in rows}
    assert hidden == {0, 40, 250}
    # short pings answer just over the turn test's minimum and add up to less than
    # every harvest prompt they precede
    rows = by_key["rt_substantive_ping_0"]
    pings = [r for r in rows if r["max_tokens"] == 34]
    harvests = [r for r in rows if r["max_tokens"] != 34]
    assert pings and all(r["completion_tokens"] >= TURN_MIN_ANSWER for r in pings)
    base = max(int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in pings)
    below = sum(int(r["prompt_tokens"]) < base for r in harvests)
    assert below <= 0.05 * len(harvests)
    # metadata-only keys log no prompt text
    for name in ("rt_metadata_anchor_0", "rt_report_scheduler_0"):
        assert all("prompt_text" not in r for r in by_key[name])


ROUND6_SMALL = Config(
    seed=5,
    days=0.6,
    benign_keys=4,
    scenarios=(
        "swarm_wordnoise", "swarm_idnodigit", "swarm_uuid", "filler_mix", "scripted_turns",
        "helpdesk_reasoner", "reply_suggest", "class_cohort",
    ),
    instances=1,
)  # fmt: skip


def test_round6_profile_is_deterministic_and_its_tricks_are_in_the_events(tmp_path: Path) -> None:
    from benchmarks.redteam.round6 import DICTIONARY, FOLLOW_UPS, MEMBERS
    from benchmarks.redteam.scenarios import PROFILES, SCENARIOS

    assert set(PROFILES["round6"]) <= set(SCENARIOS) and "baseline" in PROFILES["round6"]
    by_key = generated_twice(ROUND6_SMALL, tmp_path)

    def rows(prefix: str) -> list[dict[str, Any]]:
        return [r for k, v in by_key.items() if k.startswith(prefix) for r in v]

    # swarms: one account per key; every prompt carries noise, which the identifier rule
    # keeps out of the fingerprint for UUIDs (fixed after the round) and not otherwise
    for name in ("swarm_wordnoise", "swarm_idnodigit", "swarm_uuid"):
        keys = [k for k in by_key if k.startswith(f"rt_{name}_")]
        assert 0.8 * MEMBERS <= len(keys) <= MEMBERS
        assert len({by_key[k][0]["account_id"] for k in keys}) == len(keys)
        for r in rows(f"rt_{name}_")[:50]:
            text = str(r["prompt_text"])
            body = text.split("\ntags:")[0].split(" (")[0]
            if name == "swarm_uuid":
                bare = " ".join(w for w in text.split() if w.count("-") != 4)
                assert (fingerprint(text).signature, fingerprint(text).items) == (
                    fingerprint(bare).signature,
                    fingerprint(bare).items,
                ), text
            else:
                assert fingerprint(text).signature != fingerprint(body).signature, text
            assert cue_groups(text) == cue_groups(body) and not limits_answer(text)
    tags = [str(r["prompt_text"]).split("\ntags: ")[1].split() for r in rows("rt_swarm_wordnoise_")]
    assert all(len(t) == 32 and set(t) <= set(DICTIONARY) for t in tags)
    # fillers: 60-80 % of the key, short answers
    filler = rows("rt_filler_mix_")
    short = [r for r in filler if r["max_tokens"] == 64]
    assert 0.55 * len(filler) < len(short) < 0.85 * len(filler)
    assert all(r["completion_tokens"] <= 60 for r in short)
    # scripted turns carry the previous prompt and answer back
    turns = rows("rt_scripted_turns_")
    for i, r in enumerate(turns):
        if r["prompt_text"] in FOLLOW_UPS:  # overlapping conversations interleave in time
            new = content.text_tokens(str(r["prompt_text"])) + 4
            carried = {int(b["prompt_tokens"]) + int(b["completion_tokens"]) + new
                       for b in turns[max(i - 4, 0) : i]}  # fmt: skip
            assert int(r["prompt_tokens"]) in carried
    assert {str(r["prompt_text"]) for r in turns} >= set(FOLLOW_UPS)
    # look-alikes: reasoning bills, n=3 candidates, a class of 36 accounts
    assert all(r["reasoning_tokens"] > 0 for r in rows("rt_helpdesk_reasoner_"))
    assert all(r["n"] == 3 for r in rows("rt_reply_suggest_"))
    students = [k for k in by_key if k.startswith("rt_class_cohort_")]
    assert 30 <= len(students) <= 36
    assert len({by_key[k][0]["account_id"] for k in students}) == len(students)


ROUND11_SMALL = Config(
    seed=5,
    days=0.6,
    benign_keys=4,
    scenarios=(
        "key_churn", "primed_shared", "public_cover", "invisible_ask",
        "dictionary_deepdive", "mixed_eval_suite", "ephemeral_sessions",
    ),
    instances=1,
)  # fmt: skip


def test_round11_profile_is_deterministic_and_its_tricks_are_in_the_events(
    tmp_path: Path,
) -> None:
    from benchmarks.redteam.round11 import (
        CHURN_REQUESTS,
        COT,
        DEEP_DIVES,
        INVISIBLE,
        LOOKUPS,
        PRIMER_LEAD,
        SESSION_REQUESTS,
        public_item,
    )
    from benchmarks.redteam.scenarios import PROFILES, SCENARIOS
    from detectors.evidence.families import credible
    from detectors.lexicon import IGNORABLES
    from pipeline.simulate.prompts import PUBLIC_BENCHMARK_TEMPLATE, eval_item
    from tests.redteam_events import generated_twice

    profile = PROFILES["round11"]
    assert set(profile) <= set(SCENARIOS) and {"baseline", "no_cue"} <= set(profile)
    by_key = generated_twice(ROUND11_SMALL, tmp_path)

    def keys(name: str) -> list[str]:
        return sorted(k for k in by_key if k.startswith(f"rt_{name}_"))

    def prompt(row: dict[str, Any]) -> str:
        return str(row["prompt_text"])

    # key churn: one account, one address prefix, three requests a key (no family speaks)
    churn = keys("key_churn")
    assert len(churn) > 50 and credible(CHURN_REQUESTS) == 0.0
    assert sum(len(by_key[k]) != CHURN_REQUESTS for k in churn) <= 1  # the log's last key
    assert len({by_key[k][0]["account_id"] for k in churn}) == 1
    assert len({by_key[k][0]["client_ip"].rsplit(".", 1)[0] for k in churn}) == 1
    assert all(cue_groups(prompt(r)) > 0 for k in churn for r in by_key[k])
    # primed: every harvest prompt was sent first, by another account's key, for one token
    harvest, primer = by_key["rt_primed_shared_0"], by_key["rt_primed_shared_0p"]
    assert harvest[0]["account_id"] != primer[0]["account_id"]
    assert all(r["completion_tokens"] == 1 and r["max_tokens"] == 1 for r in primer)
    first: dict[str, str] = {}
    for r in primer:
        first.setdefault(prompt(r), r["ts"])  # rows are in time order
    assert len(primer) == len(harvest) and len(first) > 0.98 * len(primer)
    assert all(prompt(r) in first and first[prompt(r)] < r["ts"] for r in harvest)
    assert PRIMER_LEAD[1] < 120
    # public cover: the benchmark's own texts, verbatim, walked from item 0
    cover = by_key["rt_public_cover_0"]
    public = [prompt(r) for r in cover if prompt(r).startswith("The following is")]
    assert 0.3 < len(public) / len(cover) < 0.6
    assert public[:4] == [public_item(i, i % 2 == 0) for i in range(4)]
    simulated = eval_item(random.Random(9).random, 0, PUBLIC_BENCHMARK_TEMPLATE, False)
    assert public[0] == simulated + COT
    # invisible ask: the same words with a variation selector inside every cue word. It
    # was no cue for the lexicon when the round was written; the fold drops it since
    # (detectors/lexicon.py, IGNORABLES), so the cues are found as without it.
    hidden = by_key["rt_invisible_ask_0"]
    assert any(lo <= ord(INVISIBLE) <= hi for lo, hi in IGNORABLES)
    for r in hidden:
        text = prompt(r)
        assert INVISIBLE in text and not limits_answer(text), text
        assert cue_groups(text) == cue_groups(text.replace(INVISIBLE, "")) > 0
    # dictionary: a minority of cue-worded deep dives with long answers, lookups short
    words = by_key["rt_dictionary_deepdive_0"]
    heads = tuple(d.split("{")[0] for d in DEEP_DIVES)
    deep = [r for r in words if prompt(r).startswith(heads)]
    assert 0.07 < len(deep) / len(words) < 0.2
    assert all(cue_groups(prompt(r)) > 0 and r["completion_tokens"] > 200 for r in deep[:200])
    rest = [r for r in words if r not in deep]
    assert all(cue_groups(prompt(r)) == 0 and r["completion_tokens"] <= 90 for r in rest)
    assert {p.split("{")[0] for p in LOOKUPS} >= {prompt(r).split(" ")[0] + " " for r in rest
                                                   if prompt(r).startswith("define")}  # fmt: skip
    # eval suite: public items shared with the benchmark's users, private items new (bar the
    # few short problems the item generator draws twice by chance)
    suite = [prompt(r) for r in by_key["rt_mixed_eval_suite_0"]]
    shared = [p for p in suite if p.startswith("The following is")]
    private = [p for p in suite if not p.startswith("The following is")]
    assert shared[:3] == [public_item(i, True) for i in range(3)]
    assert len(set(private)) > 0.95 * len(private) and all(p.endswith(COT) for p in private)
    # ephemeral sessions: one account, a key (and home address) per short session
    sessions = keys("ephemeral_sessions")
    assert len(sessions) > 20 and len({by_key[k][0]["account_id"] for k in sessions}) == 1
    assert all(len(by_key[k]) <= SESSION_REQUESTS[1] for k in sessions)
    assert len({by_key[k][0]["client_ip"].rsplit(".", 1)[0] for k in sessions}) > 0.8 * len(
        sessions
    )
