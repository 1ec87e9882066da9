"""Items of the language domains: creative, translation, classification, summaries, support."""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V
from benchmarks.heldout.tasks.texts import document, review, sentence


def creative(topic: str, r: random.Random) -> tuple[str, int]:
    form = r.choice(V.CREATIVE_FORMS)
    return (
        f"Write a {form} about {r.choice(V.CREATIVE_SUBJECTS)} in the style of "
        f"{r.choice(V.CREATIVE_STYLES)}.",
        700 if topic == "short" else 1500,
    )


def translation(topic: str, r: random.Random) -> tuple[str, int]:
    n = 1 if topic == "sentence" else r.randint(2, 5)
    text = " ".join(sentence(r) for _ in range(n))
    return (f"Translate into {r.choice(V.LANGUAGES)}: {text}", 60 * n + 40)


def classification(topic: str, r: random.Random) -> tuple[str, int]:
    if topic == "sentiment":
        return (f"Review: {review(r)[0]}", 5)
    if topic == "intent":
        issue = r.choice(V.SUPPORT_ISSUES).replace("{code}", str(r.randint(10, 99)))
        return (f"Customer message: {r.choice(V.SUPPORT_PRODUCTS)} {issue}", 5)
    return (f"Headline: {document(r, 1)}", 5)


def summarization(topic: str, r: random.Random) -> tuple[str, int]:
    subject = r.choice(V.DOC_SUBJECTS)
    return (f"Summarise this {subject}:\n{document(r, r.randint(4, 9))}", 300)


def support(topic: str, r: random.Random) -> tuple[str, int]:
    issue = r.choice(V.SUPPORT_ISSUES).replace("{code}", str(r.randint(10, 99)))
    return (
        f"A customer writes: '{r.choice(V.SUPPORT_PRODUCTS)} {issue}'. Draft the ideal reply.",
        400,
    )
