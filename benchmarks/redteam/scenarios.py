"""The red-team scenarios: one evasion idea (or one benign look-alike) each.

Every abuse scenario is the baseline harvester (:func:`harvest.harvest` with a
default :class:`harvest.Plan`) with one change, unless it says it combines
several. :data:`SCENARIOS` maps a name to a :class:`Scenario`; its ``build``
writes the records of one instance (one key, or a pair for ``shared_echo``).
"""

from __future__ import annotations

import random
from dataclasses import replace

from benchmarks.redteam import content as c
from benchmarks.redteam.benign import BENIGN, background_request
from benchmarks.redteam.emit import HOUR, Key, arrivals
from benchmarks.redteam.harvest import Plan, Sender, grind_sampled, harvest
from benchmarks.redteam.instance import ABUSE, BENIGN_LABEL, SDK_UA, Instance, Scenario, rate
from benchmarks.redteam.round3 import ROUND3
from benchmarks.redteam.round4 import ROUND4
from benchmarks.redteam.round5 import ROUND5
from benchmarks.redteam.round6 import ROUND6
from benchmarks.redteam.round7 import ROUND7
from benchmarks.redteam.round8 import ROUND8
from benchmarks.redteam.round9 import ROUND9
from benchmarks.redteam.round10 import ROUND10
from benchmarks.redteam.round11 import ROUND11
from detectors.partitioning import partition_for

__all__ = ["PROFILES", "SCENARIOS", "Instance", "Scenario", "build_instance"]


def _plan_scenario(name: str, idea: str, **changes: object) -> Scenario:
    """A scenario that is the baseline harvester with ``changes`` to its plan."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        prompts = bool(changes.get("prompts", True))
        key = inst.key(prompts=prompts)
        plan = replace(Plan(per_day=rate(inst)), **changes)  # type: ignore[arg-type]
        harvest(key, plan, inst.attack_start, inst.log_end)
        return [key], None

    return Scenario(name, ABUSE, idea, build)


def _limit(inst: Instance) -> tuple[list[Key], float | None]:
    key = inst.key()
    suffix = c.LIMIT_SUFFIXES[inst.index % len(c.LIMIT_SUFFIXES)]
    plan = Plan(per_day=rate(inst))
    start = inst.attack_start
    # harvest() draws prompts itself; a constrained wording is the cue wording plus a
    # suffix, so run the cue plan and append the instance's suffix to every prompt.
    harvest(key, plan, start, inst.log_end)
    for _t, event in key.events:
        if event.get("prompt_text") and event["max_tokens"] != 1:
            event["prompt_text"] += suffix
            event["prompt_tokens"] += c.text_tokens(suffix)
    return [key], None


def _split_agents(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline split over two user agents and two models inside one key."""
    key = inst.key(agents=(SDK_UA, "python-httpx/0.27.2"))
    start, end = inst.attack_start, inst.log_end
    per_day = rate(inst)
    harvest(key, Plan(per_day=per_day / 2), start, end)
    harvest(key, Plan(per_day=per_day / 2, model="atlas-2-mini"), start, end)
    return [key], None


def _low_volume(inst: Instance) -> tuple[list[Key], float | None]:
    key = inst.key()
    harvest(key, Plan(per_day=inst.rng.uniform(25.0, 60.0)), inst.attack_start, inst.log_end)
    return [key], None


def _n_sparse(inst: Instance) -> tuple[list[Key], float | None]:
    key = inst.key()
    plan = Plan(per_day=inst.rng.uniform(4.0, 8.0), n=16, temperatures=(1.0,), max_tokens=4096)
    harvest(key, plan, inst.log_start + 0.5 * HOUR, inst.log_end)
    return [key], None


def _warmup_burst(inst: Instance) -> tuple[list[Key], float | None]:
    """Harvest hard from the log's first second for 40 minutes, then stop."""
    key = inst.key()
    start = inst.log_start + inst.rng.uniform(0.0, 120.0)
    harvest(key, Plan(per_day=inst.rng.uniform(10.0, 16.0) * 1440.0), start, start + 40 * 60.0)
    return [key], None


def _shared_echo(inst: Instance) -> tuple[list[Key], float | None]:
    """Two keys on one partition send every prompt, taking turns at going first.

    Each key then finds about half of its sampled prompts "sent before by another
    key" (the partition's shared-prompt memory). Key ids are picked to share the
    replay's partition: an operator with a dozen keys has such pairs by chance.
    """
    rng = inst.rng
    first = inst.key("a")
    target = partition_for(first.api_key_id, inst.partitions)
    suffix = 0
    while partition_for(f"rt_{inst.scenario}_{inst.index}b{suffix}", inst.partitions) != target:
        suffix += 1
    second = inst.key(f"b{suffix}")
    second.account_id += "_2"
    plan = Plan(per_day=rate(inst, 400.0, 1200.0), grind=True)
    senders = (Sender(first, plan), Sender(second, plan))
    for i, t in enumerate(arrivals(rng, inst.attack_start, inst.log_end, plan.per_day)):
        text = grind_sampled(c.harvest_prompt(rng, "cue"), rng)
        tokens = plan.system_tokens + c.text_tokens(text)
        lead, follow = senders if i % 2 == 0 else senders[::-1]
        lead.send(t, text, tokens, c.answer_tokens(rng, 1100.0, 0.5, 4096))
        later = t + rng.uniform(5.0, 90.0)
        if later < inst.log_end:
            follow.send(later, text, tokens, c.answer_tokens(rng, 1100.0, 0.5, 4096))
    return [first, second], None


