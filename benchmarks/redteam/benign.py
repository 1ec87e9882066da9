"""Benign workloads written to look like harvesting on the axes the detector reads.

Each is a real kind of customer: a homework app, an IDE error explainer, a
catalogue writer, an ed-tech content team, an SEO site, a data team making
training utterances for its own intent classifier, a language-learning app.
Each sends short self-contained prompts and gets long answers back, most of
them with the words the lexicon lists, single-turn and with a fixed system
prompt — and none of them is distilling a model. Also here: the background
traffic of a mixed key (chat with history, developer questions, RAG) that the
drift scenarios hide a harvest in.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import Key, arrivals, lognormal

__all__ = ["BENIGN", "background_request"]

_PRODUCTS = (
    "trail running shoe",
    "espresso machine",
    "standing desk",
    "noise-cancelling headphone",
    "cast iron skillet",
    "robot vacuum",
    "hiking backpack",
    "electric toothbrush",
    "mechanical keyboard",
    "air purifier",
    "yoga mat",
    "smart thermostat",
    "camping stove",
    "kids' bicycle",
    "wool sweater",
    "desk lamp",
    "blender",
    "garden hose",
    "office chair",
)
_ATTRS = (
    "waterproof",
    "lightweight",
    "recycled materials",
    "two-year warranty",
    "USB-C charging",
    "quiet motor",
    "machine washable",
    "adjustable height",
    "stainless steel",
    "foldable",
    "energy efficient",
    "gift box",
    "five colours",
    "ergonomic grip",
    "dishwasher safe",
)
_CONCEPTS = (
    "compound interest",
    "index funds",
    "photosynthesis",
    "the immune system",
    "inflation",
    "machine learning",
    "blockchains",
    "climate feedback loops",
    "supply and demand",
    "the electoral college",
    "sourdough fermentation",
    "solar panels",
    "credit scores",
    "plate tectonics",
    "quantum computing",
    "antibiotic resistance",
    "home insulation",
    "mortgage refinancing",
    "the water cycle",
    "neural networks",
    "tax brackets",
)
_INTENTS = (
    "cancel a subscription",
    "change a delivery address",
    "get a refund",
    "reset a password",
    "upgrade a plan",
    "report a missing package",
    "update a credit card",
    "close an account",
    "book a repair",
    "check an order status",
    "apply a coupon",
    "talk to a human agent",
)
_ERRORS = (
    "TypeError: 'NoneType' object is not subscriptable",
    "KeyError: 'user_id'",
    "IndexError: list index out of range",
    "ModuleNotFoundError: No module named 'yaml'",
    "error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "Uncaught TypeError: Cannot read properties of undefined (reading 'map')",
    "java.lang.NullPointerException at com.app.Service.handle(Service.java:{n})",
    "fatal: refusing to merge unrelated histories",
    "SSL: CERTIFICATE_VERIFY_FAILED",
    "psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint",
    "CORS policy: No 'Access-Control-Allow-Origin' header is present",
    "segmentation fault (core dumped)",
    "OOMKilled: container exceeded memory limit",
)
_SENTENCES = (
    "Si hubiera sabido la verdad, no habría venido.",
    "Il faut que tu viennes demain.",
    "Obwohl es regnete, gingen wir spazieren.",
    "Se me olvidaron las llaves en casa.",
    "Je ne pense pas qu'il ait raison.",
    "Das Buch, das du mir gegeben hast, ist spannend.",
    "Quando arrivi, chiamami.",
    "Ojalá que llueva mañana.",
    "Elle s'est lavé les mains.",
    "Hätte ich mehr Zeit, würde ich reisen.",
    "Lo que más me gusta es leer.",
    "Il a fallu qu'on parte tôt.",
    "Ich weiß nicht, ob er kommt.",
)
_TOPICS = (
    "fractions",
    "linear equations",
    "percentages",
    "the Pythagorean theorem",
    "probability",
    "ratios",
    "quadratic equations",
    "area and perimeter",
    "exponents",
    "statistics",
    "photosynthesis",
    "Newton's laws",
    "chemical equations",
    "the French Revolution",
)


def _n(rng: random.Random) -> int:
    return rng.randrange(10, 9999)


def homework_solver(key: Key, start: float, end: float, visible_ask: bool) -> None:
    """A homework-help app: a student's problem, one answer worked out for them.

    ``visible_ask``: the app appends its instruction to the user message (so the
    logged prompt carries it); otherwise it sits in the system prompt and only the
    students' own words are logged (some of them ask for steps anyway).
    """
    rng = key.rng
    popular = [c.plain_item(rng) for _ in range(300)]  # textbook problems many students send
    per_day = rng.uniform(1000.0, 3500.0)
    for t in arrivals(rng, start, end, per_day, "consumer", rng.choice((-5.0, 1.0, 5.5))):
        item = rng.choice(popular) if rng.random() < 0.04 else c.plain_item(rng)
        if visible_ask:
            text = f"{item} Explain each step so I can follow."
        else:
            text = f"{item} {rng.choice(c.CUE_ASKS)}" if rng.random() < 0.3 else item
        key.emit(
            t,
            text,
            180 + c.text_tokens(text),
            c.answer_tokens(rng, 700.0, 0.5, 2048),
            "atlas-2-mini",
            temperature=0.3,
            max_tokens=2048,
        )


def error_explainer(key: Key, start: float, end: float) -> None:
    """An IDE plugin: 'explain this error', from developers in every time zone."""
    rng = key.rng
    per_day = rng.uniform(2000.0, 6000.0)
    for t in arrivals(rng, start, end, per_day, "flat"):
        error = rng.choice(_ERRORS).replace("{n}", str(_n(rng)))
        line = f"line {rng.randrange(1, 900)} of {rng.choice(('app', 'main', 'server', 'utils'))}"
        text = f"Explain this error and how to fix it ({line}):\n{error}"
        key.emit(
            t,
            text,
            90 + c.text_tokens(text),
            c.answer_tokens(rng, 550.0, 0.45, 1500),
            "atlas-2-large",
            temperature=0.2,
            max_tokens=1500,
        )


def catalog_writer(key: Key, start: float, end: float) -> None:
    """A retailer's catalogue job: one detailed description per product, around the clock."""
    rng = key.rng
    per_day = rng.uniform(2000.0, 6000.0)
    for i, t in enumerate(arrivals(rng, start, end, per_day, "flat")):
        attrs = ", ".join(rng.sample(_ATTRS, 3))
        text = (
            f"Write a detailed, engaging product description for SKU {100000 + i}: a"
            f" {rng.choice(_PRODUCTS)} ({attrs})."
        )
        key.emit(
            t,
            text,
            60 + c.text_tokens(text),
            c.answer_tokens(rng, 420.0, 0.3, 800),
            "atlas-2-mini",
            temperature=0.8,
            max_tokens=800,
        )


