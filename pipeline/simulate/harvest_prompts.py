"""A harvester's prompt styles: fixed templates, a grammar, or paraphrased templates.

Each style is a callable returning the next ``prompt_text``; what it asks about
comes from :class:`Items`: a sweep over the topic taxonomy with fresh tasks,
or a curriculum walk that asks each item of one task space once.

- ``templates``: a few fixed templates (classic ones, or frames composed once
  around one ask), filled with the next topic or task;
- ``grammar``: every request composed anew by :mod:`.grammar` (no template
  repeats);
- ``paraphrased``: a few base templates reworded per request (synonyms, clause
  order, filler) whose ask for reasoning is drawn per request from a pool of
  rewordings.

``kind`` is ``"reasoning"`` (worked answers) or ``"short"`` (a final answer
only: output-capped sweeps).

>>> import random
>>> rng = random.Random(2)
>>> style = make_prompts("paraphrased", rng, "reasoning", Items(rng, curriculum=False))
>>> len({style() for _ in range(50)})
50
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

from pipeline.simulate import grammar as g
from pipeline.simulate import prompts as p
from pipeline.simulate import vocab as v

__all__ = [
    "PARAPHRASE_BASES",
    "Items",
    "PromptSource",
    "SpaceItems",
    "TaskSpace",
    "fixed_templates",
    "make_prompts",
]

PromptSource = Callable[[], str]

#: Base templates a paraphrasing harvester rewords; ``{a}`` is the ask, drawn per request.
PARAPHRASE_BASES: dict[str, tuple[str, ...]] = {
    "reasoning": (
        "Explain {t} in detail. {a}",
        "Question: {q}\n{a}",
        "Solve the following question about {t}: {q} {a}",
        "You are an expert. Provide a thorough explanation of {t}. {a}",
        "Answer the question below about {t}. {a}\n{q}",
        "As a {l} tutor, explain {t} with a worked example. {a}",
        "Write a comprehensive explanation of {t}. {a}",
        "{q} {a}",
    ),
    "short": (
        "Classify {t} into the taxonomy. {a}",
        "{q} {a}",
        "Give the final answer about {t}. {a}",
        "Question about {t}: {q} {a}",
    ),
}

_SHORT_TEMPLATES = (
    "Give a concise but complete answer about {t}.",
    "Assign {t} to exactly one category of the taxonomy. Reply with the category code only.",
    "{q} Answer with the final result only.",
    "Label: {t}. One word.",
)


class Items:
    """What a harvester asks about next.

    A sweep (``curriculum=False``) walks the topic taxonomy with a stride and
    draws a fresh task of one of the key's domains per request; a curriculum walk
    asks item after item of one domain's task space, each once (``{t}`` and
    ``{q}`` are then both the item).
    """

    __slots__ = ("curriculum", "domain", "domains", "index", "stride")

    def __init__(self, rng: random.Random, curriculum: bool) -> None:
        self.curriculum = curriculum
        self.domains = tuple(rng.sample(g.DOMAINS, rng.randint(1, len(g.DOMAINS))))
        self.domain = self.domains[0]
        if curriculum:
            self.index = rng.randrange(g.SPACE)
            self.stride = rng.choice((1, 3, 7, 11, 13, 17))  # coprime with SPACE: no repeats
        else:
            self.index = rng.randrange(v.TOPIC_COUNT)
            self.stride = rng.choice((1, 1, 7, 31))

    def task(self, r: Callable[[], float]) -> str:
        """The next task (a curriculum walk advances; a sweep draws a fresh one)."""
        if self.curriculum:
            self.index = (self.index + self.stride) % g.SPACE
            return g.task_item(self.domain, self.index)
        return g.item(r, self.domains[int(r() * len(self.domains))])

    def fill(self, r: Callable[[], float], template: str, ask: str = "") -> str:
        """``template`` with its slots filled: topic, task, level and ask."""
        if self.curriculum:
            task = self.task(r)
            return template.format(t=task, q=task, l=_level(r, template), a=ask)
        topic = v.topic(self.index)
        self.index += self.stride
        task = self.task(r) if "{q}" in template else ""
        return template.format(t=topic, q=task, l=_level(r, template), a=ask)


class TaskSpace(NamedTuple):
    """One campaign's curriculum: a task kind over its own topics (a few subjects, a
    subset of subtopics and levels), split among the members."""

    domain: str
    topics: tuple[str, ...]
    interleaved: bool

    @classmethod
    def draw(cls, rng: random.Random) -> TaskSpace:
        subjects = rng.sample(v.DOMAINS, rng.randint(1, 2))
        subtopics = rng.sample(v.SUBTOPICS, rng.randint(6, 14))
        levels = rng.sample(v.LEVELS, rng.randint(1, 3))
        topics = tuple(f"{t} in {s} ({lvl} level)" for s in subjects for t in subtopics
                       for lvl in levels)  # fmt: skip
        return cls(rng.choice(g.DOMAINS), topics, rng.random() < 0.5)


class SpaceItems:
    """A campaign member's disjoint slice of the campaign's :class:`TaskSpace`: items
    ``member``, ``member + size``, ... (interleaved) or a block of its own. Members share
    the curriculum's vocabulary, never an item."""

    __slots__ = ("index", "space", "step")

    def __init__(self, space: TaskSpace, member: int, size: int) -> None:
        self.space = space
        block = g.SPACE // max(size, 1)  # a block of its own, never reaching the next
        self.index, self.step = (member, size) if space.interleaved else (member * block, 1)

    def task(self, r: Callable[[], float]) -> str:
        index = self.index
        self.index += self.step
        return g.task_item(self.space.domain, index, self.space.topics)

    def fill(self, r: Callable[[], float], template: str, ask: str = "") -> str:
        task = self.task(r)
        return template.format(t=task, q=task, l=_level(r, template), a=ask)


