"""Building blocks shared by the benign and the abuse scenarios.

Item sources (what is asked next), size helpers, and the three session
shapes: one request, a conversation whose prompt grows with its history,
and an agent loop whose context grows with tool results.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable

from benchmarks.heldout.actor import Request, Session, Workload, tokens_of
from benchmarks.heldout.tasks import DOMAINS, Item, TaskSpace, make_item


def lognorm(rng: random.Random, median: float, sigma: float) -> float:
    """A log-normal draw with the given median."""
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def clamp(x: float, lo: int, hi: int) -> int:
    """Round ``x`` into ``[lo, hi]``."""
    return max(lo, min(hi, round(x)))


def prompt_hash(text: str) -> str:
    """The upstream system-prompt hash (hex SHA-256, first 32 characters)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ItemSource:
    """Where the next item comes from."""

    name = "base"

    def next(self, rng: random.Random) -> Item:
        raise NotImplementedError


class Walk(ItemSource):
    """Walk a :class:`TaskSpace` from ``start`` in steps of ``step``: each item once."""

    name = "walk"

    def __init__(self, space: TaskSpace, start: int = 0, step: int = 1) -> None:
        self.space = space
        self.index = start
        self.step = step

    def next(self, rng: random.Random) -> Item:
        item = self.space.item(self.index)
        self.index += self.step
        return item


class Draw(ItemSource):
    """Independent random items over some domains (repeats are possible but rare)."""

    name = "draw"

    def __init__(self, domains: tuple[str, ...], weights: tuple[float, ...] | None = None) -> None:
        self.domains = domains
        self.weights = weights

    def next(self, rng: random.Random) -> Item:
        if self.weights:
            domain = rng.choices(self.domains, self.weights)[0]
        else:
            domain = rng.choice(self.domains)
        return make_item(domain, rng.choice(DOMAINS[domain][0]), rng)


class Listed(ItemSource):
    """Items from a fixed list (a public benchmark), in order or at random, cycling."""

    name = "listed"

    def __init__(self, items: list[Item], shuffled: bool, start: int = 0) -> None:
        self.items = items
        self.shuffled = shuffled
        self.index = start

    def next(self, rng: random.Random) -> Item:
        if self.shuffled:
            return rng.choice(self.items)
        item = self.items[self.index % len(self.items)]
        self.index += 1
        return item


class OneShot(Session):
    """A session of exactly one request built by ``make``."""

    __slots__ = ("make",)

    def __init__(self, t: float, make: Callable[[random.Random], Request]) -> None:
        super().__init__([t])
        self.make = make

    def next(self, rng: random.Random) -> Request:
        return self.make(rng)


class SingleRequests(Workload):
    """Every arrival is one request made by ``make(rng)``."""

    def __init__(self, make: Callable[[random.Random], Request]) -> None:
        self.make = make

    def session(self, rng: random.Random, t: float) -> Session:
        return OneShot(t, self.make)


Turn = Callable[[random.Random, int, int], tuple[str, int, int]]


class Conversation(Session):
    """Turns whose prompt is the system prompt plus the history so far.

    ``turn(rng, i, history)`` returns ``(text, output_tokens, reasoning)`` for
    turn ``i``; the history grows by each turn's text and output.
    """

    __slots__ = ("base", "history", "i", "req", "turn")

    def __init__(self, times: list[float], base: int, turn: Turn, req: Request) -> None:
        super().__init__(times)
        self.base = base
        self.history = 0
        self.i = 0
        self.turn = turn
        self.req = req

    def next(self, rng: random.Random) -> Request:
        text, output, reasoning = self.turn(rng, self.i, self.history)
        asked = tokens_of(text)
        req = self.req
        out = Request(
            prompt_tokens=self.base + self.history + asked,
            output=output,
            text=text,
            reasoning=reasoning,
            n=req.n,
            temperature=req.temperature,
            max_tokens=req.max_tokens,
            system_hash=req.system_hash,
        )
        self.history += asked + output
        self.i += 1
        return out


def turn_times(rng: random.Random, t: float, turns: int, gap: tuple[float, float]) -> list[float]:
    """``turns`` times from ``t`` with log-uniform gaps in ``gap`` seconds."""
    times = [t]
    lo, hi = math.log(gap[0]), math.log(gap[1])
    for _ in range(turns - 1):
        t += math.exp(rng.uniform(lo, hi))
        times.append(t)
    return times