def _reseller_drift(inst: Instance) -> tuple[list[Key], float | None]:
    """A mixed app's key into which a harvest creeps: 0 % at the start, 50 % at the end.

    The harvest asks in plain words, like the app's own users (who rarely use cue
    words): nothing tells its requests from the rest but their size.
    """
    key = inst.key(agents=("appgate/2.3", SDK_UA))
    rng = inst.rng
    start, end = inst.log_start, inst.log_end
    state: dict[str, float] = {}
    plan = Plan(per_day=1.0, wording="plain")
    sender = Sender(key, plan)
    per_day = rng.uniform(3000.0, 8000.0)
    for t in arrivals(rng, start, end, per_day, "consumer", rng.choice((-5.0, 1.0))):
        share = 0.5 * (t - start) / (end - start)
        if rng.random() < share:
            text = c.harvest_prompt(rng, "plain")
            sender.send(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096))
        else:
            background_request(key, t, state)
    return [key], None


def _slow_onset(inst: Instance) -> tuple[list[Key], float | None]:
    """A key that chats normally, then turns into a harvester over a day (cue wording)."""
    key = inst.key()
    rng = inst.rng
    start, end = inst.log_start, inst.log_end
    onset = start + 8 * HOUR
    state: dict[str, float] = {}
    sender = Sender(key, Plan(per_day=1.0))
    for t in arrivals(rng, start, end, rng.uniform(1500.0, 3000.0), "flat"):
        share = min(max((t - onset) / (24 * HOUR), 0.0), 1.0)
        if rng.random() < share:
            text = c.harvest_prompt(rng, "cue")
            sender.send(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096))
        else:
            background_request(key, t, state)
    return [key], onset


def _benign(name: str, idea: str) -> Scenario:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key(agents=(SDK_UA,))
        BENIGN[name](key, inst.log_start + inst.rng.uniform(0.0, 1800.0), inst.log_end, inst.index)
        return [key], None

    return Scenario(name, BENIGN_LABEL, idea, build)


def _decoy(inst: Instance) -> tuple[list[Key], float | None]:
    """An evading harvester present from the log's start, so it teaches the population.

    Plain wording (elicitation -1.5) and answered anchors (coverage -4) keep its total
    under the teaching bar (``TEACH_BELOW`` = 2.5, ``detectors/evidence/scales.py``)
    while its answers stay long: it teaches the scales long answers and high output
    per input token, once an hour, with the weight of an established customer.
    """
    key = inst.key()
    plan = Plan(per_day=inst.rng.uniform(150.0, 400.0), wording="plain", anchors="answered")
    harvest(key, plan, inst.log_start + inst.rng.uniform(0.0, 600.0), inst.log_end)
    return [key], None