def _level(r: Callable[[], float], template: str) -> str:
    return v.LEVELS[int(r() * len(v.LEVELS))] if "{l}" in template else ""


def fixed_templates(rng: random.Random, kind: str, low: int, high: int) -> tuple[str, ...]:
    """A harvester's few fixed templates: classic ones, or frames composed once around
    one ask (so fixed templates do not all say "step by step")."""
    count = rng.randint(low, high)
    r = rng.random
    if kind == "short":
        pool = list(_SHORT_TEMPLATES)
        while len(pool) < count + 2:
            pool.append(g.compose(r, "{q}", g.short_ask(r)))
        return tuple(rng.sample(pool, count))
    if rng.random() < 0.5:
        return tuple(rng.sample(p.EXTRACTION_TEMPLATES, count))
    request = g.ask(r)
    return tuple(g.compose(r, rng.choice(("{q}", "Explain {t}.", "{q} ({t})")), request)
                 for _ in range(count))  # fmt: skip


class _Templates:
    __slots__ = ("items", "r", "templates")

    def __init__(
        self, rng: random.Random, templates: Sequence[str], items: Items | SpaceItems
    ) -> None:
        self.r = rng.random
        self.templates = tuple(templates)
        self.items = items

    def __call__(self) -> str:
        templates = self.templates
        return self.items.fill(self.r, templates[int(self.r() * len(templates))])


class _Grammar:
    __slots__ = ("asker", "items", "r")

    def __init__(self, rng: random.Random, kind: str, items: Items | SpaceItems) -> None:
        self.r = rng.random
        self.items = items
        self.asker = g.short_ask if kind == "short" else g.ask

    def __call__(self) -> str:
        r = self.r
        return g.compose(r, self.items.task(r), self.asker(r))


class _Paraphrased:
    __slots__ = ("asker", "bases", "items", "r")

    def __init__(
        self, rng: random.Random, kind: str, bases: Sequence[str], items: Items | SpaceItems
    ) -> None:
        self.r = rng.random
        self.items = items
        self.bases = tuple(bases)
        self.asker = g.short_ask if kind == "short" else g.ask

    def __call__(self) -> str:
        r = self.r
        base = self.bases[int(r() * len(self.bases))]
        # A reordered clause ending in the ask gets a period of its own: drop the double.
        return self.items.fill(r, p.paraphrase(r, base), self.asker(r)).replace("..", ".")


def make_prompts(
    style: str,
    rng: random.Random,
    kind: str,
    items: Items | SpaceItems,
    templates: Sequence[str] | None = None,
) -> PromptSource:
    """The prompt source of one key.

    ``templates`` (campaigns: shared by every member) replaces the key's own draw of
    fixed templates (``templates`` style) or of paraphrase bases (``paraphrased``).
    """
    if style == "templates":
        return _Templates(rng, templates or fixed_templates(rng, kind, 2, 6), items)
    if style == "grammar":
        return _Grammar(rng, kind, items)
    if style == "paraphrased":
        bases = templates or tuple(rng.sample(PARAPHRASE_BASES[kind], 2 + (kind == "reasoning")))
        return _Paraphrased(rng, kind, bases, items)
    raise ValueError(f"unknown prompt style {style!r}")
