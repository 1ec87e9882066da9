"""Attack prompt styles: how an item is wrapped into a request.

Three styles, drawn per attacker:

``template``
    a few frames fixed when the key starts (role, intro, ask, format), filled
    with a new item each time;
``paraphrase``
    the same overall shape, but the ask for reasoning is reworded on every
    request, in one or several languages, before or after the item;
``grammar``
    the whole prompt produced by a small grammar: optional role and context,
    a verb phrase, a list of requirements in random order and bullet style,
    optional format constraints, varied layout. No two prompts are alike and
    no frame repeats.

>>> import random
>>> from benchmarks.heldout.tasks import Item
>>> style = make_style("grammar", random.Random(3), langs=("en",))
>>> item = Item("logic", "weighing", "Find the fake coin.", 800)
>>> "Find the fake coin." in style.render(item, random.Random(4))
True
"""

from __future__ import annotations

import random

from benchmarks.heldout import phrases as P
from benchmarks.heldout import vocab as V
from benchmarks.heldout.tasks import Item

_FIELD_OF = {
    "math_word": "mathematics",
    "competition_math": "olympiad mathematics",
    "coding": "software",
    "science": "physics and biology",
    "law": "law",
    "medicine": "medicine",
    "finance": "finance",
    "agentic": "automation",
    "creative": "creative writing",
    "translation": "translation",
    "classification": "linguistics",
    "summarization": "editing",
    "support": "customer service",
    "logic": "logic",
}

_LOCAL_INTROS: dict[str, tuple[str, ...]] = {
    "es": ("Problema:", "Pregunta:", "Ejercicio:"),
    "fr": ("Problème :", "Question :", "Exercice :"),
    "de": ("Aufgabe:", "Frage:"),
    "pt": ("Problema:", "Questão:"),
    "it": ("Problema:", "Domanda:"),
    "zh": ("题目：", "问题："),  # noqa: RUF001
    "ja": ("問題：", "質問："),  # noqa: RUF001
    "ru": ("Задача:", "Вопрос:"),
    "ko": ("문제:", "질문:"),
}


def _ask(rng: random.Random, langs: tuple[str, ...]) -> tuple[str, str]:
    lang = rng.choice(langs)
    return lang, rng.choice(P.REASONING_ASKS[lang])


class Style:
    """Base: ``render(item, rng)`` returns the prompt text for one request."""

    name = "base"

    def render(self, item: Item, rng: random.Random) -> str:
        raise NotImplementedError


class TemplateStyle(Style):
    """A few frames fixed per key; the item changes, the wording does not."""

    name = "template"

    def __init__(self, rng: random.Random, langs: tuple[str, ...], frames: int) -> None:
        self.frames: list[tuple[str, str]] = []
        for _ in range(frames):
            lang, ask = _ask(rng, langs)
            intro = rng.choice(_LOCAL_INTROS.get(lang, P.INTROS) if lang != "en" else P.INTROS)
            role = rng.choice(P.ROLES) if rng.random() < 0.4 else ""
            fmt = rng.choice(P.FORMAT_REQS) if rng.random() < 0.5 else ""
            head = f"{role}\n\n" if role else ""
            if rng.random() < 0.5:
                self.frames.append((head + f"{intro}\n", f"\n\n{ask} {fmt}".rstrip()))
            else:
                sep = "\n" if intro.startswith("#") or rng.random() < 0.5 else " "
                self.frames.append((head + f"{ask} {fmt}".strip() + f"\n\n{intro}{sep}", ""))

    def render(self, item: Item, rng: random.Random) -> str:
        before, after = rng.choice(self.frames)
        return (before + item.text + after).replace("{field}", _FIELD_OF[item.domain])


class ParaphraseStyle(Style):
    """The ask for reasoning reworded on each request (several languages possible)."""

    name = "paraphrase"

    def __init__(self, rng: random.Random, langs: tuple[str, ...]) -> None:
        self.langs = langs
        self.ask_first = rng.random()
        self.variant_rate = rng.choice((0.0, 0.0, 0.2, 0.5))

    def render(self, item: Item, rng: random.Random) -> str:
        ask = _ask(rng, self.langs)[1]
        if rng.random() < self.variant_rate:
            ask = f"{ask} {rng.choice(P.VARIANT_ASKS)}"
        sep = rng.choice(("\n\n", "\n", " "))
        if rng.random() < self.ask_first:
            return f"{ask}{sep}{item.text}"
        return f"{item.text}{sep}{ask}"


