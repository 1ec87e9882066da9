"""The domain table, one item of a domain, and :class:`TaskSpace` (numbered items)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.heldout.tasks.language import (
    classification,
    creative,
    summarization,
    support,
    translation,
)
from benchmarks.heldout.tasks.maths import competition_math, logic, math_word
from benchmarks.heldout.tasks.professional import finance, law, medicine
from benchmarks.heldout.tasks.technical import agentic, coding, science


@dataclass(frozen=True, slots=True)
class Item:
    """One task item: its domain, topic, text and how long a full answer runs.

    ``depth`` is the typical size, in tokens, of a complete worked answer.
    """

    domain: str
    topic: str
    text: str
    depth: int


DomainFn = Callable[[str, random.Random], tuple[str, int]]

#: domain -> (topics, generator)
DOMAINS: dict[str, tuple[tuple[str, ...], DomainFn]] = {
    "math_word": (
        (
            "change",
            "rates",
            "percent",
            "ratio",
            "ages",
            "geometry",
            "speed",
            "averages",
            "interest",
            "division",
        ),
        math_word,
    ),
    "competition_math": (
        (
            "number_theory",
            "combinatorics",
            "algebra",
            "geometry",
            "probability",
            "inequalities",
            "sequences",
        ),
        competition_math,
    ),
    "coding": (("implement", "debug", "complexity", "translate", "tests", "design"), coding),
    "science": (("why", "audience", "compare", "experiment"), science),
    "law": (("claim", "defence", "burden"), law),
    "medicine": (("diagnosis", "management", "mechanism"), medicine),
    "finance": (("calc", "concept"), finance),
    "agentic": (("plan", "with_observation"), agentic),
    "creative": (("short", "long"), creative),
    "translation": (("sentence", "paragraph"), translation),
    "classification": (("sentiment", "intent", "news"), classification),
    "summarization": (("document",), summarization),
    "support": (("reply",), support),
    "logic": (("knights", "scheduling", "weighing"), logic),
}

#: Domains whose complete answers are reasoning-heavy (what distillers want most).
REASONING_DOMAINS: tuple[str, ...] = (
    "math_word",
    "competition_math",
    "coding",
    "science",
    "law",
    "medicine",
    "finance",
    "logic",
)


def make_item(domain: str, topic: str, rng: random.Random) -> Item:
    """Draw one item of ``domain``/``topic``."""
    text, depth = DOMAINS[domain][1](topic, rng)
    return Item(domain, topic, text, depth)


class TaskSpace:
    """A numbered space of items over some domains, walked topic by topic.

    ``item(i)`` cycles through (domain, topic) cells in blocks of ``block``
    consecutive indices, so a walker goes topic by topic; inside a cell each
    index draws a fresh item from a generator seeded by ``(seed, i)``.
    """

    def __init__(self, domains: tuple[str, ...], seed: str, block: int = 25) -> None:
        self.seed = seed
        self.block = block
        self.cells = [(d, t) for d in domains for t in DOMAINS[d][0]]

    def item(self, index: int) -> Item:
        """The ``index``-th item (a pure function of the seed and the index)."""
        domain, topic = self.cells[(index // self.block) % len(self.cells)]
        return make_item(domain, topic, random.Random(f"{self.seed}/{index}"))
