"""Single-key attack families (label ``abuse``), each with randomised structure.

Every builder deals each instance a :class:`~benchmarks.heldout.plan.Plan`
(timing shape, infrastructure, user agent, model, prompt style, parameters,
fields) and adds one key to the world. See README.md for the families.
"""

from __future__ import annotations

import random

from benchmarks.heldout import phrases as P
from benchmarks.heldout.actor import Request, Session, Workload, tokens_of
from benchmarks.heldout.benign_common import ConvWorkload, conv_output, no_reasoning
from benchmarks.heldout.benign_services import reseller_behaviour
from benchmarks.heldout.human import casual, chat_opener
from benchmarks.heldout.infra import make_pool, user_agent
from benchmarks.heldout.plan import (
    Deck,
    Harvest,
    Plan,
    attack_client,
    build_style,
    draw_plan,
    timing_for,
)
from benchmarks.heldout.prompts import taxonomy
from benchmarks.heldout.tasks import REASONING_DOMAINS, TaskSpace
from benchmarks.heldout.timing import DAY, TIME_ZONES, Timing, draw_timing
from benchmarks.heldout.workloads import (
    Conversation,
    Draw,
    SingleRequests,
    Walk,
    clamp,
    lognorm,
    turn_times,
)
from benchmarks.heldout.world import World, client, fields_note

ABUSE = "abuse"


def _domains(rng: random.Random) -> tuple[str, ...]:
    return tuple(rng.sample(REASONING_DOMAINS, rng.randint(1, 4)))


def _throttle(daily: float) -> float:
    return 0.03 if daily > 8000 else 0.01 if daily > 3000 else 0.0


def _recent(w: World, rng: random.Random) -> float:
    """Creation time of an attacker's account: days before the log, or during it."""
    if rng.random() < 0.3:
        return w.t0 + rng.uniform(0.0, 0.3) * (w.t1 - w.t0)
    return w.t0 - DAY * rng.uniform(0.5, 20.0)


def _add_single(
    w: World,
    rng: random.Random,
    family: str,
    plan: Plan,
    daily: float,
    workload: Workload,
    **extra: object,
) -> None:
    timing = timing_for(plan, rng, daily, w.scale_rate)
    created = _recent(w, rng)
    start = max(w.t0, created + rng.uniform(60.0, 3 * 3600.0))
    cl = attack_client(w, plan, rng, throttle=_throttle(daily))
    plan.extra.update(extra)
    w.add(
        rng,
        scenario=family,
        label=ABUSE,
        structure=plan.describe(timing),
        behaviours=[(timing, workload, cl, start, w.t1)],
        created=created,
    )


def _harvest_family(
    w: World,
    deck: Deck,
    family: str,
    indices: range,
    median_daily: float,
    walk: bool | None,
    **fixed: object,
) -> None:
    for i in indices:
        rng = w.sub(f"{family}/{i}")
        walking = walk if walk is not None else rng.random() < 0.5
        plan = draw_plan(deck, family, rng, **fixed)
        domains = _domains(rng)
        source = (
            Walk(TaskSpace(domains, f"{family}-{i}", block=rng.randint(5, 60)))
            if walking
            else Draw(domains)
        )
        harvest = Harvest(source, build_style(plan, rng), plan, rng)
        daily = lognorm(rng, median_daily, 0.6)
        _add_single(
            w,
            rng,
            family,
            plan,
            daily,
            SingleRequests(harvest.request),
            domains=list(domains),
            per_day=round(daily),
        )


def bulk_harvest(w: World, deck: Deck, count: int) -> None:
    """Bulk harvesting of worked solutions and written-out reasoning at volume."""
    _harvest_family(w, deck, "bulk_reasoning_harvest", range(count), 4000.0, walk=False)


def curriculum_walk(w: World, deck: Deck, count: int) -> None:
    """A task space walked topic by topic, item by item, each item asked once."""
    _harvest_family(w, deck, "curriculum_walk", range(count), 1500.0, walk=True)


def paraphrase_harvest(w: World, deck: Deck, count: int) -> None:
    """The ask for reasoning reworded on every request, often in several languages."""
    for i in range(count):
        rng = w.sub(f"paraphrase_langs/{i}")
        langs = (
            "en",
            *rng.sample(("es", "fr", "de", "pt", "it", "zh", "ja", "ru", "ko"), rng.randint(0, 4)),
        )
        _harvest_family(
            w,
            deck,
            "paraphrased_harvest",
            range(i, i + 1),
            1500.0,
            None,
            style="paraphrase",
            langs=langs,
        )


