"""What a red-team scenario is: one instance's generator and time span, and a builder.

Shared by :mod:`benchmarks.redteam.scenarios` (the registry) and the scenario
modules of later rounds (:mod:`benchmarks.redteam.round3`).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.redteam.emit import HOUR, Key, cloud_prefixes

__all__ = [
    "ABUSE",
    "BENIGN_LABEL",
    "SDK_UA",
    "SWARM_AGENTS",
    "Builder",
    "Instance",
    "Scenario",
    "rate",
    "text_hash",
]

SDK_UA = "atlas-python/1.12.0"
#: Client libraries a swarm's keys rotate (one per key, as separate customers would).
SWARM_AGENTS = (
    SDK_UA,
    "python-httpx/0.27.2",
    "node-fetch/3.3.2",
    "atlas-node/4.2.0",
    "curl/8.5.0",
    "Go-http-client/2.0",
    "okhttp/4.12.0",
    "aiohttp/3.9.5",
)
ABUSE, BENIGN_LABEL = "abuse", "benign"


@dataclass(frozen=True)
class Instance:
    """Where one instance runs: its generator, time span and the log's first instant."""

    scenario: str
    index: int
    rng: random.Random
    log_start: float
    log_end: float
    partitions: int

    def key(
        self, suffix: str = "", prompts: bool = True, agents: tuple[str, ...] = (SDK_UA,)
    ) -> Key:
        """A new key of this instance (one cloud prefix, the SDK's user agent)."""
        name = f"rt_{self.scenario}_{self.index}{suffix}"
        account = f"acct_rt_{self.scenario}_{self.index}"
        return Key(name, account, self.rng, cloud_prefixes(self.rng, 1), agents, prompts)

    @property
    def attack_start(self) -> float:
        """A start 3-8 hours into the log: after the population scales have warmed up,
        and late enough that the key counts as new (it barely teaches the scales)."""
        return self.log_start + self.rng.uniform(3.0, 8.0) * HOUR


Builder = Callable[[Instance], tuple[list[Key], float | None]]


@dataclass(frozen=True)
class Scenario:
    """One idea: its label, a one-line description, instances, and how to build one.

    ``build`` returns the instance's keys (records in ``key.events``) and its attack
    start when the key was benign before it (``None`` otherwise).
    """

    name: str
    label: str
    idea: str
    build: Builder
    instances: int = 3

    @classmethod
    def once(cls, name: str, label: str, idea: str, build: Builder) -> Scenario:
        """A scenario of one instance (a swarm of its own, a cohort of look-alikes)."""
        return cls(name, label, idea, build, instances=1)


def rate(inst: Instance, low: float = 600.0, high: float = 2400.0) -> float:
    return low * (high / low) ** inst.rng.random()


def text_hash(text: str) -> str:
    """A gateway-style hash of a text (e.g. a ``system_prompt_hash``): 16 hex digits.

    >>> text_hash("persona 40") == text_hash("persona 40") != text_hash("persona 41")
    True
    """
    return hashlib.sha256(text.encode()).hexdigest()[:16]
