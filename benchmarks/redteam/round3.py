"""Round 3: attacks on single-turn evidence from the text, the no-cue rule and the
seventeen-language lexicon, plus the still-open spots (multi-turn and label
harvesting, metadata-only keys, swarms), and benign look-alikes for their fixes.

Each abuse scenario is what an attacker who read ``detectors/`` would do cheaply;
its idea line says how, and the README ("Round 3") what it costs. Profile
``round3`` writes these plus ``baseline`` (the reference) only.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import HOUR, Key, arrivals, cloud_prefixes
from benchmarks.redteam.harvest import SYSTEM_HASH, Plan, Sender, harvest
from benchmarks.redteam.instance import (
    ABUSE,
    BENIGN_LABEL,
    SWARM_AGENTS,
    Builder,
    Instance,
    Scenario,
    rate,
    text_hash,
)

__all__ = ["ROUND3"]


def _plan(name: str, idea: str, **changes: object) -> Scenario:
    """The baseline harvester with ``changes`` to its plan (as in ``scenarios``)."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key(prompts=bool(changes.get("prompts", True)))
        plan = replace(Plan(per_day=rate(inst)), **changes)  # type: ignore[arg-type]
        harvest(key, plan, inst.attack_start, inst.log_end)
        return [key], None

    return Scenario(name, ABUSE, idea, build)


_REFINE = (
    "Check your solution above for mistakes, then solve it again by a different method"
    " and compare the two.",
    "Now find the weakest step in that answer and explain how to make it rigorous.",
    "Rewrite the whole solution for a student who has never seen this topic, explaining"
    " every step.",
)


def _refine_turns(inst: Instance) -> tuple[list[Key], float | None]:
    """Self-refinement dialogues: an item, then 1-2 follow-ups about *that answer*.

    Every follow-up carries the history back (a real conversation turn, and one that
    asks about the previous answer, so a rule "a turn counts only when it follows up"
    does not stop it); every answer is worth training on (critique and
    alternative-solution data are what distillers want from multi-turn).
    """
    key = inst.key()
    rng = inst.rng
    plan = Plan(per_day=1.0)
    sender = Sender(key, plan)
    end = inst.log_end
    for t in arrivals(rng, inst.attack_start, end, rate(inst) / 2.5):
        text = c.harvest_prompt(rng, "cue")
        prompt = plan.system_tokens + c.text_tokens(text)
        answer = sender.send(t, text, prompt, c.answer_tokens(rng, 1100.0, 0.5, 4096))
        history = prompt + answer
        for follow in rng.sample(_REFINE, rng.randint(1, 2)):
            t += rng.uniform(15.0, 90.0)
            if t >= end:
                break
            prompt = history + c.text_tokens(follow) + 4
            answer = sender.send(t, follow, prompt, c.answer_tokens(rng, 900.0, 0.5, 4096))
            history = prompt + answer
    return [key], None


_REVIEW_OPENERS = (
    "Bought this {p} last month.",
    "Second {p} I have owned from this brand.",
    "Got the {p} as a gift for my sister.",
    "Our team has used this {p} in the office for a while now.",
    "Ordered the {p} after reading a lot of reviews.",
)
_REVIEW_BODIES = (
    "The {a} part works exactly as described and setup took five minutes.",
    "Shipping was slow and the box arrived dented, but the {a} part is fine.",
    "After two weeks the {a} part started to fail and support never answered.",
    "Honestly the {a} part is the only reason I kept it.",
    "The manual is confusing and the {a} part feels cheap for the price.",
    "It is louder than I expected, although the {a} part makes up for it.",
    "Returned it once because the {a} part was missing, the replacement is great.",
    "Would not buy again: the {a} part broke on the first day.",
    "Five stars for the {a} part, two for everything else.",
    "My kids use it daily and the {a} part has held up so far.",
)
_PRODUCTS = (
    "espresso machine",
    "standing desk",
    "robot vacuum",
    "hiking backpack",
    "air purifier",
    "smart thermostat",
    "office chair",
    "blender",
    "desk lamp",
    "camping stove",
)
_ATTRS = (
    "motor",
    "hinge",
    "battery",
    "app",
    "filter",
    "strap",
    "display",
    "lid",
    "charger",
    "wheel",
)