def grammar_harvest(w: World, deck: Deck, count: int) -> None:
    """Whole prompts generated from a grammar: no template, no two alike."""
    _harvest_family(w, deck, "grammar_harvest", range(count), 1500.0, None, style="grammar")


def drip_harvest(w: World, deck: Deck, count: int) -> None:
    """Low and slow: one or two requests an hour, or a few dozen a day."""
    for i in range(count):
        rng = w.sub(f"drip/{i}")
        plan = draw_plan(deck, "drip_harvest", rng)
        domains = _domains(rng)
        source = (
            Walk(TaskSpace(domains, f"drip-{i}", block=rng.randint(3, 20)))
            if rng.random() < 0.5
            else Draw(domains)
        )
        harvest = Harvest(source, build_style(plan, rng), plan, rng)
        daily = rng.uniform(12.0, 48.0)
        _add_single(
            w,
            rng,
            "drip_harvest",
            plan,
            daily,
            SingleRequests(harvest.request),
            domains=list(domains),
            per_day=round(daily),
        )


def label_harvest(w: World, deck: Deck, count: int) -> None:
    """Output-capped label harvesting: synthetic inputs walked over a taxonomy."""
    for i in range(count):
        rng = w.sub(f"labelharvest/{i}")
        plan = draw_plan(
            deck,
            "label_harvest",
            rng,
            max_tokens="capped",
            model_kind="chat",
            style="taxonomy",
            langs=("en",),
        )
        kind = rng.choice(("intent", "sentiment", "topic", "product"))
        labels = taxonomy(kind, rng)
        cap = rng.choice((1, 1, 3, 5, 16, 32, 64))
        rationale = cap >= 16
        listing = rng.choice((", ".join(labels), "\n".join(f"- {x}" for x in labels)))
        ask = rng.choice(P.LABEL_ASKS)
        walker = TaskSpace(
            ("classification", "support", "summarization"), f"labels-{i}", block=rng.randint(1, 10)
        )
        counter = [rng.randrange(1000)]

        def make(
            r: random.Random,
            labels: tuple[str, ...] = labels,
            listing: str = listing,
            ask: str = ask,
            cap: int = cap,
            rationale: bool = rationale,
            walker: TaskSpace = walker,
            counter: list[int] = counter,
        ) -> Request:
            target = labels[counter[0] % len(labels)]
            item = walker.item(counter[0])
            counter[0] += 1
            body = item.text.split("\n")[-1][:400]
            hint = target.replace("_", " ").replace("/", " ")
            text = f"Labels:\n{listing}\n\nText: {body} ({hint})\n{ask}"
            out = (
                clamp(lognorm(r, 30, 0.4), 8, cap)
                if rationale
                else clamp(lognorm(r, 2, 0.4), 1, cap)
            )
            return Request(tokens_of(text), out, text, 0, None, r.choice((0.0, 0.0, None)), cap)

        plan.extra.update(cap=cap, taxonomy=kind, labels=len(labels), rationale=rationale)
        daily = lognorm(rng, 5000.0, 0.6)
        _add_single(
            w, rng, "label_harvest", plan, daily, SingleRequests(make), per_day=round(daily)
        )


def _agent_directive(r: random.Random) -> str:
    return r.choice(
        (
            "Produce the complete trajectory: for every step your thought, the tool call with "
            "arguments, a plausible observation, then the final answer.",
            "Simulate the agent end to end (reason, act, observe) until the goal is met.",
            "Write out each tool invocation you would make, why, and what you expect back; "
            "finish with the result.",
            "Plan, then execute step by step with explicit tool calls and justifications.",
            "Give the full chain of actions and the reasoning between them.",
        )
    )


class _StepwiseAgent(Workload):
    """Multi-step trajectory harvesting: fabricated observations, long reasoning each turn."""

    def __init__(self, harvest: Harvest, rng: random.Random) -> None:
        self.harvest = harvest
        self.steps = rng.uniform(3, 8)
        self.gap = (1.0, rng.uniform(3.0, 20.0))

    def session(self, rng: random.Random, t: float) -> Session:
        steps = clamp(lognorm(rng, self.steps, 0.3), 2, 14)
        first = self.harvest.request(rng)

        def turn(r: random.Random, i: int, history: int) -> tuple[str, int, int]:
            if i == 0:
                return f"{first.text}\n{_agent_directive(r)}", first.output, first.reasoning
            obs = (
                f'{{"result": "ok", "rows": {r.randint(0, 40)}, "latency_ms": {r.randint(5, 900)}}}'
            )
            return (
                f"Observation: {obs}\nContinue. {_agent_directive(r)}",
                clamp(lognorm(r, 650, 0.4), 80, 4000),
                first.reasoning // 2,
            )

        return Conversation(
            turn_times(rng, t, steps, self.gap),
            first.prompt_tokens - tokens_of(first.text or ""),
            turn,
            first,
        )


