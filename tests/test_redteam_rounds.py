"""Red-team rounds 7-10 (benchmarks/redteam): each profile deterministic, its tricks present."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from benchmarks.redteam import content
from benchmarks.redteam.generate import Config
from detectors.fingerprints import fingerprint
from detectors.lexicon import cue_groups, limits_answer
from tests.redteam_events import generated_twice, hidden, profile_rows, text

ROUND7_SMALL = Config(
    seed=5,
    days=0.8,
    benign_keys=4,
    scenarios=(
        "swarm_sharedlist", "swarm_benchlist", "swarm_resample", "swarm_quiet", "swarm_sysitem",
        "swarm_textless", "bench_subsets", "starter_prompts",
    ),
    instances=1,
)  # fmt: skip


def test_round7_profile_is_deterministic_and_its_tricks_are_in_the_events(tmp_path: Path) -> None:
    from benchmarks.redteam.round7 import (
        BENCH_SIZE,
        GENERIC_ASKS,
        LIST_SIZE,
        MEMBERS,
        SEED_SIZE,
        STARTERS,
        TEXTLESS,
        bench_list,
        shared_list,
    )
    from benchmarks.redteam.scenarios import PROFILES, SCENARIOS

    assert set(PROFILES["round7"]) <= set(SCENARIOS) and "baseline" in PROFILES["round7"]
    by_key = generated_twice(ROUND7_SMALL, tmp_path)

    def keys(name: str) -> list[str]:
        return [k for k in by_key if k.startswith(f"rt_{name}_")]

    def rows(name: str) -> list[dict[str, Any]]:
        return [r for k in keys(name) for r in by_key[k]]

    # swarms: one account per key
    for name in ("swarm_sharedlist", "swarm_benchlist", "swarm_resample", "swarm_quiet"):
        assert 0.8 * MEMBERS <= len(keys(name)) <= MEMBERS
        assert len({by_key[k][0]["account_id"] for k in keys(name)}) == len(keys(name))
    # shared list: the same items in every member's own harness (no exact hash in common)
    items = shared_list("swarm_sharedlist", LIST_SIZE)
    listed: dict[str, set[int]] = {}
    for r in rows("swarm_sharedlist"):
        for item in items:
            if item in str(r["prompt_text"]):
                listed.setdefault(item, set()).add(fingerprint(str(r["prompt_text"])).exact)
    assert set(listed) == set(items)
    assert all(len(exact) > 10 for exact in listed.values())
    share = sum(len(v) for v in listed.values()) / len(rows("swarm_sharedlist"))
    assert 0.25 < share < 0.55
    # bench list: half the requests are the same 16 bare items, every member most of them
    bench = set(bench_list())
    assert len(bench) == BENCH_SIZE
    sent = [r for r in rows("swarm_benchlist") if r["prompt_text"] in bench]
    assert 0.4 < len(sent) / len(rows("swarm_benchlist")) < 0.6
    assert all(r["temperature"] == 1.0 for r in sent)
    assert len({r["prompt_text"] for r in sent}) == BENCH_SIZE
    # resample: a few bare seed texts, each sent by many members at temperature 1
    seeds = shared_list("swarm_resample", SEED_SIZE)
    bare = [r for r in rows("swarm_resample") if str(r["prompt_text"]).split(" ")[0] != "Unit"]
    assert all(any(str(r["prompt_text"]).startswith(s) for s in seeds) for r in bare)
    assert all(r["temperature"] == 1.0 for r in bare)
    assert len({fingerprint(str(r["prompt_text"])).exact for r in bare}) <= SEED_SIZE * 6
    assert 0.25 < len(bare) / len(rows("swarm_resample")) < 0.55
    # quiet: no cue word, a hidden context of many sizes
    quiet = rows("swarm_quiet")
    assert not any(cue_groups(str(r["prompt_text"])) for r in quiet)
    hidden = {int(r["prompt_tokens"]) - content.text_tokens(str(r["prompt_text"])) for r in quiet}
    assert min(hidden) < 60 and max(hidden) > 600 and len(hidden) > 200
    # system-message items: one constant user line per key, a new system prompt per request
    for k in keys("swarm_sysitem"):
        assert len({r["prompt_text"] for r in by_key[k]}) == 1
        assert by_key[k][0]["prompt_text"] in GENERIC_ASKS
    sysitem = rows("swarm_sysitem")
    assert len({r["system_prompt_hash"] for r in sysitem}) == len(sysitem)
    assert not any(cue_groups(a) or limits_answer(a) for a in GENERIC_ASKS)
    # textless: most requests carry no prompt text
    textless = rows("swarm_textless")
    missing = [r for r in textless if "prompt_text" not in r]
    assert abs(len(missing) / len(textless) - TEXTLESS) < 0.05
    assert all(r["endpoint"] == "/v1/responses" for r in missing)
    # look-alikes: labs on their own clouds; app customers start with the same tour
    labs = keys("bench_subsets")
    assert 5 <= len(labs) <= 30 and len({by_key[k][0]["account_id"] for k in labs}) == len(labs)
    for k in keys("starter_prompts"):
        assert [r["prompt_text"] for r in by_key[k][: len(STARTERS)]] == list(STARTERS)


ROUND8_SMALL = Config(
    seed=5,
    days=1.2,
    benign_keys=4,
    scenarios=(
        "ramp_established", "rag_visible", "medium_product", "rationale_pair", "thanks_turns",
        "tutor_worked", "feature_launch", "office_move", "nightly_eval",
    ),
    instances=1,
)  # fmt: skip


def test_round8_profile_is_deterministic_and_its_tricks_are_in_the_events(tmp_path: Path) -> None:
    from datetime import datetime

    from benchmarks.redteam.harvest import SYSTEM_HASH
    from benchmarks.redteam.instance import SDK_UA
    from benchmarks.redteam.round8 import (
        ACKS,
        LAUNCH_HOURS,
        MOVE_AT,
        NEW_AGENTS,
        RAMP,
        REASONER,
        RESULT_ONLY,
        TUTOR_HASH,
        suite,
    )
    from detectors.state.layout import TURN_MIN_ANSWER
    from pipeline.simulate.infra import BROWSER_UA

    rows = profile_rows(ROUND8_SMALL, "round8", tmp_path)
    start, end = ROUND8_SMALL.start, ROUND8_SMALL.start + ROUND8_SMALL.days * 86400.0

    def at(row: dict[str, Any]) -> float:
        return datetime.fromisoformat(str(row["ts"]).replace("Z", "+00:00")).timestamp()

    def carried(rs: list[dict[str, Any]]) -> set[int]:
        return {int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in rs}

    def share(rs: list[dict[str, Any]], low: float, high: float, hit: Any) -> float:
        inside = [r for r in rs if low <= at(r) < high]
        return sum(1 for r in inside if hit(r)) / max(len(inside), 1)

    # ramp: no harvest before the onset, a small share in its first hours, most at the end
    ramp = rows("ramp_established")
    onset = start + 2 * 3600.0

    def harvested(r: dict[str, Any]) -> bool:
        return r.get("system_prompt_hash") == SYSTEM_HASH

    assert share(ramp, start, onset, harvested) == 0.0
    assert share(ramp, onset, onset + 6 * 3600.0, harvested) < 0.2
    assert share(ramp, onset + RAMP, end, harvested) > 0.4
    # RAG-like padding in the user message: visible sizes vary, the hidden context does not
    rag = rows("rag_visible")
    assert all("\nContext:\n" in str(r["prompt_text"]) for r in rag)
    assert {hidden(r) for r in rag} == {24}
    sizes = sorted(content.text_tokens(str(r["prompt_text"])) for r in rag)
    assert sizes[0] < 450 and sizes[-1] > 2500
    contexts = [str(r["prompt_text"]).split("\nContext:\n")[1] for r in rag]
    contexts = [p.split("\n\nQuestion:")[0] for p in contexts]
    assert not any(cue_groups(p) or limits_answer(p) for p in contexts)
    ratios = sorted(int(r["completion_tokens"]) / int(r["prompt_tokens"]) for r in rag)
    assert ratios[len(ratios) // 2] < 2.0
    # medium answers at product volume, knobs drawn per request
    medium = rows("medium_product")
    assert len(medium) > 2500 and {r["max_tokens"] for r in medium} == {512, 768, 1024}
    assert all(r["completion_tokens"] <= r["max_tokens"] for r in medium)
    assert len({r["temperature"] for r in medium}) >= 4
    assert 400 < sorted(r["completion_tokens"] for r in medium)[len(medium) // 2] < 700
    # rationale pairs: the reasoning model's result only, then the large model on the same item
    pair = rows("rationale_pair")
    firsts = [r for r in pair if r["model"] == REASONER]
    seconds = [r for r in pair if r["model"] != REASONER]
    assert firsts and len(seconds) >= 0.95 * len(firsts)
    assert all(r["completion_tokens"] - r["reasoning_tokens"] <= 40 for r in firsts)
    assert all(limits_answer(str(r["prompt_text"])) for r in firsts)
    items = {str(r["prompt_text"]).removesuffix(f" {RESULT_ONLY}") for r in firsts}
    for r in seconds:
        text = str(r["prompt_text"])
        assert text.split(" Reference result: ")[0] in items and cue_groups(text) > 0
    # thanks: a cue-worded acknowledgement carrying the item and its whole answer back
    thanks = rows("thanks_turns")
    acks = [r for r in thanks if r["prompt_text"] in ACKS]
    items_sent = [r for r in thanks if r["prompt_text"] not in ACKS]
    assert 0.65 < len(acks) / len(items_sent) < 0.95
    assert all(cue_groups(a) > 0 for a in ACKS)
    for i, r in enumerate(thanks):
        if r["prompt_text"] in ACKS:
            new = content.text_tokens(str(r["prompt_text"])) + 4
            assert int(r["prompt_tokens"]) - new in carried(thanks[max(i - 24, 0) : i])
            assert int(r["completion_tokens"]) < TURN_MIN_ANSWER
    # tutor: one short system prompt; a share of follow-ups carrying the history
    tutor = rows("tutor_worked")
    assert {r["system_prompt_hash"] for r in tutor} == {TUTOR_HASH}
    follow = [i for i, r in enumerate(tutor) if hidden(r) > 40 + 8]
    assert 0.15 < len(follow) / len(tutor) < 0.45
    for i in follow:
        r = tutor[i]
        new = content.text_tokens(str(r["prompt_text"])) + 4
        assert int(r["prompt_tokens"]) - new in carried(tutor[max(i - 40, 0) : i])
    # feature launch: cue-free tools all day, then the cue-worded long-answer feature
    notes = rows("feature_launch")

    def feature(r: dict[str, Any]) -> bool:
        return cue_groups(str(r["prompt_text"])) > 0

    assert share(notes, start, end - LAUNCH_HOURS[1] * 3600.0, feature) == 0.0
    assert share(notes, end - LAUNCH_HOURS[0] * 3600.0 + 1800.0, end, feature) > 0.25
    assert all(r["completion_tokens"] > 500 for r in notes if feature(r))
    # office move: one /24 and the old clients before, another /24 and new clients after
    office = rows("office_move")
    before = [r for r in office if at(r) < start + MOVE_AT]
    after = [r for r in office if at(r) >= start + MOVE_AT + 600.0]
    assert before and after

    def prefix(r: dict[str, Any]) -> str:
        return str(r["client_ip"]).rsplit(".", 1)[0]

    assert len({prefix(r) for r in before}) == len({prefix(r) for r in after}) == 1
    assert {prefix(r) for r in before} != {prefix(r) for r in after}
    assert {r["user_agent"] for r in before} <= {SDK_UA, BROWSER_UA}
    assert {r["user_agent"] for r in after} <= set(NEW_AGENTS)
    # nightly eval: the same private suite every night, reshuffled, at temperature 0
    nightly = [r for r in rows("nightly_eval") if str(r["prompt_text"]).startswith("Problem:")]
    nights: dict[int, list[str]] = {}
    for r in nightly:
        nights.setdefault(int((at(r) - start) // 86400.0), []).append(str(r["prompt_text"]))
    assert sorted(nights) == [0, 1] and all(r["temperature"] == 0.0 for r in nightly)
    assert set(nights[0]) == set(nights[1]) == set(suite(0, len(nights[0])))
    assert nights[0] != nights[1] and len(nights[0]) == len(set(nights[0]))


ROUND9_SMALL = Config(
    seed=5,
    days=0.6,
    benign_keys=4,
    scenarios=(
        "padded_prompts", "harness_trajectories", "split_answers", "code_agent_long_outputs",
        "report_generator", "doc_translator",
    ),
    instances=1,
)  # fmt: skip


def test_round9_profile_is_deterministic_and_its_tricks_are_in_the_events(tmp_path: Path) -> None:
    from benchmarks.redteam.harvest import SYSTEM_HASH
    from benchmarks.redteam.round9 import (
        BOILERPLATE,
        FIX_TEXT,
        HARNESS_TOKENS,
        PAD_TOKENS,
        PART_TOKENS,
        REPORT_TEMPLATE_TOKENS,
        TOOL_HARNESS_TOKENS,
        TRAJECTORY_RATIO,
        boilerplate,
    )
    from benchmarks.redteam.scenarios import SCENARIOS, build_instance

    rows = profile_rows(ROUND9_SMALL, "round9", tmp_path)

    def ratio(row: dict[str, Any]) -> float:
        return int(row["completion_tokens"]) / int(row["prompt_tokens"])

    # padding: every request sends more than it gets back, the padding's size varies per
    # request inside the user message (the hidden context is fixed), and it asks nothing
    assert not any(cue_groups(s) or limits_answer(s) for s in BOILERPLATE)
    filler = boilerplate(random.Random(1), 3000)
    assert not cue_groups(filler) and not limits_answer(filler)
    padded = rows("padded_prompts")
    assert len(padded) > 50 and all(ratio(r) < 1.0 for r in padded)
    assert all(1200 <= r["completion_tokens"] <= 2500 for r in padded)
    assert {hidden(r) for r in padded} == {24}
    pads = []
    for r in padded:
        if text(r).startswith("Background:\n"):
            pad, question = text(r).removeprefix("Background:\n").split("\n\nQuestion: ")
        else:
            question, pad = text(r).split("\n\nReference material (for the record):\n")
        assert cue_groups(question) > 0 and not cue_groups(pad) and not limits_answer(pad)
        pads.append(content.text_tokens(pad))
    assert PAD_TOKENS[0] * 0.95 <= min(pads) and max(pads) <= PAD_TOKENS[1] * 1.05
    assert max(pads) > 1.4 * min(pads)
    # trajectories: one long harness, out per in 1.0-1.8; instance 1 logs no prompt text
    trajectories = rows("harness_trajectories")
    assert len({r["system_prompt_hash"] for r in trajectories}) == 1
    assert len({hidden(r) for r in trajectories}) == 1
    assert HARNESS_TOKENS[0] <= hidden(trajectories[0]) <= HARNESS_TOKENS[1]
    assert all(TRAJECTORY_RATIO[0] - 0.01 <= ratio(r) <= TRAJECTORY_RATIO[1] for r in trajectories)
    assert all(cue_groups(text(r)) > 0 for r in trajectories)
    start, end = ROUND9_SMALL.start, ROUND9_SMALL.start + ROUND9_SMALL.days * 86400.0
    keys, _ = build_instance(SCENARIOS["harness_trajectories"], 1, 5, start, end, 8)
    silent = [event for _, event in keys[0].events]
    assert silent and not any("prompt_text" in e for e in silent)
    assert len({e["system_prompt_hash"] for e in silent}) == 1
    assert min(e["prompt_tokens"] for e in silent) >= HARNESS_TOKENS[0]
    # split answers: no part longer than its cap (300-600); every continuation carries the
    # item and the parts so far back, after a part that was cut off at its cap
    split = rows("split_answers")
    assert all(PART_TOKENS[0] <= r["max_tokens"] <= PART_TOKENS[1] for r in split)
    assert all(r["completion_tokens"] <= r["max_tokens"] for r in split)
    follow = [i for i, r in enumerate(split) if text(r).startswith("Continue with part ")]
    assert 0.4 < len(follow) / len(split) < 0.9
    assert len({content.exact_hash(text(split[i])) for i in follow}) > 0.97 * len(follow)
    for i in follow:
        r, new = split[i], content.text_tokens(text(split[i])) + 4
        before = [p for p in split[max(i - 12, 0) : i]
                  if int(p["prompt_tokens"]) + int(p["completion_tokens"]) + new
                  == int(r["prompt_tokens"])]  # fmt: skip
        assert before and before[-1]["completion_tokens"] == before[-1]["max_tokens"]
    # coding agent: fixed tool specs, a small cue-free task, a whole file 1.1-1.6x back
    code = rows("code_agent_long_outputs")
    assert len({r["system_prompt_hash"] for r in code}) == 1
    tasks = [r for r in code if not text(r).startswith(FIX_TEXT[:20])]
    assert len(tasks) > 0.8 * len(code) and len({hidden(r) for r in tasks}) == 1
    assert TOOL_HARNESS_TOKENS[0] <= hidden(tasks[0]) <= TOOL_HARNESS_TOKENS[1]
    assert all(1.1 <= ratio(r) <= 1.6 for r in tasks)
    assert not any(cue_groups(text(r)) or limits_answer(text(r)) for r in code)
    # report generator: data fields in front of one fixed long template, long reports out
    reports = rows("report_generator")
    templates = {text(r).split("\n\n", 1)[1] for r in reports}
    assert len(templates) == 1 and len({text(r).split("\n\n")[0] for r in reports}) == len(reports)
    size = content.text_tokens(templates.pop())
    assert REPORT_TEMPLATE_TOKENS[0] * 0.95 <= size <= REPORT_TEMPLATE_TOKENS[1] * 1.05
    assert all(1500 <= r["completion_tokens"] <= 3000 for r in reports)
    # translator: long documents, about as much out as in
    translated = rows("doc_translator")
    documents = [content.text_tokens(text(r).split("\n\n", 1)[1]) for r in translated]
    assert min(documents) >= 950 and max(documents) <= 3100
    assert all(0.85 <= ratio(r) <= 1.25 for r in translated)
    assert SYSTEM_HASH not in {r.get("system_prompt_hash") for r in translated}


ROUND10_SMALL = Config(
    seed=5,
    days=1.0,
    benign_keys=4,
    scenarios=(
        "quartile_padded", "variant_followups", "trimmed_acks", "repo_codegen", "table_reports",
        "doc_rewriter", "meeting_minutes", "guided_lesson", "support_buttons",
    ),
    instances=1,
)  # fmt: skip


def test_round10_profile_is_deterministic_and_its_tricks_are_in_the_events(
    tmp_path: Path,
) -> None:
    from datetime import datetime

    from benchmarks.redteam.round9 import REPORT_CUE
    from benchmarks.redteam.round10 import (
        BUTTONS,
        CODE_CUE,
        EDIT_CUE,
        MINUTES_CUE,
        QUARTILE_CAP,
        QUARTILE_PAD,
        SUPPORT_BUTTONS,
        TRIM_KEEP,
        low_acks,
    )
    from detectors.state import layout as L

    rows = profile_rows(ROUND10_SMALL, "round10", tmp_path)

    def tokens(row: dict[str, Any], field: str) -> int:
        return int(row[field])

    def ts(row: dict[str, Any]) -> float:
        return datetime.fromisoformat(str(row["ts"]).replace("Z", "+00:00")).timestamp()

    def continues(r: dict[str, Any], before: list[dict[str, Any]]) -> bool:
        """The detector's turn test: r's prompt is an earlier exchange plus the new text."""
        visible = len(text(r)) // L.TURN_CHARS_PER_TOKEN
        ring = [q for q in before if tokens(q, "completion_tokens") >= L.TURN_MIN_ANSWER]
        for q in ring[-L.RING :]:
            base = tokens(q, "prompt_tokens") + tokens(q, "completion_tokens")
            recent = ts(r) - ts(q) <= 60.0 * L.TURN_MINUTES
            low, high = base + L.TURN_NEW_SHARE * visible, base + L.TURN_SLACK + visible
            if recent and low <= tokens(r, "prompt_tokens") <= high:
                return True
        return False

    # quartile padding: answers under the instance's cap (~the population's upper quartile),
    # out per in under 1 on every request, padding of varying size in the user message
    padded = rows("quartile_padded")
    caps = {tokens(r, "max_tokens") for r in padded}
    assert len(padded) > 1000 and len(caps) == 1
    assert QUARTILE_CAP[0] <= min(caps) <= QUARTILE_CAP[1]
    assert all(tokens(r, "completion_tokens") <= min(caps) for r in padded)
    assert all(tokens(r, "completion_tokens") < tokens(r, "prompt_tokens") for r in padded)
    assert {hidden(r) for r in padded} == {24}
    pads = [content.text_tokens(text(r).split("\n\nTask: ")[0]) for r in padded]
    assert QUARTILE_PAD[0] * 0.95 <= min(pads) and max(pads) <= QUARTILE_PAD[1] * 1.05
    assert all(cue_groups(text(r).split("\n\nTask: ")[1]) > 0 for r in padded)
    # variant follow-ups: every follow-up is a real turn, cue-worded, and no two alike
    chat = rows("variant_followups")
    turns = [i for i, r in enumerate(chat) if hidden(r) > 24]
    assert 0.3 < len(turns) / len(chat) < 0.7
    assert all(continues(chat[i], chat[max(i - 20, 0) : i]) for i in turns)
    assert all(cue_groups(text(chat[i])) > 0 for i in turns)
    assert len({text(chat[i]) for i in turns}) > 0.98 * len(turns)
    assert sum(tokens(r, "completion_tokens") for r in chat) / len(chat) > 900
    # trimmed acknowledgements: low-hash canned texts whose trimmed history fails the turn
    # test (so they are tracked as repeats) while the history is still most of the prompt
    acks = low_acks(0)
    assert all(content.exact_hash(a) < 1 << 20 for a in acks)
    trimmed = rows("trimmed_acks")
    sent = [i for i, r in enumerate(trimmed) if text(r) in acks]
    assert 0.3 < len(sent) / len(trimmed) < 0.5
    chance = 0
    for i in sent:
        r, before = trimmed[i], trimmed[max(i - 12, 0) : i]
        kept = tokens(r, "prompt_tokens") - content.text_tokens(text(r)) - 4
        items = [q for q in before if text(q) not in acks
                 and TRIM_KEEP[0] * tokens(q, "completion_tokens") - 1
                 <= kept - tokens(q, "prompt_tokens")
                 <= TRIM_KEEP[1] * tokens(q, "completion_tokens")]  # fmt: skip
        assert items and not continues(r, items[-1:])
        chance += continues(r, before)
    assert chance < 0.05 * len(sent)  # another exchange fits by chance only
    # long answers from longer inputs: every output shorter than its prompt, long against
    # chat (median > 1,200 tokens), one fixed hidden context, the cue line on all or none
    for name, cue in (("repo_codegen", CODE_CUE), ("table_reports", REPORT_CUE),
                      ("doc_rewriter", EDIT_CUE), ("meeting_minutes", MINUTES_CUE)):  # fmt: skip
        long = rows(name)
        outs = sorted(tokens(r, "completion_tokens") for r in long)
        assert len(long) > 30 and outs[len(outs) // 2] > 1200
        assert all(tokens(r, "completion_tokens") < tokens(r, "prompt_tokens") for r in long)
        assert len({hidden(r) for r in long}) == 1
        assert len({cue in text(r) for r in long}) == 1
    ends = [ts(r) % 1800.0 for r in rows("meeting_minutes")]
    assert all(30.0 <= e <= 600.0 for e in ends)
    # canned follow-ups: the same button texts come back on many conversations, every one
    # sent with its conversation's whole history within 30 minutes (a real turn)
    for name, buttons in (("guided_lesson", BUTTONS), ("support_buttons", SUPPORT_BUTTONS)):
        conv = rows(name)
        pressed = [i for i, r in enumerate(conv) if text(r) in buttons]
        assert len(pressed) > 0.15 * len(conv)
        assert max(sum(text(conv[i]) == b for i in pressed) for b in buttons) > 50
        for i in pressed:
            r, size = conv[i], content.text_tokens(text(conv[i])) + 4
            assert any(tokens(q, "prompt_tokens") + tokens(q, "completion_tokens") + size
                       == tokens(r, "prompt_tokens") and ts(r) - ts(q) < 1800.0
                       for q in conv[max(i - 300, 0) : i])  # fmt: skip