def _review(rng: random.Random) -> str:
    product = rng.choice(_PRODUCTS)
    parts = [rng.choice(_REVIEW_OPENERS).format(p=product)]
    for _ in range(rng.randint(2, 6)):
        parts.append(rng.choice(_REVIEW_BODIES).format(a=rng.choice(_ATTRS)))
    return " ".join(parts)


def _label_harvest(inst: Instance) -> tuple[list[Key], float | None]:
    """Labels for an unlabelled corpus: a review in, a JSON label and one sentence out.

    The distiller wants the provider model's *judgement* (to train a classifier or a
    reward model), not its prose: tens of thousands of 30-60-token answers a day.
    """
    key = inst.key()
    rng = inst.rng
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 2000.0, 6000.0)):
        text = (
            f"Review #{rng.randrange(10**7)}: {_review(rng)}\nClassify the sentiment"
            " (positive, negative or mixed) and the main topic. Respond with a JSON object"
            " with the keys label, topic and reason (one sentence)."
        )
        key.emit(
            t,
            text,
            24 + c.text_tokens(text),
            rng.randint(28, 60),
            max_tokens=80,
            temperature=0.0,
            system_prompt_hash=SYSTEM_HASH,
        )
    return [key], None


def _swarm(plan: Plan) -> Builder:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        """Sixteen keys of as many accounts, each its own address and client library,
        each sending 8-20 requests a day: no shared infrastructure to link them."""
        keys: list[Key] = []
        for k in range(16):
            key = inst.key(
                f"_{k:02d}", agents=(SWARM_AGENTS[(inst.index * 16 + k) % len(SWARM_AGENTS)],)
            )
            key.account_id = f"{key.account_id}_{k:02d}"
            key.prefixes = cloud_prefixes(inst.rng, 1)
            start = inst.attack_start + inst.rng.uniform(0.0, 2.0) * HOUR
            harvest(key, replace(plan, per_day=inst.rng.uniform(8.0, 20.0)), start, inst.log_end)
            keys.append(key)
        return keys, None

    return build


_TOOLS = (
    # (system prompt tokens, instruction, answer median)
    (35, "Rewrite this paragraph so it is clearer and shorter:", 140.0),
    (140, "Turn these notes into a short status update:", 180.0),
    (420, "Explain what this passage means in plain language:", 420.0),
    (900, "Draft a polite reply to this email:", 260.0),
)
_SNIPPETS = (
    "the vendor moved the delivery to next week and wants us to confirm the new slot",
    "we saw a drop in sign-ups after the pricing page changed, probably the new layout",
    "the lease renews automatically unless either party gives ninety days written notice",
    "can you send over the slides from Tuesday, I could not find them in the shared folder",
    "the migration finished but two tables still show the old schema in staging",
    "interest accrues daily and is compounded monthly on the outstanding principal",
    "our school trip is postponed because of the weather, new date to be announced",
    "the board approved the budget with a ten percent cut to travel",
)


def _tool_templates(key: Key, start: float, end: float) -> None:
    """A writing-assistant SaaS: four tools, each a fixed system prompt of its own size.

    Single-turn, short user text, answers a few times longer: the context beyond the
    visible prompt varies (four sizes from 35 to 900 tokens), but only because the
    product has four tools, not because it carries history.
    """
    rng = key.rng
    for t in arrivals(rng, start, end, rng.uniform(1500.0, 5000.0), "consumer", -5.0):
        system, instruction, median = rng.choice(_TOOLS)
        snippet = " ".join(rng.sample(_SNIPPETS, rng.randint(1, 3)))
        text = f"{instruction} {snippet} (doc {rng.randrange(10**6)})"
        key.emit(
            t,
            text,
            system + c.text_tokens(text),
            c.answer_tokens(rng, median, 0.4, 1200),
            "atlas-2-mini",
            temperature=0.5,
            max_tokens=1200,
            system_prompt_hash=text_hash(instruction),
        )


_UTTERANCES = (
    "what's the weather like tomorrow",
    "set a timer for {n} minutes",
    "remind me to call mom at {n}",
    "and what about the weekend",
    "play something relaxing",
    "how long does it take to get to the airport",
    "add eggs and milk to the shopping list",
    "what did I ask you earlier",
    "turn it down a bit",
    "tell me a fun fact about octopuses",
)


