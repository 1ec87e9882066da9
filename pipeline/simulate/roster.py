"""Who is in the simulation: every key, its account, its label and how to build its stream.

The roster is drawn from one generator seeded by the config's seed; each key's
stream later gets its own generator seeded by ``(seed, api_key_id)``, so a key's
traffic does not depend on which other keys exist or on merge order.
Ids are random hex, so nothing about a key's label leaks through its name or
position.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pipeline.simulate import abuse
from pipeline.simulate.config import SimulationConfig
from pipeline.simulate.emit import Emitter, Item, KeyContext
from pipeline.simulate.infra import Pools, make_pools
from pipeline.simulate.population import ARCHETYPES, BENIGN_WEIGHTS, OPTIONS
from pipeline.simulate.structure import (
    HOLDOUT_BENIGN,
    Structure,
    draw_abuse,
    draw_benign,
    omitted,
)

__all__ = [
    "KeySpec",
    "account_created",
    "allocate",
    "benign_weights",
    "build_roster",
    "open_stream",
]

Builder = Callable[[KeyContext], Iterator[Item]]

#: Archetypes a stolen key can come from: steady traffic, so the key has history before.
_TAKEOVER_FROM = ("chat_app", "rag_app", "translation_service", "tutoring_app", "framework_app")


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One key of the roster and the ground truth about it."""

    api_key_id: str
    account_id: str
    label: str
    scenario: str
    attack_start: float | None
    campaign_id: str | None
    build: Builder
    structure: Structure
    #: when its account was opened (drawn by the roster for campaign members; None:
    #: drawn per account when events carry ``account_created_at``)
    created: float | None = None

    def label_dict(self) -> dict[str, Any]:
        """The key's line of ``labels.jsonl`` (``structure``: a flat dict of strings)."""
        start = None
        if self.attack_start is not None:
            start = datetime.fromtimestamp(self.attack_start, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
            start = start[:-3] + "Z"
        return {
            "api_key_id": self.api_key_id,
            "account_id": self.account_id,
            "label": self.label,
            "scenario": self.scenario,
            "attack_start": start,
            "campaign_id": self.campaign_id,
            "structure": self.structure.as_dict(),
        }


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` over ``weights`` by largest remainder (deterministic, sums to ``total``).

    >>> allocate(10, {"a": 0.5, "b": 0.3, "c": 0.2})
    {'a': 5, 'b': 3, 'c': 2}
    >>> sum(allocate(7, {"a": 0.34, "b": 0.33, "c": 0.33}).values())
    7
    """
    raw = {name: total * w / sum(weights.values()) for name, w in weights.items()}
    counts = {name: int(x) for name, x in raw.items()}
    order = sorted(raw, key=lambda name: (-(raw[name] - counts[name]), name))
    for name in order[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def benign_weights(split: str) -> dict[str, float]:
    """Archetype weights of a split: ``tune`` leaves the held-out look-alike out.

    >>> HOLDOUT_BENIGN in benign_weights("tune"), HOLDOUT_BENIGN in benign_weights("holdout")
    (False, True)
    """
    if split == "tune":
        return {name: w for name, w in BENIGN_WEIGHTS.items() if name != HOLDOUT_BENIGN}
    return dict(BENIGN_WEIGHTS)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self, prefix: str) -> str:
        while True:
            value = f"{prefix}_{self._rng.getrandbits(48):012x}"
            if value not in self._used:
                self._used.add(value)
                return value


def _attack_start(rng: random.Random, config: SimulationConfig, overnight: bool) -> float:
    """A time in the middle half of the span; overnight (00-05 UTC) when the span has one."""
    lo = config.start + 0.25 * (config.end - config.start)
    hi = config.start + 0.75 * (config.end - config.start)
    if overnight:
        nights = []
        day = lo - lo % 86400.0
        while day < hi:
            a, b = max(lo, day), min(hi, day + 5 * 3600.0)
            if b > a:
                nights.append((a, b))
            day += 86400.0
        if nights:
            a, b = rng.choice(nights)
            return round(a + (b - a) * rng.random(), 3)
    return round(lo + (hi - lo) * rng.random(), 3)


def build_roster(config: SimulationConfig) -> list[KeySpec]:
    """All keys of the simulation, benign first, then each scenario's instances."""
    rng = random.Random(f"{config.seed}/roster")
    ids = _Ids(rng)
    specs: list[KeySpec] = []
    companies: list[str] = []
    fields = dict(config.pins).get("fields")
    for name, count in allocate(config.benign_keys, benign_weights(config.split)).items():
        for position in range(count):
            if name != "individual_developer" and companies and rng.random() < 0.25:
                account = rng.choice(companies)  # a company with several keys for several apps
            else:
                account = ids.new("acct")
                if name != "individual_developer":
                    companies.append(account)
            structure = draw_benign(name, OPTIONS[name], config.seed, position)
            if fields is not None:  # logging is the gateway's: a fields pin holds for all
                structure = replace(structure, fields=fields)
            specs.append(
                KeySpec(
                    ids.new("key"), account, "benign", name, None, None, ARCHETYPES[name], structure
                )
            )
    for scenario in config.scenarios:
        for position in range(config.attack_instances):
            structure = draw_abuse(
                scenario, config.split, config.seed, position, config.attack_instances,
                dict(config.pins),
            )  # fmt: skip
            specs.extend(_instance(rng, ids, config, scenario, structure, position))
    return specs


def _instance(
    rng: random.Random,
    ids: _Ids,
    config: SimulationConfig,
    scenario: str,
    structure: Structure,
    position: int,
) -> list[KeySpec]:
    def spec(build: Builder, start: float | None = None, account: str | None = None,
             campaign: str | None = None) -> KeySpec:  # fmt: skip
        key, owner = ids.new("key"), account or ids.new("acct")
        return KeySpec(key, owner, "abuse", scenario, start, campaign, build, structure)

    if scenario in abuse.FAMILIES:
        return [spec(abuse.FAMILIES[scenario])]
    if scenario == "key_takeover":
        start = _attack_start(rng, config, overnight=True)
        name = rng.choice(_TAKEOVER_FROM)
        owner = draw_benign(name, OPTIONS[name], config.seed, 100_000 + position)
        build = partial(
            abuse.key_takeover, archetype=ARCHETYPES[name], attack_start=start,
            owner_continues=rng.random() < 0.4, owner=owner,
        )  # fmt: skip
        return [spec(build, start)]
    if scenario == "mixed_reseller":
        start = _attack_start(rng, config, overnight=False)
        owner = draw_benign("reseller", OPTIONS["reseller"], config.seed, 100_000 + position)
        return [spec(partial(abuse.mixed_reseller, attack_start=start, owner=owner), start)]
    campaign_id = ids.new("camp")
    campaign = abuse.make_campaign(
        rng, campaign_id, scenario, config.seed, structure, make_pools(config.seed)
    )
    # Accounts open in a cohort, drawn from the campaign's own generator (the roster's
    # draws stay where they were): a hydra's within hours, days before the log; a
    # swarm's over the days before the log and during it.
    opening = random.Random(f"{config.seed}/campaign/{campaign_id}/accounts")
    if scenario == "hydra":
        size = rng.randint(*config.hydra_keys)
        accounts = [ids.new("acct") for _ in range(min(size, rng.randint(3, 12)))]
        campaign = replace(campaign, size=size)
        cohort = config.start - opening.uniform(0.5, 4.0) * 86400.0
        opened = {a: cohort + opening.uniform(0.0, 6 * 3600.0) for a in accounts}
        out = []
        for j in range(size):
            account = rng.choice(accounts)
            build = partial(abuse.hydra_member, campaign=campaign, member=j)
            out.append(replace(spec(build, None, account, campaign_id), created=opened[account]))
        return out
    size = rng.randint(*config.swarm_keys)
    campaign = replace(campaign, size=size)
    first = config.start - opening.uniform(2.0, 6.0) * 86400.0
    last = config.end - 4 * 3600.0
    out = []
    for j in range(size):
        created = round(first + opening.random() * (last - first), 3)
        build = partial(abuse.swarm_member, campaign=campaign, member=j, opened=created)
        out.append(replace(spec(build, None, None, campaign_id), created=created))
    return out


def account_created(spec: KeySpec, config: SimulationConfig) -> float:
    """When the key's account was opened: the roster's draw for campaign members, else
    drawn per account (its keys agree) from a generator of its own. Benign accounts
    predate the log by 20 days to 4 years, except a few new customers (up to 5 days);
    single-key harvesters' by 1-90 days; stolen keys and resellers are old customers.

    >>> spec = KeySpec("k", "acct_1", "benign", "chat_app", None, None, iter, None)
    >>> config = SimulationConfig()
    >>> config.start - account_created(spec, config) > 86400.0
    True
    """
    if spec.created is not None:
        return spec.created
    rng = random.Random(f"{config.seed}/account/{spec.account_id}")
    if spec.label == "abuse" and spec.scenario not in ("key_takeover", "mixed_reseller"):
        days = rng.uniform(1.0, 90.0)
    elif rng.random() < 0.04:
        days = rng.uniform(0.0, 5.0)
    else:
        days = math.exp(rng.uniform(math.log(20.0), math.log(1500.0)))
    return round(config.start - days * 86400.0, 3)


def _format_ts(ts: float) -> str:
    text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text[:-3] + "Z"


def open_stream(spec: KeySpec, config: SimulationConfig, pools: Pools) -> Iterator[Item]:
    """The key's events as ``(time, uid, event)`` in event-time order (lazy)."""
    rng = random.Random(f"{config.seed}/key/{spec.api_key_id}")
    emitter = Emitter(
        spec.api_key_id,
        spec.account_id,
        rng,
        rng.uniform(0.0005, 0.006),
        rng.uniform(0.0005, 0.004),
    )
    emitter.omit = omitted(spec.structure.fields)
    if config.account_age:
        emitter.created = _format_ts(account_created(spec, config))
    context = KeyContext(
        spec.api_key_id, spec.account_id, config.start, config.end, rng, emitter,
        spec.structure, pools,
    )  # fmt: skip
    return spec.build(context)
