"""Generated plain text: sentences, short documents, product reviews.

Texts to translate, summarise or classify, built from a small grammar and the
word lists (:mod:`benchmarks.heldout.vocab`).
"""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V

_SUBJ = (
    "The committee",
    "Our team",
    "The supplier",
    "My neighbour",
    "The new policy",
    "The museum",
)

_VERB = ("will review", "has postponed", "cannot guarantee", "recommends", "is testing", "rejected")

_OBJ = (
    "the delivery schedule",
    "a shorter working week",
    "the revised budget",
    "free entry on Sundays",
    "the safety checklist",
    "an update to the contract",
    "the evening classes",
)

_TAIL = (
    "before the end of the month.",
    "despite several complaints.",
    "after a long discussion.",
    "for the second time this year.",
    "unless the weather improves.",
    "without further notice.",
)


def sentence(r: random.Random) -> str:
    """One plain sentence from a small grammar (texts to translate, summarise, classify)."""
    return f"{r.choice(_SUBJ)} {r.choice(_VERB)} {r.choice(_OBJ)} {r.choice(_TAIL)}"


def document(r: random.Random, sentences: int) -> str:
    """A short generated document (a report, minutes, an article)."""
    parts = []
    for _ in range(sentences):
        kind = r.random()
        if kind < 0.5:
            parts.append(sentence(r))
        elif kind < 0.8:
            parts.append(
                f"{r.choice(V.NEWS_SUBJECTS).capitalize()} {r.choice(V.NEWS_ACTIONS)} "
                f"{r.choice(V.NEWS_OBJECTS)}."
            )
        else:
            parts.append(
                f"{r.choice(V.COMPANIES)} reported {r.randint(2, 40)}% "
                f"{r.choice(('growth', 'lower costs', 'fewer incidents', 'higher churn'))} "
                f"in {r.choice(V.CITIES)}."
            )
    return " ".join(parts)


def review(r: random.Random) -> tuple[str, str]:
    """A product review and its sentiment."""
    label, template = r.choice(V.OPINIONS)
    opinion = template.format(aspect=r.choice(V.PRODUCT_ASPECTS))
    text = f"{r.choice(V.PRODUCTS).capitalize()}: {opinion}."
    if r.random() < 0.5:
        text += " " + r.choice(
            (
                "Would buy again.",
                "Not sure yet.",
                "Shipping was quick.",
                "Gift for my dad.",
                "Second one I own.",
            )
        )
    return text, label