class GrammarStyle(Style):
    """Whole prompts produced by a grammar: no frame repeats."""

    name = "grammar"

    def __init__(self, rng: random.Random, langs: tuple[str, ...]) -> None:
        self.langs = langs
        self.p_role = rng.uniform(0.1, 0.7)
        self.p_context = rng.uniform(0.1, 0.6)
        self.p_format = rng.uniform(0.2, 0.9)

    def render(self, item: Item, rng: random.Random) -> str:
        parts: list[str] = []
        if rng.random() < self.p_role:
            parts.append(rng.choice(P.ROLES).replace("{field}", _FIELD_OF[item.domain]))
        if rng.random() < self.p_context:
            parts.append(rng.choice(P.CONTEXTS))
        noun = rng.choice(("problem", "question", "task", "exercise", "item", "case", "prompt"))
        det = rng.choice(("the following", "this", "the next", "the", "this one"))
        head = f"{rng.choice(P.VERBS)} {det} {noun}"
        head += rng.choice((".", ":", " below.", " carefully.", ", please.", " for me."))
        parts.append(head)
        reqs = [_ask(rng, self.langs)[1]]
        if rng.random() < 0.35:
            reqs.append(_ask(rng, self.langs)[1])
        if rng.random() < self.p_format:
            reqs.extend(rng.sample(P.FORMAT_REQS, rng.randint(1, 2)))
        if rng.random() < 0.2:
            reqs.append(rng.choice(P.VARIANT_ASKS))
        rng.shuffle(reqs)
        bullet = rng.choice(P.BULLETS)
        layout = rng.random()
        if layout < 0.4:
            req_text = "\n".join(
                (f"{i + 1}. " if bullet == "1. " else bullet) + r for i, r in enumerate(reqs)
            )
            req_text = rng.choice(("Requirements:\n", "Rules:\n", "Constraints:\n", "")) + req_text
        else:
            req_text = " ".join(reqs)
        intro = rng.choice(P.INTROS) if rng.random() < 0.5 else ""
        body = f"{intro}\n{item.text}".strip() if intro else item.text
        if rng.random() < 0.3:
            body = rng.choice(("<problem>\n{}\n</problem>", '"""\n{}\n"""', "---\n{}\n---")).format(
                body
            )
        order = rng.random()
        if order < 0.45:
            parts += [body, req_text]
        elif order < 0.8:
            parts += [req_text, body]
        else:
            parts.insert(0, body)
            parts.append(req_text)
        closing = rng.choice(P.CLOSINGS)
        if closing:
            parts.append(closing)
        joiner = rng.choice(("\n\n", "\n", " \n"))
        return joiner.join(parts)


def make_style(name: str, rng: random.Random, langs: tuple[str, ...]) -> Style:
    """Build the style ``name`` (template / paraphrase / grammar) for one key."""
    if name == "template":
        return TemplateStyle(rng, langs, frames=rng.randint(1, 4))
    if name == "paraphrase":
        return ParaphraseStyle(rng, langs)
    if name == "grammar":
        return GrammarStyle(rng, langs)
    raise ValueError(f"unknown prompt style {name!r}")


def draw_languages(rng: random.Random) -> tuple[str, ...]:
    """Languages an attacker words its asks in: English only, or a mix."""
    roll = rng.random()
    others = [lang for lang in P.REASONING_ASKS if lang != "en"]
    if roll < 0.55:
        return ("en",)
    if roll < 0.8:
        return ("en", *rng.sample(others, rng.randint(1, 3)))
    if roll < 0.9:
        return (rng.choice(others),)
    return tuple(rng.sample(others, 3))


TAXONOMY_KINDS: tuple[str, ...] = ("intent", "sentiment", "topic", "product")


def taxonomy(kind: str, rng: random.Random) -> tuple[str, ...]:
    """A label set to harvest over (a key's own taxonomy)."""
    if kind == "intent":
        return V.INTENT_LABELS
    if kind == "sentiment":
        return (*V.SENTIMENT_LABELS, "mixed", "sarcastic")
    if kind == "topic":
        return V.NEWS_TOPICS
    base = [p.replace(" ", "_") for p in V.PRODUCTS]
    return tuple(f"{a}/{b}" for a in base[:8] for b in ("accessory", "repair", "review", "return"))