_ALL: tuple[Scenario, ...] = (
    _plan_scenario("baseline", "reference harvester: cue-worded asks, single-turn, 24/7"),
    _plan_scenario(
        "no_cue",
        "plain hard tasks with no lexicon word: the model works them out anyway",
        wording="plain",
    ),
    _plan_scenario(
        "unlisted_language",
        "asks for worked reasoning in languages the lexicon lacks",
        wording="foreign",
        languages=("sv", "fi", "el", "cs", "hu", "da", "uk"),
    ),
    Scenario(
        "format_limit",
        ABUSE,
        "cue asks plus a structured-output line ('JSON with a reasoning field', 'Answer:')",
        _limit,
    ),
    _plan_scenario(
        "ping_naive",
        "a one-token 'ok' request every 6 harvests (forged turns)",
        ping="tiny",
        side_text="bare",
    ),
    _plan_scenario(
        "ping_turns", "the same, each ping worded with the harvest's own ask", ping="tiny"
    ),
    _plan_scenario(
        "error_turns", "the same with free rejected requests (400, 0 tokens)", ping="error"
    ),
    _plan_scenario(
        "chat_mimicry", "2-4 turn conversations that carry every answer back", conversation=True
    ),
    _plan_scenario(
        "padded_context",
        "a cached document prefix of random length (300-6000 tokens)",
        padding="prefix",
    ),
    _plan_scenario(
        "fixed_padding", "a fixed 2,500-token cached system block on every request", padding="fixed"
    ),
    _plan_scenario(
        "repeat_each",
        "every prompt sent twice (a second sample at temperature 1)",
        repeat=2,
        temperatures=(0.7, 1.0),
    ),
    _plan_scenario(
        "sketch_anchors",
        "32 brute-forced low-hash prompts (answered), resent every 10 minutes",
        anchors="answered",
    ),
    Scenario(
        "shared_echo",
        ABUSE,
        "two keys on one partition send each prompt, in turn first;"
        " prompts ground into the detector's 1-in-4 sample",
        _shared_echo,
    ),
    _plan_scenario(
        "dilution_filler", "a one-word request in the same wording after each harvest", filler=True
    ),
    Scenario(
        "reseller_drift",
        ABUSE,
        "a mixed app key whose harvest share creeps from 0 to 50 % over the log",
        _reseller_drift,
    ),
    Scenario(
        "slow_onset", ABUSE, "a chat key that turns into a harvester over 24 hours", _slow_onset
    ),
    Scenario(
        "split_agents", ABUSE, "the baseline over two user agents and two models", _split_agents
    ),
    Scenario("low_volume", ABUSE, "the baseline at 25-60 requests a day", _low_volume),
    Scenario("n_sparse", ABUSE, "4-8 requests a day, n=16 completions each", _n_sparse),
    Scenario(
        "warmup_burst",
        ABUSE,
        "harvest hard in the log's first 40 minutes, then stop",
        _warmup_burst,
    ),
    _plan_scenario(
        "metadata_office",
        "no prompt text logged; office hours in one time zone",
        prompts=False,
        shape="office",
        tz_hours=-5.0,
    ),
    _plan_scenario(
        "metadata_duty", "no prompt text logged; 3 h on, 5 h off", prompts=False, shape="duty"
    ),
    _plan_scenario(
        "reasoning_beside",
        "a reasoning model; the gateway logs hidden reasoning beside the visible completion",
        model="atlas-2-reason",
        reasoning="beside",
    ),
    _plan_scenario(
        "metadata_ping",
        "no prompt text logged; 24/7 with one-token pings",
        prompts=False,
        ping="tiny",
    ),
    _plan_scenario(
        "combo_cheap",
        "cue-worded harvest + cue-worded tiny anchors (pings and repeats at once)",
        anchors="tiny",
    ),
    _plan_scenario(
        "combo_plain",
        "plain wording + tiny pings + tiny anchors",
        wording="plain",
        ping="tiny",
        anchors="tiny",
    ),
    _benign("homework_solver", "homework app: student problem, worked answer, fixed system prompt"),
    _benign("error_explainer", "IDE plugin: 'explain this error and how to fix it', 24/7"),
    _benign("catalog_writer", "retail catalogue job: one detailed description per SKU, 24/7"),
    _benign("quiz_builder", "ed-tech team: practice problems with worked solutions, office hours"),
    _benign("seo_explainer", "content site: in-depth beginner explainers, around the clock"),
    _benign("synthetic_intents", "training utterances for the customer's own intent classifier"),
    _benign("grammar_tutor", "language app: 'explain the grammar of this sentence in detail'"),
)
_DECOY = Scenario(
    "poison_decoy",
    ABUSE,
    "cheap evading harvesters from the log's start that teach the population",
    _decoy,
    instances=64,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        *_ALL,
        *ROUND3,
        *ROUND4,
        *ROUND5,
        *ROUND6,
        *ROUND7,
        *ROUND8,
        *ROUND9,
        *ROUND10,
        *ROUND11,
        _DECOY,
    )
}

#: Which scenarios a profile writes: ``main`` every idea of rounds 1-2; ``poison`` the same
#: plus decoys; ``round3`` to ``round10`` each round's ideas and look-alikes beside
#: ``baseline``; ``round11`` also ``no_cue`` (the reference for ``invisible_ask``).
PROFILES: dict[str, tuple[str, ...]] = {
    "main": tuple(s.name for s in _ALL),
    "poison": (*(s.name for s in _ALL), _DECOY.name),
    "round3": ("baseline", *(s.name for s in ROUND3)),
    "round4": ("baseline", *(s.name for s in ROUND4)),
    "round5": ("baseline", *(s.name for s in ROUND5)),
    "round6": ("baseline", *(s.name for s in ROUND6)),
    "round7": ("baseline", *(s.name for s in ROUND7)),
    "round8": ("baseline", *(s.name for s in ROUND8)),
    "round9": ("baseline", *(s.name for s in ROUND9)),
    "round10": ("baseline", *(s.name for s in ROUND10)),
    "round11": ("baseline", "no_cue", *(s.name for s in ROUND11)),
}


def build_instance(
    scenario: Scenario, index: int, seed: int, log_start: float, log_end: float, partitions: int
) -> tuple[list[Key], float | None]:
    """Build one instance with its own generator (a pure function of its arguments)."""
    rng = random.Random(f"{seed}/{scenario.name}/{index}")
    inst = Instance(scenario.name, index, rng, log_start, log_end, partitions)
    return scenario.build(inst)
