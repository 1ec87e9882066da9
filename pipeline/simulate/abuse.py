"""Abuse families: keys (or campaigns of keys) that harvest outputs.

Every family reads its instance's drawn structure (``ctx.structure``, see
:mod:`.structure`): when it works (timing, pacing), from where (infra,
sharing, user agent), how it writes prompts (fixed templates, a grammar,
paraphrased templates), on which model, and which fields the gateway logs.
What stays the family's own is its volume and what it collects:

- ``bulk_harvest``: 0.15-0.8 requests a second while working, long answers;
- ``low_and_slow``: 0.5-3 requests a minute while working, long answers;
- ``output_capped_sweep``: short answers that always hit a tiny ``max_tokens``;
- ``paraphrased``: 0.1-0.5 requests a second, an operator careful not to repeat itself
  (its prompt style is drawn like every family's; its name is historical);
- ``curriculum_walk``: items of one task space, each asked once;
- ``key_takeover``: a benign key turned to harvesting at ``attack_start``;
- ``mixed_reseller``: extraction inside a reseller's legitimate traffic, through its gateway;
- ``hydra``: 20-80 keys firing in synchronized rounds;
- ``swarm``: 100-250 fresh-account keys, each with a small daily quota.

Families with an ``attack_start`` (takeover, mixed reseller) take it as an
argument (the roster draws it, because it also goes into the labels).
Campaign members share a :class:`Campaign`: its structure, templates, system
prompt, schedule and (when ``sharing`` is ``shared``) its network.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import takewhile

from pipeline.simulate import infra
from pipeline.simulate import styles as st
from pipeline.simulate import timing as tm
from pipeline.simulate.benign import Archetype, loguniform, reseller, reseller_network
from pipeline.simulate.emit import Item, KeyContext, Network
from pipeline.simulate.harvest_prompts import (
    PARAPHRASE_BASES,
    Items,
    SpaceItems,
    TaskSpace,
    fixed_templates,
    make_prompts,
)
from pipeline.simulate.shapes import arrivals, segments
from pipeline.simulate.structure import Structure

__all__ = [
    "FAMILIES",
    "Campaign",
    "bulk_harvest",
    "curriculum_walk",
    "hydra_member",
    "key_takeover",
    "low_and_slow",
    "make_campaign",
    "mixed_reseller",
    "output_capped_sweep",
    "paraphrased",
    "swarm_member",
]


def _extraction(
    ctx: KeyContext,
    curriculum: bool = False,
    templates: Sequence[str] | None = None,
    system: str | None = None,
    output_scale: tuple[float, float] = (2.5, 8.0),
    items: SpaceItems | None = None,
) -> st.Style:
    s, rng = ctx.structure, ctx.rng
    source = items if items is not None else Items(rng, curriculum)
    prompts = make_prompts(s.prompts, rng, "reasoning", source, templates)
    return st.Extraction(rng, prompts, s.model == "reasoning", system, output_scale)


def _harvest(
    ctx: KeyContext, start: float, per_second: float, style: st.Style, net: Network | None = None
) -> Iterator[Item]:
    """The key's structure in motion: its timing shape from ``start``, from its network."""
    s, rng = ctx.structure, ctx.rng
    net = net or infra.network(rng, ctx.pools, s.infra, s.sharing, s.user_agent)
    times = arrivals(s.timing, s.pacing, rng, start, ctx.end, per_second)
    emit = ctx.emitter.emit
    return (emit(t, style(), net) for t in times)


def bulk_harvest(ctx: KeyContext) -> Iterator[Item]:
    """One key at a high rate while it works, long (reasoning) answers."""
    rng = ctx.rng
    ctx.emitter.error_429 = rng.uniform(0.02, 0.08)
    return _harvest(ctx, ctx.start, loguniform(rng, 0.15, 0.8), _extraction(ctx))