def _voice_assistant(key: Key, start: float, end: float) -> None:
    """A voice assistant: sessions of 3-8 turns, short spoken answers (30-90 tokens),
    the whole session carried back every turn under a 300-token system prompt."""
    rng = key.rng
    for t in arrivals(rng, start, end, rng.uniform(800.0, 2500.0), "consumer", 1.0):
        history = 300
        for _ in range(rng.randint(3, 8)):
            if t >= end:
                break
            text = rng.choice(_UTTERANCES).format(n=rng.randint(2, 45))
            prompt = history + c.text_tokens(text) + 4
            answer = rng.randint(30, 90)
            key.emit(t, text, prompt, answer, "atlas-2-mini", temperature=0.6, max_tokens=150)
            history = prompt + answer
            t += rng.uniform(6.0, 40.0)


def _report_scheduler(key: Key, start: float, end: float) -> None:
    """A reporting product without prompt logging: every hour a cron job writes one
    1,000-1,500-token report per subscribed account from a templated data summary."""
    rng = key.rng
    accounts = rng.randint(40, 120)
    hour = (start // HOUR + 1) * HOUR
    while hour < end:
        t = hour + rng.uniform(0.0, 30.0)
        for _ in range(accounts):
            t += rng.uniform(2.0, 8.0)
            if t >= end:
                break
            key.emit(
                t,
                "",
                rng.randint(220, 420),
                c.answer_tokens(rng, 1200.0, 0.2, 2000),
                temperature=0.3,
                max_tokens=2000,
                system_prompt_hash=SYSTEM_HASH,
            )
        hour += HOUR


def _benign(name: str, idea: str, writer: Callable[[Key, float, float], None]) -> Scenario:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        prompts = name != "report_scheduler"
        key = inst.key(prompts=prompts)
        writer(key, inst.log_start + inst.rng.uniform(0.0, 1800.0), inst.log_end)
        return [key], None

    return Scenario(name, BENIGN_LABEL, idea, build)


ROUND3: tuple[Scenario, ...] = (
    _plan(
        "persona_rotation",
        "one of three cached system prompts (0, 40, 250 tokens) per request: 'varied context'",
        padding="rotate",
    ),
    _plan(
        "substantive_ping",
        "a 33-34-token-answer request (no system prompt) every 6 harvests: forged turns",
        ping="short",
    ),
    _plan(
        "romanized_ask",
        "the ask for reasoning in a listed language typed in Latin letters (Hinglish, pinyin...)",
        wording="romanized",
    ),
    Scenario(
        "refine_turns",
        ABUSE,
        "an item, then 1-2 follow-ups about that answer (critique, other method), history carried",
        _refine_turns,
    ),
    _plan(
        "metadata_anchor",
        "no prompt text logged; a 33-34-token-answer request every 6 harvests",
        prompts=False,
        ping="short",
    ),
    Scenario(
        "label_harvest",
        ABUSE,
        "2-6k reviews a day in, a JSON label with a one-sentence reason out (30-60 tokens)",
        _label_harvest,
    ),
    Scenario(
        "swarm_drip",
        ABUSE,
        "16 unlinked keys (own account, address, client) x 8-20 baseline requests a day",
        _swarm(Plan(per_day=1.0)),
    ),
    Scenario(
        "swarm_rotate",
        ABUSE,
        "the same swarm, each key rotating three system prompts",
        _swarm(Plan(per_day=1.0, padding="rotate")),
    ),
    _plan(
        "combo_round3",
        "rotated system prompts + romanized asks + short-answer pings",
        padding="rotate",
        wording="romanized",
        ping="short",
    ),
    _benign(
        "tool_templates",
        "writing-assistant SaaS: four tools, each its own fixed system prompt (35-900 tokens)",
        _tool_templates,
    ),
    _benign(
        "voice_assistant",
        "voice assistant: 3-8 turn sessions, 30-90-token answers, history carried",
        _voice_assistant,
    ),
    _benign(
        "report_scheduler",
        "hourly cron writing 1,200-token reports per subscriber; no prompt text logged",
        _report_scheduler,
    ),
)