def quiz_builder(key: Key, start: float, end: float) -> None:
    """An ed-tech content team building practice sets in office hours."""
    rng = key.rng
    per_day = rng.uniform(400.0, 1500.0)
    for t in arrivals(rng, start, end, per_day, "office", rng.choice((-5.0, 1.0))):
        text = (
            f"Create a practice problem about {rng.choice(_TOPICS)} for grade"
            f" {rng.randint(5, 12)} (set {_n(rng)}), followed by a complete worked solution."
        )
        key.emit(
            t,
            text,
            120 + c.text_tokens(text),
            c.answer_tokens(rng, 800.0, 0.4, 2000),
            "atlas-2-large",
            temperature=0.9,
            max_tokens=2000,
        )


def seo_explainer(key: Key, start: float, end: float) -> None:
    """A content site writing beginner explainers, in a nightly-to-daily job."""
    rng = key.rng
    per_day = rng.uniform(300.0, 1200.0)
    for t in arrivals(rng, start, end, per_day, "flat"):
        text = (
            f"Write an in-depth beginner's guide explaining {rng.choice(_CONCEPTS)} for readers"
            f" in {rng.choice(('their 20s', 'retirement', 'high school', 'small business'))}"
            f" (article {_n(rng)})."
        )
        key.emit(
            t,
            text,
            150 + c.text_tokens(text),
            c.answer_tokens(rng, 1600.0, 0.35, 4096),
            "atlas-2-large",
            temperature=0.8,
            max_tokens=4096,
        )