def low_and_slow(ctx: KeyContext) -> Iterator[Item]:
    """Like bulk harvest but at 0.5-3 requests a minute, under any volume threshold."""
    return _harvest(ctx, ctx.start, ctx.rng.uniform(0.5, 3.0) / 60, _extraction(ctx))


def output_capped_sweep(ctx: KeyContext) -> Iterator[Item]:
    """Short answers that always hit ``max_tokens``: labels over a huge taxonomy."""
    s, rng = ctx.structure, ctx.rng
    prompts = make_prompts(s.prompts, rng, "short", Items(rng, curriculum=False))
    style = st.Capped(rng, prompts, s.model == "reasoning")
    return _harvest(ctx, ctx.start, loguniform(rng, 0.05, 0.3), style)


def paraphrased(ctx: KeyContext) -> Iterator[Item]:
    """A harvester at 0.1-0.5 requests a second while it works."""
    return _harvest(ctx, ctx.start, loguniform(ctx.rng, 0.1, 0.5), _extraction(ctx))


def curriculum_walk(ctx: KeyContext) -> Iterator[Item]:
    """Items of one task space (a domain's exercises), each asked once, in a walk."""
    style = _extraction(ctx, curriculum=True)
    return _harvest(ctx, ctx.start, loguniform(ctx.rng, 0.05, 0.4), style)


def key_takeover(
    ctx: KeyContext,
    archetype: Archetype,
    attack_start: float,
    owner_continues: bool,
    owner: Structure,
) -> Iterator[Item]:
    """A benign key that turns to extraction at ``attack_start`` from the thief's own
    infrastructure; the owner's traffic (structure ``owner``) stops then unless
    ``owner_continues``."""
    attack = _harvest(ctx, attack_start, loguniform(ctx.rng, 0.05, 0.4), _extraction(ctx))
    legit = archetype(replace(ctx, structure=owner))
    if not owner_continues:
        legit = takewhile(lambda item: item[0] < attack_start, legit)
    return heapq.merge(legit, attack)


def mixed_reseller(ctx: KeyContext, attack_start: float, owner: Structure) -> Iterator[Item]:
    """A reseller's legitimate traffic with extraction mixed in from ``attack_start``,
    through the same gateway (same prefixes and user agent)."""
    net = reseller_network(ctx.rng)
    legit = reseller(replace(ctx, structure=owner), net)
    attack = _harvest(ctx, attack_start, loguniform(ctx.rng, 0.03, 0.15), _extraction(ctx), net)
    return heapq.merge(legit, attack)


#: Single-key families by name (key takeover and mixed reseller need more arguments).
FAMILIES = {
    "bulk_harvest": bulk_harvest,
    "low_and_slow": low_and_slow,
    "output_capped_sweep": output_capped_sweep,
    "paraphrased": paraphrased,
    "curriculum_walk": curriculum_walk,
}


@dataclass(frozen=True, slots=True)
class Campaign:
    """What the keys of one campaign share."""

    campaign_id: str
    kind: str  # "hydra" or "swarm"
    schedule_seed: str
    structure: Structure
    templates: tuple[str, ...] | None
    network: Network | None  # None: every member its own infrastructure
    system: str | None
    period: float  # hydra: seconds between rounds
    per_round: int  # hydra: requests per key per round
    quota: tuple[int, int]  # swarm: requests per key per day (min, max)
    #: the curriculum the members split among them (each asks its own items of it)
    space: TaskSpace
    size: int = 1  # members (set once the roster has drawn it)


