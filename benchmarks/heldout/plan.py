"""Structural choices of an attacker, drawn per instance, and what they build.

Every attack instance draws, independently of its family: a timing shape,
an infrastructure, a user agent kind, a model (reasoning or not), a prompt
style and languages, the request parameters it sets, and which optional
fields its log lines carry. :class:`Deck` deals the values of each dimension
round-robin from a shuffled deck per family, so that a family's few instances
cover several structures instead of repeating the likeliest one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.heldout.actor import Client, Request, tokens_of
from benchmarks.heldout.infra import (
    CHAT_MODELS,
    INFRA_KINDS,
    REASONING_MODELS,
    UA_KINDS,
    Pool,
    make_pool,
    user_agent,
)
from benchmarks.heldout.prompts import Style, draw_languages, make_style
from benchmarks.heldout.tasks import Item
from benchmarks.heldout.timing import SHAPES, Timing, draw_timing, mean_intensity
from benchmarks.heldout.workloads import ItemSource, clamp, lognorm, prompt_hash
from benchmarks.heldout.world import World, fields_note

STYLES: tuple[str, ...] = ("template", "paraphrase", "grammar")
MAX_TOKENS_POLICIES: tuple[str, ...] = ("high", "unset", "usual")
MODEL_KINDS: tuple[str, ...] = ("reasoning", "chat")
PROMPT_FIELD: tuple[str, ...] = ("with_prompt", "with_prompt", "without_prompt")

_ATTACK_SYSTEMS: tuple[str, ...] = (
    "You are a world-class problem solver. Be complete and rigorous.",
    "You are an expert assistant. Provide exhaustive, high-quality answers.",
    "Answer as a senior specialist would in a textbook.",
)


class Deck:
    """Round-robin dealing from shuffled decks, one per (family, dimension)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._decks: dict[tuple[str, str], list[Any]] = {}

    def deal(self, family: str, dim: str, values: Sequence[Any]) -> Any:
        deck = self._decks.setdefault((family, dim), [])
        if not deck:
            deck.extend(values)
            self.rng.shuffle(deck)
        return deck.pop()


@dataclass
class Plan:
    """The drawn structure of one attacker (or one campaign member)."""

    shape: str
    infra: str
    ua_kind: str
    model_kind: str
    model: str
    style: str
    langs: tuple[str, ...]
    max_tokens: str
    prompt_field: str
    absent: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self, timing: Timing) -> dict[str, Any]:
        return {
            "timing": timing.describe(),
            "infrastructure": self.infra,
            "user_agent": self.ua_kind,
            "model": self.model,
            "model_kind": self.model_kind,
            "prompt_style": self.style,
            "languages": list(self.langs),
            "max_tokens": self.max_tokens,
            **self.extra,
        }


def draw_plan(deck: Deck, family: str, rng: random.Random, **fixed: Any) -> Plan:
    """Deal a plan for ``family``; ``fixed`` overrides dimensions the family imposes."""

    def pick(dim: str, values: Sequence[Any]) -> Any:
        return fixed[dim] if dim in fixed else deck.deal(family, dim, values)

    model_kind = pick("model_kind", MODEL_KINDS)
    model = rng.choice(REASONING_MODELS if model_kind == "reasoning" else CHAT_MODELS)
    absent = tuple(
        f
        for f in ("max_tokens", "temperature", "n", "reasoning_tokens", "user_agent", "client_ip")
        if rng.random() < 0.15
    )
    return Plan(
        shape=pick("shape", SHAPES),
        infra=pick("infra", INFRA_KINDS),
        ua_kind=pick("ua_kind", UA_KINDS),
        model_kind=model_kind,
        model=fixed.get("model", model),
        style=pick("style", STYLES),
        langs=fixed.get("langs") or draw_languages(rng),
        max_tokens=pick("max_tokens", MAX_TOKENS_POLICIES),
        prompt_field=pick("prompt_field", PROMPT_FIELD),
        absent=absent,
    )