def synthetic_intents(key: Key, start: float, end: float) -> None:
    """A data team writing training utterances for its own intent classifier."""
    rng = key.rng
    per_day = rng.uniform(800.0, 3000.0)
    for t in arrivals(rng, start, end, per_day, "flat"):
        text = (
            f"Write 25 different ways a customer of a {rng.choice(_PRODUCTS)} shop might ask"
            f" to {rng.choice(_INTENTS)}. Vary tone and length. One per line. (batch {_n(rng)})"
        )
        key.emit(
            t,
            text,
            40 + c.text_tokens(text),
            c.answer_tokens(rng, 520.0, 0.3, 1200),
            "atlas-2-mini",
            temperature=1.0,
            max_tokens=1200,
        )


def grammar_tutor(key: Key, start: float, end: float) -> None:
    """A language-learning app: 'explain the grammar of this sentence', from learners."""
    rng = key.rng
    per_day = rng.uniform(1000.0, 4000.0)
    for t in arrivals(rng, start, end, per_day, "consumer", rng.choice((1.0, -5.0))):
        sentence = rng.choice(_SENTENCES)
        text = f'Explain the grammar of this sentence in detail: "{sentence}" (lesson {_n(rng)})'
        key.emit(
            t,
            text,
            200 + c.text_tokens(text),
            c.answer_tokens(rng, 650.0, 0.4, 1500),
            "atlas-2-mini",
            temperature=0.4,
            max_tokens=1500,
        )


def background_request(key: Key, t: float, state: dict[str, float]) -> None:
    """One request of a mixed app's ordinary traffic: chat with history, dev, RAG.

    ``state`` carries the chat's conversation history between calls.
    """
    rng = key.rng
    kind = rng.random()
    if kind < 0.5:  # chat: the history comes back with every turn
        if "history" not in state or rng.random() < 0.3 or state["history"] > 6000:
            state["history"] = 200.0 + rng.random() * 300.0
        text = rng.choice(
            (
                "what should I cook tonight with {x}?",
                "rewrite this email to sound friendlier: {x}",
                "give me a name for a {x} shop",
                "is {x} a good gift for my dad?",
                "summarize this for me: {x}",
                "why is my {x} making a noise?",
            )
        ).format(x=rng.choice(_PRODUCTS))
        prompt = int(state["history"]) + c.text_tokens(text)
        answer = c.answer_tokens(rng, 220.0, 0.7, 1024)
        state["history"] = prompt + answer
        key.emit(t, text, prompt, answer, "atlas-2-mini", temperature=0.8, max_tokens=1024)
    elif kind < 0.8:  # a developer question
        text = f"how do I fix {rng.choice(_ERRORS)}".replace("{n}", str(_n(rng)))
        key.emit(
            t,
            text,
            int(lognormal(rng, 400.0, 0.9)) + c.text_tokens(text),
            c.answer_tokens(rng, 350.0, 0.6, 2048),
            "atlas-2-large",
            temperature=0.2,
            max_tokens=2048,
        )
    else:  # RAG: long retrieved context, a short answer
        text = f"According to the docs, how do I {rng.choice(_INTENTS)}?"
        key.emit(
            t,
            text,
            int(lognormal(rng, 2500.0, 0.6)),
            c.answer_tokens(rng, 150.0, 0.5, 600),
            "atlas-2-mini",
            temperature=0.1,
            max_tokens=600,
        )


#: name -> builder(key, start, end, instance index).
BENIGN: dict[str, Callable[[Key, float, float, int], None]] = {
    "homework_solver": lambda key, s, e, i: homework_solver(key, s, e, i % 2 == 0),
    "error_explainer": lambda key, s, e, i: error_explainer(key, s, e),
    "catalog_writer": lambda key, s, e, i: catalog_writer(key, s, e),
    "quiz_builder": lambda key, s, e, i: quiz_builder(key, s, e),
    "seo_explainer": lambda key, s, e, i: seo_explainer(key, s, e),
    "synthetic_intents": lambda key, s, e, i: synthetic_intents(key, s, e),
    "grammar_tutor": lambda key, s, e, i: grammar_tutor(key, s, e),
}