def make_campaign(
    rng: random.Random,
    campaign_id: str,
    kind: str,
    seed: int,
    structure: Structure,
    pools: infra.Pools,
) -> Campaign:
    """Draw a campaign's shared traits from the roster's generator."""
    templates: tuple[str, ...] | None = None
    if structure.prompts == "templates":
        templates = fixed_templates(rng, "reasoning", 2, 4)
    elif structure.prompts == "paraphrased":
        templates = tuple(rng.sample(PARAPHRASE_BASES["reasoning"], 3))
    net = None
    if structure.sharing == "shared":
        net = infra.network(rng, pools, structure.infra, "own", structure.user_agent)
        if structure.infra == "residential":  # one proxy provider's exits, shared by all
            net = Network(tuple(rng.sample(pools.residential, rng.randint(5, 30))),
                          net.user_agents)  # fmt: skip
    drip = structure.timing == "drip"
    # Drawn from the campaign's own generator: the roster's draws stay where they were.
    space = TaskSpace.draw(random.Random(f"{seed}/campaign/{campaign_id}/space"))
    low = rng.randint(3, 8) if drip else rng.randint(20, 34)
    return Campaign(
        campaign_id=campaign_id,
        kind=kind,
        schedule_seed=f"{seed}/campaign/{campaign_id}",
        structure=structure,
        templates=templates,
        network=net,
        system=rng.choice((None, st.FRAMEWORK_SYSTEM_HASH, st.system_hash(f"c {rng.random()}"))),
        period=rng.uniform(3600, 6 * 3600) if drip else rng.uniform(120, 600),
        per_round=rng.randint(1, 3),
        quota=(low, rng.randint(low, 2 * low if drip else 40)),
        space=space,
    )


def _member(ctx: KeyContext, campaign: Campaign, member: int) -> tuple[st.Style, Network]:
    s = campaign.structure
    items = SpaceItems(campaign.space, member, campaign.size)
    style = _extraction(ctx, False, campaign.templates, campaign.system, (2.0, 5.0), items)
    net = campaign.network or infra.network(ctx.rng, ctx.pools, s.infra, "own", s.user_agent)
    return style, net


def _envelope(ctx: KeyContext, campaign: Campaign) -> Iterator[tm.Segment]:
    # The operator's schedule: the same segments for every member (the campaign's seed).
    rng = random.Random(f"{campaign.schedule_seed}/envelope")
    shape = "flat" if campaign.structure.timing == "drip" else campaign.structure.timing
    return segments(shape, rng, ctx.start, ctx.end, 1.0)


def _from(segments: Iterator[tm.Segment], start: float) -> Iterator[tm.Segment]:
    """The schedule's segments from ``start`` on (a key that opens late skips the rest)."""
    for s, e, rate in segments:
        if e > start:
            yield (max(s, start), e, rate)


def hydra_member(ctx: KeyContext, campaign: Campaign, member: int = 0) -> Iterator[Item]:
    """One of 20-80 keys firing in synchronized rounds while the campaign's schedule runs,
    each asking its own slice of the campaign's curriculum."""
    rng, r = ctx.rng, ctx.rng.random
    schedule = random.Random(campaign.schedule_seed).random
    style, net = _member(ctx, campaign, member)
    times = tm.rounds_in(
        schedule, r, _envelope(ctx, campaign), campaign.period, rng.uniform(0, 20),
        campaign.per_round, rng.uniform(0.6, 0.95),
    )  # fmt: skip
    emit = ctx.emitter.emit
    return (emit(t, style(), net) for t in times)


def swarm_member(
    ctx: KeyContext, campaign: Campaign, member: int = 0, opened: float | None = None
) -> Iterator[Item]:
    """One of 100-250 fresh-account keys with a small daily quota (20-40; drip: 3-16),
    placed inside the campaign's schedule, asking its own slice of the campaign's
    curriculum; a key starts when its account opens (``opened``), which for many is
    during the log."""
    style, net = _member(ctx, campaign, member)
    low, high = campaign.quota
    start = ctx.start
    if opened is not None:
        start = max(start, opened + ctx.rng.uniform(120.0, 7200.0))
    envelope = _from(_envelope(ctx, campaign), start)
    times = tm.quota_in(ctx.rng.random, envelope, start, ctx.end, low, high)
    emit = ctx.emitter.emit
    return (emit(t, style(), net) for t in times)