def cap_for(
    policy: str, rng: random.Random, reasoning: bool, usual: int | None = None
) -> int | None:
    """``max_tokens`` under a policy: high, unset, or a typical customer's value.

    On a reasoning model the cap also bounds the hidden reasoning, so even the
    "usual" values an attacker copies are the larger ones used with such models.
    """
    if policy == "high":
        return rng.choice((4096, 8192, 16000, 16384, 32000))
    if policy == "usual":
        if usual is None:
            usual = rng.choice(
                (4096, 8192, 8192, 16384) if reasoning else (1024, 1024, 2048, 2048, 4096)
            )
        return max(usual, 4096) if reasoning else usual
    return None


def timing_for(plan: Plan, rng: random.Random, daily: float, scale_rate: float) -> Timing:
    """The plan's timing at a mean of ``daily`` requests a day (before ``scale_rate``).

    A ``sparse`` shape means a few requests a day whatever the family.
    """
    if plan.shape == "sparse":
        daily = min(daily, rng.uniform(3.0, 12.0))
    probe = draw_timing(rng, plan.shape, 1.0)
    if plan.shape == "bursty":
        probe.params["burst_size"] = min(
            probe.params["burst_size"], max(2.0, daily / rng.uniform(3.0, 12.0))
        )
    probe.rate = daily * scale_rate / 24.0 / mean_intensity(probe)
    return probe


def attack_client(
    w: World,
    plan: Plan,
    rng: random.Random,
    pool: Pool | None = None,
    ua: str | None = None,
    throttle: float = 0.0,
    fields: frozenset[str] | None = None,
) -> Client:
    """The client of an attacker following ``plan`` (``fields``: shared by a campaign)."""
    if fields is None:
        drop = [*plan.absent]
        if plan.prompt_field == "without_prompt":
            drop.append("prompt_text")
        keep = ("prompt_text",) if plan.prompt_field == "with_prompt" else ()
        fields = w.fields(rng, keep=keep, drop=tuple(drop))
    plan.extra["fields_absent"] = fields_note(fields)
    return Client(
        models=(plan.model,),
        user_agent=ua if ua is not None else user_agent(plan.ua_kind, rng),
        pool=pool if pool is not None else make_pool(plan.infra, rng),
        fields=fields,
        throttle=throttle,
    )


class Harvest:
    """Single-turn harvesting requests: next item, wrapped by the style, long answers."""

    def __init__(
        self,
        source: ItemSource,
        style: Style,
        plan: Plan,
        rng: random.Random,
        system: str | None = None,
        usual_cap: int | None = None,
    ) -> None:
        self.source = source
        self.style = style
        self.reasoning_model = plan.model_kind == "reasoning"
        self.verbosity = rng.uniform(0.9, 1.7)
        self.cap = cap_for(plan.max_tokens, rng, self.reasoning_model, usual_cap)
        self.temperature = rng.choice((None, None, 0.0, 0.7, 1.0))
        self.n = (
            rng.choice((None, None, None, None, 1, 2, 3))
            if plan.extra.get("variants", True)
            else None
        )
        if system is None and rng.random() < 0.35:
            system = rng.choice(_ATTACK_SYSTEMS)
        self.system_hash = prompt_hash(system) if system else None
        self.system_tokens = tokens_of(system) if system else 0
        plan.extra.update(source=source.name, n=self.n, temperature=self.temperature, cap=self.cap)

    def request(self, r: random.Random, item: Item | None = None) -> Request:
        item = item or self.source.next(r)
        text = self.style.render(item, r)
        depth = item.depth * self.verbosity
        visible = depth * (0.7 if self.reasoning_model else 1.0) * lognorm(r, 1.0, 0.3)
        hidden = lognorm(r, item.depth * 1.4, 0.5) if self.reasoning_model else 0.0
        return Request(
            tokens_of(text) + self.system_tokens,
            clamp(visible, 30, 12000),
            text,
            clamp(hidden, 0, 40000),
            self.n,
            self.temperature,
            self.cap,
            self.system_hash,
        )


def build_style(plan: Plan, rng: random.Random) -> Style:
    """The prompt style of ``plan``."""
    return make_style(plan.style, rng, plan.langs)
