"""The build context shared by all scenario builders: time range, scales, ids, fields."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from benchmarks.heldout.actor import OPTIONAL_FIELDS, Behaviour, Client, KeySpec, Workload
from benchmarks.heldout.infra import Pool
from benchmarks.heldout.timing import Timing

DAY = 86400.0

#: Probability that a key's log lines lack each optional field.
FIELD_DROP: dict[str, float] = {
    "request_id": 0.03,
    "account_id": 0.08,
    "model": 0.02,
    "endpoint": 0.2,
    "status": 0.25,
    "latency_ms": 0.15,
    "reasoning_tokens": 0.15,
    "n": 0.1,
    "temperature": 0.1,
    "max_tokens": 0.1,
    "client_ip": 0.07,
    "user_agent": 0.1,
    "system_prompt_hash": 0.1,
    "prompt_text": 0.15,
}


@dataclass
class World:
    """Everything a scenario builder needs; ``rng`` is the world's own stream."""

    seed: int
    t0: float
    t1: float
    scale_rate: float
    rng: random.Random
    keys: list[KeySpec] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)
    _benign_accounts: list[tuple[str, float]] = field(default_factory=list)

    def sub(self, name: str) -> random.Random:
        """A random stream for ``name`` (independent of build order)."""
        return random.Random(f"{self.seed}/{name}")

    def new_id(self, prefix: str, rng: random.Random) -> str:
        while True:
            ident = f"{prefix}{rng.getrandbits(64):016x}"
            if ident not in self._ids:
                self._ids.add(ident)
                return ident

    def fields(
        self, rng: random.Random, keep: tuple[str, ...] = (), drop: tuple[str, ...] = ()
    ) -> frozenset[str]:
        """Optional fields a key's lines carry: each may be missing, ``keep`` never, ``drop`` "
        "always."""
        present = {
            f
            for f in OPTIONAL_FIELDS
            if f in keep or (f not in drop and rng.random() >= FIELD_DROP[f])
        }
        return frozenset(present)

    def established(self, rng: random.Random) -> float:
        """Creation time of an account that existed long before the log."""
        return self.t0 - DAY * rng.uniform(20.0, 1500.0)

    def add(
        self,
        rng: random.Random,
        *,
        scenario: str,
        label: str,
        structure: dict[str, Any],
        behaviours: list[tuple[Timing, Workload, Client, float, float]],
        account_id: str | None = None,
        created: float | None = None,
        campaign_id: str | None = None,
        attack_start: float | None = None,
    ) -> KeySpec:
        """Register a key with its behaviours ``(timing, workload, client, start, end)``."""
        key_id = self.new_id("key_", rng)
        if account_id is None and label == "benign" and created is None:
            # an established organisation often holds several keys (dev, prod, products)
            if self._benign_accounts and rng.random() < 0.12:
                account_id, created = rng.choice(self._benign_accounts)
            else:
                created = self.established(rng)
                account_id = self.new_id("org_", rng)
                self._benign_accounts.append((account_id, created))
        account = account_id or self.new_id("org_", rng)
        spec = KeySpec(
            key_id=key_id,
            account_id=account,
            label=label,
            scenario=scenario,
            structure=structure,
            behaviours=[
                Behaviour(t, w, c, max(s, self.t0), min(e, self.t1), f"{self.seed}/{key_id}/{i}")
                for i, (t, w, c, s, e) in enumerate(behaviours)
            ],
            campaign_id=campaign_id,
            attack_start=attack_start,
            account_created=created if created is not None else self.established(rng),
            epoch_ts=rng.random() < 0.05,
        )
        self.keys.append(spec)
        return spec


def client(
    models: tuple[str, ...],
    user_agent: str | None,
    pool: Pool | None,
    fields: frozenset[str],
    **extra: Any,
) -> Client:
    """Shorthand for :class:`Client`."""
    return Client(models=models, user_agent=user_agent, pool=pool, fields=fields, **extra)


def fields_note(fields: frozenset[str]) -> list[str]:
    """The optional fields a key lacks (for the labels' ``structure``)."""
    return sorted(set(OPTIONAL_FIELDS) - fields)
