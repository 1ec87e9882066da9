"""Who is in the simulation: every key, its account, its label and how to build its stream.

The roster is drawn from one generator seeded by the config's seed; each key's
stream later gets its own generator seeded by ``(seed, api_key_id)``, so a key's
traffic does not depend on which other keys exist or on merge order.
Ids are random hex, so nothing about a key's label leaks through its name or
position.
"""

from __future__ import annotations

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

__all__ = ["KeySpec", "allocate", "benign_weights", "build_roster", "open_stream"]

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
    if scenario == "hydra":
        size = rng.randint(*config.hydra_keys)
        accounts = [ids.new("acct") for _ in range(min(size, rng.randint(3, 12)))]
        member = partial(abuse.hydra_member, campaign=campaign)
        return [spec(member, None, rng.choice(accounts), campaign_id) for _ in range(size)]
    size = rng.randint(*config.swarm_keys)
    member = partial(abuse.swarm_member, campaign=campaign)
    return [spec(member, None, None, campaign_id) for _ in range(size)]


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
    context = KeyContext(
        spec.api_key_id, spec.account_id, config.start, config.end, rng, emitter,
        spec.structure, pools,
    )  # fmt: skip
    return spec.build(context)