def agentic_harvest(w: World, deck: Deck, count: int) -> None:
    """Agentic / tool-use trajectory harvesting (single shot or step by step)."""
    for i in range(count):
        rng = w.sub(f"agentic/{i}")
        plan = draw_plan(deck, "agentic_trajectory_harvest", rng)
        stepwise = rng.random() < 0.5
        source = (
            Walk(TaskSpace(("agentic",), f"agent-{i}", block=rng.randint(5, 30)))
            if rng.random() < 0.5
            else Draw(("agentic",))
        )
        harvest = Harvest(source, build_style(plan, rng), plan, rng)
        if stepwise:
            workload: Workload = _StepwiseAgent(harvest, rng)
            daily = lognorm(rng, 150.0, 0.6)
        else:

            def make(r: random.Random, h: Harvest = harvest) -> Request:
                req = h.request(r)
                req.text = f"{req.text}\n\n{_agent_directive(r)}"
                req.prompt_tokens += 30
                return req

            workload = SingleRequests(make)
            daily = lognorm(rng, 800.0, 0.6)
        _add_single(
            w,
            rng,
            "agentic_trajectory_harvest",
            plan,
            daily,
            workload,
            stepwise=stepwise,
            per_day=round(daily),
        )


class _FollowUps(Workload):
    """Multi-turn harvesting: a question, then follow-ups that pull more of the answer."""

    def __init__(self, harvest: Harvest, rng: random.Random) -> None:
        self.harvest = harvest
        self.turns = rng.uniform(2.5, 5.5)
        self.scripted = rng.random() < 0.6
        self.gap = (2.0, 25.0) if self.scripted else (40.0, 240.0)
        self.casual = rng.random() < 0.4

    def session(self, rng: random.Random, t: float) -> Session:
        turns = clamp(lognorm(rng, self.turns, 0.3), 2, 8)
        first = self.harvest.request(rng)
        asks = rng.sample(P.DEEPEN_ASKS, min(turns, len(P.DEEPEN_ASKS)))
        depth = first.output

        def turn(r: random.Random, i: int, history: int) -> tuple[str, int, int]:
            if i == 0:
                return first.text or "", first.output, first.reasoning
            ask = asks[i - 1]
            return (
                (casual(r, ask) if self.casual else ask),
                clamp(depth * r.uniform(0.6, 1.3), 60, 8000),
                first.reasoning // 2,
            )

        return Conversation(
            turn_times(rng, t, turns, self.gap),
            first.prompt_tokens - tokens_of(first.text or ""),
            turn,
            first,
        )


def multiturn_harvest(w: World, deck: Deck, count: int) -> None:
    """Follow-ups that ask for more of each answer (second methods, variants, depth)."""
    for i in range(count):
        rng = w.sub(f"multiturn/{i}")
        plan = draw_plan(deck, "multiturn_harvest", rng)
        domains = _domains(rng)
        source = (
            Walk(TaskSpace(domains, f"mt-{i}", block=rng.randint(5, 40)))
            if rng.random() < 0.5
            else Draw(domains)
        )
        harvest = Harvest(source, build_style(plan, rng), plan, rng)
        workload = _FollowUps(harvest, rng)
        daily = lognorm(rng, 300.0, 0.6)
        _add_single(
            w,
            rng,
            "multiturn_harvest",
            plan,
            daily,
            workload,
            scripted=workload.scripted,
            daily_sessions=round(daily),
        )


def reseller_blend(w: World, deck: Deck, count: int) -> None:
    """Extraction mixed into a legitimate reseller's traffic, from ``attack_start`` on."""
    for i in range(count):
        rng = w.sub(f"blend/{i}")
        rate = lognorm(rng, 100.0, 0.6) * w.scale_rate
        timing, work, pool, fields, models, ua_kind = reseller_behaviour(w, rng, rate)
        ua = user_agent(ua_kind, rng)
        plan = draw_plan(deck, "reseller_blend", rng, infra="reseller", ua_kind=ua_kind)
        domains = _domains(rng)
        source = Walk(TaskSpace(domains, f"blend-{i}")) if rng.random() < 0.5 else Draw(domains)
        usual = work.req.max_tokens
        harvest = Harvest(source, build_style(plan, rng), plan, rng, usual_cap=usual)
        share = rng.uniform(0.15, 0.6)
        attack_start = w.t0 + rng.uniform(0.2, 0.6) * (w.t1 - w.t0)
        atk_timing = timing_for(plan, rng, rate * 24.0 * share / w.scale_rate, w.scale_rate)
        atk_client = attack_client(w, plan, rng, pool=pool, ua=ua)
        plan.extra.update(
            share=round(share, 2), domains=list(domains), reseller_fields_absent=fields_note(fields)
        )
        structure = plan.describe(atk_timing)
        structure["reseller_timing"] = timing.describe()
        w.add(
            rng,
            scenario="reseller_blend",
            label=ABUSE,
            structure=structure,
            behaviours=[
                (timing, work, client(models, ua, pool, fields), w.t0, w.t1),
                (atk_timing, SingleRequests(harvest.request), atk_client, attack_start, w.t1),
            ],
            attack_start=attack_start,
            created=w.t0 - DAY * rng.uniform(200, 1500),
        )


