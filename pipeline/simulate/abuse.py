"""Abuse scenarios: keys (or campaigns of keys) that harvest outputs.

Single-key scenarios are functions ``(ctx) -> Iterator[Item]`` like the benign
archetypes. Scenarios with an ``attack_start`` (takeover, mixed reseller) take
it as an argument (the roster draws it, because it also goes into the labels).
Campaign members share a :class:`Campaign`: templates, proxies, user agent,
system prompt and a synchronized schedule, drawn from the campaign's own seed.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile

from pipeline.simulate import prompts as p
from pipeline.simulate import styles as st
from pipeline.simulate import timing as tm
from pipeline.simulate.benign import Archetype, loguniform, reseller, reseller_network
from pipeline.simulate.emit import FRAMEWORK_UA, Item, KeyContext, Network, ip_prefixes

__all__ = [
    "SCRIPT_UAS",
    "Campaign",
    "bulk_harvest",
    "hydra_member",
    "key_takeover",
    "low_and_slow",
    "make_campaign",
    "mixed_reseller",
    "output_capped_sweep",
    "paraphrased",
    "swarm_member",
]

SCRIPT_UAS = (
    "python-httpx/0.27.2", "aiohttp/3.10.5", "python-requests/2.32.3", "atlas-python/1.12.0",
    "Go-http-client/2.0", "node-fetch/3.3.2",
)  # fmt: skip


def _templates(rng: random.Random, low: int, high: int) -> tuple[str, ...]:
    return tuple(rng.sample(p.EXTRACTION_TEMPLATES, rng.randint(low, high)))


def _harvester_network(rng: random.Random) -> Network:
    kind = rng.choice(("cloud", "proxy"))
    return Network(ip_prefixes(rng, kind, rng.randint(1, 6), 0.1), (rng.choice(SCRIPT_UAS),))


def _flat_stream(
    ctx: KeyContext, start: float, per_second: float, style: st.Style, net: Network
) -> Iterator[Item]:
    """24/7 from ``start``: machine-paced most of the time, Poisson otherwise."""
    rng, r = ctx.rng, ctx.rng.random
    segments = tm.flat(r, start, ctx.end, per_second, rng.uniform(0.03, 0.15))
    if rng.random() < 0.7:
        times = tm.paced(r, segments, rng.uniform(0.05, 0.5))
    else:
        times = tm.poisson(r, segments)
    emit = ctx.emitter.emit
    return (emit(t, style(), net) for t in times)


def bulk_harvest(ctx: KeyContext) -> Iterator[Item]:
    """One key, high sustained machine-paced rate around the clock, long reasoning outputs."""
    rng = ctx.rng
    ctx.emitter.error_429 = rng.uniform(0.02, 0.08)
    style = st.Extraction(rng, _templates(rng, 3, 6))
    return _flat_stream(ctx, ctx.start, loguniform(rng, 0.15, 0.8), style, _harvester_network(rng))


def low_and_slow(ctx: KeyContext) -> Iterator[Item]:
    """Like bulk harvest but at 1-3 requests a minute, staying under any volume threshold."""
    rng = ctx.rng
    style = st.Extraction(rng, _templates(rng, 2, 5))
    return _flat_stream(ctx, ctx.start, rng.uniform(1, 3) / 60, style, _harvester_network(rng))


def output_capped_sweep(ctx: KeyContext) -> Iterator[Item]:
    """Short answers that always hit ``max_tokens``: labels over a huge taxonomy."""
    rng = ctx.rng
    return _flat_stream(
        ctx, ctx.start, loguniform(rng, 0.05, 0.3), st.Capped(rng), _harvester_network(rng)
    )


def paraphrased(ctx: KeyContext) -> Iterator[Item]:
    """Bulk harvest whose templates are reworded per request (synonyms, order, filler)."""
    rng = ctx.rng
    style = st.Extraction(rng, _templates(rng, 2, 4), paraphrase=True)
    return _flat_stream(ctx, ctx.start, loguniform(rng, 0.1, 0.5), style, _harvester_network(rng))


def key_takeover(
    ctx: KeyContext, archetype: Archetype, attack_start: float, owner_continues: bool
) -> Iterator[Item]:
    """A benign key that turns to extraction overnight from new prefixes and a new user agent.

    The owner's own traffic stops at ``attack_start`` unless ``owner_continues``.
    """
    rng = ctx.rng
    style = st.Extraction(rng, _templates(rng, 2, 5))
    net = Network(ip_prefixes(rng, "proxy", rng.randint(1, 5), 0.0), (rng.choice(SCRIPT_UAS),))
    attack = _flat_stream(ctx, attack_start, loguniform(rng, 0.05, 0.4), style, net)
    owner = archetype(ctx)
    if not owner_continues:
        owner = takewhile(lambda item: item[0] < attack_start, owner)
    return heapq.merge(owner, attack)


def mixed_reseller(ctx: KeyContext, attack_start: float) -> Iterator[Item]:
    """A reseller's legitimate traffic with extraction mixed in from ``attack_start``,
    through the same gateway (same prefixes and user agent)."""
    rng = ctx.rng
    net = reseller_network(rng)
    legit = reseller(ctx, net)
    style = st.Extraction(rng, _templates(rng, 2, 5))
    attack = _flat_stream(ctx, attack_start, loguniform(rng, 0.03, 0.15), style, net)
    return heapq.merge(legit, attack)


@dataclass(frozen=True, slots=True)
class Campaign:
    """What the keys of one campaign share."""

    campaign_id: str
    kind: str  # "hydra" or "swarm"
    schedule_seed: str
    templates: tuple[str, ...]
    network: Network
    system: str | None
    period: float  # hydra: seconds between rounds
    per_round: int  # hydra: requests per key per round
    quota: tuple[int, int]  # swarm: requests per key per day (min, max)
    window: tuple[float, float]  # swarm: active seconds of each day block


def make_campaign(rng: random.Random, campaign_id: str, kind: str, seed: int) -> Campaign:
    """Draw a campaign's shared traits from the roster's generator."""
    ua = FRAMEWORK_UA if rng.random() < 0.4 else rng.choice(SCRIPT_UAS)
    low = rng.randint(20, 34)
    begin = 3600.0 * rng.uniform(0, 10)
    return Campaign(
        campaign_id=campaign_id,
        kind=kind,
        schedule_seed=f"{seed}/campaign/{campaign_id}",
        templates=_templates(rng, 2, 4),
        network=Network(ip_prefixes(rng, "proxy", rng.randint(5, 30), 0.05), (ua,)),
        system=rng.choice((None, st.FRAMEWORK_SYSTEM_HASH, st.system_hash(f"c {rng.random()}"))),
        period=rng.uniform(120, 600),
        per_round=rng.randint(1, 3),
        quota=(low, rng.randint(low, 40)),
        window=(begin, min(86400.0, begin + 3600.0 * rng.uniform(8, 24))),
    )


def hydra_member(ctx: KeyContext, campaign: Campaign) -> Iterator[Item]:
    """One of 20-80 keys firing in synchronized rounds, each at a moderate rate."""
    rng, r = ctx.rng, ctx.rng.random
    schedule = random.Random(campaign.schedule_seed).random
    style = st.Extraction(rng, campaign.templates, system=campaign.system, output_scale=(2.0, 5.0))
    times = tm.rounds(
        schedule, r, ctx.start, ctx.end, campaign.period, rng.uniform(0, 20),
        campaign.per_round, rng.uniform(0.6, 0.95),
    )  # fmt: skip
    emit, net = ctx.emitter.emit, campaign.network
    return (emit(t, style(), net) for t in times)


def swarm_member(ctx: KeyContext, campaign: Campaign) -> Iterator[Item]:
    """One of 100-250 fresh-account keys, each sending 20-40 requests a day."""
    rng, r = ctx.rng, ctx.rng.random
    style = st.Extraction(rng, campaign.templates, system=campaign.system, output_scale=(2.0, 5.0))
    low, high = campaign.quota
    times = tm.daily_quota(r, ctx.start, ctx.end, low, high, campaign.window)
    emit, net = ctx.emitter.emit, campaign.network
    return (emit(t, style(), net) for t in times)