def _overnight(w: World, rng: random.Random, tz: float, thief: Timing) -> float:
    """A switch time between 00:30 and 04:00 owner-local, in the middle part of the log.

    Among such nights, one after which the thief's schedule still has some
    active hours in the log (a working-hours thief does not start on a
    Saturday night of a log that ends on Sunday).
    """
    span = w.t1 - w.t0
    lo, hi = w.t0 + 0.12 * span, w.t1 - 0.15 * span
    offset = tz * 3600.0
    first_day = int((w.t0 + offset) // DAY) - 1
    nights = [
        day * DAY - offset + rng.uniform(0.5, 4.0) * 3600.0
        for day in range(first_day, first_day + int(span // DAY) + 3)
    ]
    nights = [t for t in nights if lo <= t <= hi] or [lo + rng.random() * (hi - lo)]
    if thief.shape in ("sparse", "bursty"):
        return rng.choice(nights)

    def active_hours(t: float) -> float:
        return sum(thief.intensity(t + 1800.0 * k) for k in range(int((w.t1 - t) / 1800.0))) / 2

    busy = [t for t in nights if active_hours(t) >= 3.0]
    if not busy and thief.shape in ("working_hours", "daily_curve"):
        # the owner's night is the thief's working day somewhere else
        for zone in rng.sample(TIME_ZONES, len(TIME_ZONES)):
            thief.tz = zone
            busy = [t for t in nights if active_hours(t) >= 3.0]
            if busy:
                break
    return rng.choice(busy) if busy else max(nights, key=active_hours)


def stolen_key(w: World, deck: Deck, count: int) -> None:
    """A stolen or resold key: the owner's modest use, then a harvester overnight."""
    for i in range(count):
        rng = w.sub(f"stolen/{i}")
        owner_timing = draw_timing(rng, "daily_curve", lognorm(rng, 5.0, 0.5) * w.scale_rate)
        owner_models = (rng.choice(("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini")),)
        owner_pool = make_pool("few", rng)
        owner_fields = w.fields(rng)
        owner_work = ConvWorkload(
            rng.randint(50, 500),
            chat_opener,
            lambda r: casual(r, r.choice(P.TUTOR_FOLLOWUPS).format(guess=3)),
            rng.uniform(1.5, 3.0),
            (20.0, 300.0),
            conv_output(1.0),
            no_reasoning,
            Request(0, 0, temperature=rng.choice((None, 0.7)), max_tokens=rng.choice((None, 1024))),
        )
        plan = draw_plan(deck, "stolen_key", rng)
        domains = _domains(rng)
        harvest = Harvest(
            Draw(domains) if rng.random() < 0.5 else Walk(TaskSpace(domains, f"stolen-{i}")),
            build_style(plan, rng),
            plan,
            rng,
        )
        daily = lognorm(rng, 3000.0, 0.8)
        thief_timing = timing_for(plan, rng, daily, w.scale_rate)
        thief = attack_client(w, plan, rng, throttle=_throttle(daily))
        attack_start = _overnight(w, rng, owner_timing.tz, thief_timing)
        owner_end = w.t1 if rng.random() < 0.3 else attack_start
        plan.extra.update(
            domains=list(domains), owner_continues=owner_end == w.t1, per_day=round(daily)
        )
        structure = plan.describe(thief_timing)
        structure["owner_timing"] = owner_timing.describe()
        w.add(
            rng,
            scenario="stolen_key",
            label=ABUSE,
            structure=structure,
            behaviours=[
                (
                    owner_timing,
                    owner_work,
                    client(owner_models, user_agent("sdk_default", rng), owner_pool, owner_fields),
                    w.t0,
                    owner_end,
                ),
                (thief_timing, SingleRequests(harvest.request), thief, attack_start, w.t1),
            ],
            attack_start=attack_start,
            created=w.t0 - DAY * rng.uniform(60, 1200),
        )
