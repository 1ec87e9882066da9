"""Task spaces: generators of self-contained task items in many domains.

An item is the content of a request without any ask for reasoning: a word
problem, a coding task, a clinical vignette, a text to classify... Each domain
has topics; ``make_item(domain, topic, rng)`` draws one item, and
:class:`TaskSpace` numbers a space of items so that a walker can ask each
exactly once (``space.item(i)`` is a pure function of the space seed and ``i``).

>>> space = TaskSpace(("competition_math",), seed="s")
>>> space.item(3) == space.item(3), space.item(3) != space.item(4)
(True, True)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.heldout import vocab as V


@dataclass(frozen=True, slots=True)
class Item:
    """One task item: its domain, topic, text and how long a full answer runs.

    ``depth`` is the typical size, in tokens, of a complete worked answer.
    """

    domain: str
    topic: str
    text: str
    depth: int


def _money(rng: random.Random, lo: float, hi: float) -> str:
    return f"{rng.uniform(lo, hi):.2f}"


def _math_word(topic: str, r: random.Random) -> tuple[str, int]:
    a, b = r.sample(V.NAMES, 2)
    one, many = r.choice(V.COUNTABLES)
    n, m = r.randint(3, 40), r.randint(2, 12)
    if topic == "change":
        p = _money(r, 0.5, 9)
        return (
            f"{a} buys {n} {many} at {r.choice(V.PLACES)} for ${p} each and pays with a "
            f"${r.choice((50, 100, 200))} note. How much change does {a} get?",
            350,
        )
    if topic == "rates":
        return (
            f"{a} can paint a fence in {m} hours and {b} can paint it in {m + r.randint(1, 9)} "
            f"hours. Working together, how long do they take?",
            450,
        )
    if topic == "percent":
        return (
            f"A {one} costs ${_money(r, 10, 300)}. It is discounted by {r.randint(5, 45)}% "
            f"and then taxed at {r.randint(3, 21)}%. What is the final price?",
            400,
        )
    if topic == "ratio":
        return (
            f"{a} and {b} share {n * m} {many} in the ratio {r.randint(1, 5)}:{r.randint(2, 7)}. "
            f"How many more does the larger share contain?",
            380,
        )
    if topic == "ages":
        k = r.randint(2, 5)
        return (
            f"{a} is {k} times as old as {b}. In {m} years {a} will be {k - 1} times as old. "
            f"How old is each now?",
            500,
        )
    if topic == "geometry":
        return (
            f"A rectangular garden is {n} m long and {m + 3} m wide with a path "
            f"{r.randint(1, 3)} m "
            f"wide all around it. What is the area of the path?",
            420,
        )
    if topic == "speed":
        return (
            f"A train leaves {r.choice(V.CITIES)} at {r.randint(40, 120)} km/h; another leaves "
            f"{r.choice(V.CITIES)}, {r.randint(150, 900)} km away, {r.randint(10, 90)} minutes "
            "later "
            f"at {r.randint(40, 120)} km/h towards it. When do they meet?",
            550,
        )
    if topic == "averages":
        scores = ", ".join(str(r.randint(40, 100)) for _ in range(r.randint(4, 7)))
        return (
            f"{a}'s test scores are {scores}. What score is needed on the next test to raise "
            f"the average to {r.randint(70, 95)}?",
            380,
        )
    if topic == "interest":
        return (
            f"${r.randint(500, 20000)} is invested at {r.uniform(1, 9):.1f}% per year compounded "
            f"{r.choice(('monthly', 'quarterly', 'annually'))}. What is it worth after {m} years?",
            450,
        )
    return (
        f"{a} packs {n * m + r.randint(1, m - 1)} {many} into boxes of {m}. How many full boxes "
        f"are there and how many {many} are left over?",
        300,
    )


def _competition(topic: str, r: random.Random) -> tuple[str, int]:
    if topic == "number_theory":
        kind = r.randrange(3)
        if kind == 0:
            return (
                f"Find the remainder when {r.randint(2, 19)}^{r.randint(50, 2025)} is divided by "
                f"{r.choice((7, 11, 13, 17, 19, 23, 100, 1000))}.",
                900,
            )
        if kind == 1:
            return (
                f"How many positive integers n <= {r.randint(100, 5000)} make n^2 + "
                f"{r.randint(1, 30)}n "
                f"divisible by {r.randint(3, 15)}?",
                1100,
            )
        return (
            f"Find all pairs of positive integers (x, y) with {r.randint(2, 9)}x + "
            f"{r.randint(2, 13)}y "
            f"= {r.randint(40, 400)} and gcd(x, y) = 1.",
            1200,
        )
    if topic == "combinatorics":
        k = r.randint(4, 9)
        kind = r.randrange(3)
        if kind == 0:
            return (
                f"In how many ways can {k} people sit around a round table if two particular "
                "people "
                f"refuse to sit next to each other?",
                800,
            )
        if kind == 1:
            return (
                f"How many lattice paths go from (0,0) to ({k},{k + r.randint(0, 4)}) using "
                "unit steps "
                "right and up while never passing through "
                f"({r.randint(1, k - 1)},{r.randint(1, k - 1)})?",
                900,
            )
        return (
            f"A committee of {r.randint(3, 5)} is chosen from {k + 3} women and {k} men with at "
            "least "
            f"{r.randint(1, 2)} of each. How many committees are possible?",
            800,
        )
    if topic == "algebra":
        c = [r.randint(-9, 9) for _ in range(3)]
        return (
            f"Let f(x) = x^3 + ({c[0]})x^2 + ({c[1]})x + ({c[2]}). Find the sum of the squares of "
            f"the roots of f.",
            900,
        )
    if topic == "geometry":
        a = r.randint(5, 20)
        b = r.randint(a, a + 10)
        side = r.randint(b - a + 1, a + b - 1)
        return (
            f"A triangle has sides {a}, {b} and {side}. Find its area and the radius of its "
            f"inscribed circle.",
            1000,
        )
    if topic == "probability":
        return (
            f"{r.randint(2, 4)} fair dice are rolled. What is the probability that the sum is "
            f"{r.choice(('prime', 'a multiple of 4', 'at least 10', 'exactly 9'))}?",
            900,
        )
    if topic == "inequalities":
        return (
            f"For positive reals a, b, c with a + b + c = {r.randint(1, 9)}, find the minimum of "
            f"{r.choice(('1/a + 1/b + 1/c', 'a^2 + b^2 + c^2', 'a/b + b/c + c/a'))} and prove it.",
            1300,
        )
    return (
        f"A sequence has a_1 = {r.randint(1, 9)} and a_(n+1) = {r.randint(2, 5)}a_n - "
        f"{r.randint(1, 9)}. "
        f"Find a closed form and a_{r.randint(10, 40)}.",
        1000,
    )


def _coding(topic: str, r: random.Random) -> tuple[str, int]:
    lang = r.choice(V.PROGRAMMING_LANGUAGES)
    name, what = r.choice(V.CODE_BEHAVIOURS)
    if topic == "implement":
        return (
            f"Write a {lang} function `{name}` that {what}, {r.choice(V.CODE_CONSTRAINTS)}.",
            900,
        )
    if topic == "debug":
        return (
            f"This code has a bug:\n```\n{r.choice(V.BUGGY_SNIPPETS)}\n```\nFind and fix it.",
            600,
        )
    if topic == "complexity":
        return (
            f"What is the time and space complexity of a typical {lang} implementation that "
            f"{what}? "
            f"Can it be improved?",
            700,
        )
    if topic == "translate":
        other = r.choice(V.PROGRAMMING_LANGUAGES)
        return (f"Port a {lang} routine that {what} to idiomatic {other}.", 800)
    if topic == "tests":
        return (f"Design a test suite for a {lang} function `{name}` that {what}.", 800)
    return (
        f"Design the module layout for a {lang} service where one component {what}; "
        f"discuss trade-offs.",
        1100,
    )


def _science(topic: str, r: random.Random) -> tuple[str, int]:
    fact = r.choice(V.SCIENCE_TOPICS)
    if topic == "why":
        opener = r.choice(
            ("Why is it that", "What explains the fact that", "How come", "Explain why")
        )
        return (f"{opener} {fact}?", 600)
    if topic == "audience":
        return (f"Explain to {r.choice(V.AUDIENCES)} why {fact}.", 550)
    if topic == "compare":
        a, b = r.sample(V.SCIENCE_FIELDS, 2)
        return (f"How do ideas from {a} and {b} each account for the fact that {fact}?", 850)
    return (f"Design a simple experiment showing that {fact}, and predict the measurements.", 800)


def _law(topic: str, r: random.Random) -> tuple[str, int]:
    j = r.choice(V.JURISDICTIONS)
    who, other = r.sample(V.LEGAL_PARTIES, 2)
    event = r.choice(V.LEGAL_EVENTS)
    if topic == "claim":
        return (
            f"In {j}, {who} had an agreement with {other}, and {event}. Can {who} claim "
            f"{r.choice(V.LEGAL_ASKS)}?",
            900,
        )
    if topic == "defence":
        return (
            f"{other.capitalize()} in {j} is sued because {event}. What defences are available?",
            900,
        )
    return (f"Under the law of {j}, what must {who} prove when {event}?", 800)


def _a(age: int) -> str:
    return "An" if age in (8, 11, 18) or 80 <= age <= 89 else "A"


def _medicine(topic: str, r: random.Random) -> tuple[str, int]:
    age = r.randint(4, 88)
    sex = r.choice(("man", "woman"))
    s1, s2 = r.sample(V.SYMPTOMS, 2)
    f = r.choice(V.FINDINGS)
    if topic == "diagnosis":
        return (
            f"{_a(age)} {age}-year-old {sex} presents with {s1} and {s2}; examination shows {f}. "
            f"What is the most likely diagnosis and the differential?",
            900,
        )
    if topic == "management":
        return (
            f"{_a(age)} {age}-year-old {sex} with {s1} has {f}. Outline the next steps in "
            "management.",
            850,
        )
    return (f"What mechanisms link {s1} with {f}?", 700)


def _finance(topic: str, r: random.Random) -> tuple[str, int]:
    if topic == "calc":
        kind = r.randrange(3)
        if kind == 0:
            flows = ", ".join(str(r.randint(-50, 120) * 1000) for _ in range(r.randint(3, 6)))
            return (
                f"A project costs {r.randint(80, 400) * 1000} today and returns {flows} in the "
                "following "
                f"years. At a {r.randint(3, 14)}% discount rate, what is the NPV and the IRR?",
                900,
            )
        if kind == 1:
            return (
                f"What is the monthly payment on a {r.randint(10, 35)}-year loan of "
                f"{r.randint(50, 900) * 1000} at {r.uniform(2, 9):.2f}% fixed?",
                700,
            )
        return (
            f"Revenue grew from {r.randint(5, 60)}M to {r.randint(61, 400)}M over "
            f"{r.randint(3, 9)} "
            f"years. What was the compound annual growth rate?",
            600,
        )
    return (f"Explain {r.choice(V.FINANCE_TOPICS)} with a worked numerical example.", 800)


def _agentic(topic: str, r: random.Random) -> tuple[str, int]:
    tools = r.sample(V.TOOLS, r.randint(3, 7))
    listing = "\n".join(f"- {n}({sig})" for n, sig in tools)
    goal = r.choice(V.AGENT_GOALS).format(
        city=r.choice(V.CITIES),
        city2=r.choice(V.CITIES),
        name=r.choice(V.NAMES),
        name2=r.choice(V.NAMES),
        order=f"#{r.randint(10000, 99999)}",
        field=r.choice(V.SCIENCE_FIELDS),
        currency=r.choice(V.CURRENCIES),
        budget=f"${r.randint(3, 20) * 100}",
    )
    if topic == "with_observation":
        name = tools[0][0]
        page = f"page {r.randint(1, 5)} of {r.randint(5, 9)}"
        obs = f'{{"status": "ok", "items": {r.randint(0, 12)}, "note": "{page}"}}'
        return (
            f"Tools available:\n{listing}\n\nGoal: {goal}\n\nPrevious call: {name}(...) "
            f"returned {obs}\n"
            f"Decide the next calls.",
            1400,
        )
    return (f"Tools available:\n{listing}\n\nGoal: {goal}", 1600)


def _creative(topic: str, r: random.Random) -> tuple[str, int]:
    form = r.choice(V.CREATIVE_FORMS)
    return (
        f"Write a {form} about {r.choice(V.CREATIVE_SUBJECTS)} in the style of "
        f"{r.choice(V.CREATIVE_STYLES)}.",
        700 if topic == "short" else 1500,
    )


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


def _translation(topic: str, r: random.Random) -> tuple[str, int]:
    n = 1 if topic == "sentence" else r.randint(2, 5)
    text = " ".join(sentence(r) for _ in range(n))
    return (f"Translate into {r.choice(V.LANGUAGES)}: {text}", 60 * n + 40)


def _classification(topic: str, r: random.Random) -> tuple[str, int]:
    if topic == "sentiment":
        return (f"Review: {review(r)[0]}", 5)
    if topic == "intent":
        issue = r.choice(V.SUPPORT_ISSUES).replace("{code}", str(r.randint(10, 99)))
        return (f"Customer message: {r.choice(V.SUPPORT_PRODUCTS)} {issue}", 5)
    return (f"Headline: {document(r, 1)}", 5)


def _summarization(topic: str, r: random.Random) -> tuple[str, int]:
    subject = r.choice(V.DOC_SUBJECTS)
    return (f"Summarise this {subject}:\n{document(r, r.randint(4, 9))}", 300)


def _support(topic: str, r: random.Random) -> tuple[str, int]:
    issue = r.choice(V.SUPPORT_ISSUES).replace("{code}", str(r.randint(10, 99)))
    return (
        f"A customer writes: '{r.choice(V.SUPPORT_PRODUCTS)} {issue}'. Draft the ideal reply.",
        400,
    )


def _logic(topic: str, r: random.Random) -> tuple[str, int]:
    if topic == "knights":
        a, b, c = r.sample(V.NAMES, 3)
        return (
            f"On an island every person is a knight (always truthful) or a knave (always lying). "
            f"{a} says '{b} is a knave.' {b} says '{a} and {c} are of the same kind.' {c} says "
            f"'{r.choice((a, b))} is a knight.' Who is what?",
            900,
        )
    if topic == "scheduling":
        people = r.sample(V.NAMES, r.randint(4, 6))
        return (
            f"{', '.join(people)} must each present on a different day Monday to "
            f"{r.choice(('Friday', 'Saturday'))}. {people[0]} presents before {people[1]}; "
            f"{people[2]} "
            f"not on Monday; {people[3]} immediately after {people[0]}. List all valid orders.",
            1000,
        )
    return (
        f"You have {r.randint(3, 12)} coins, one counterfeit and lighter. What is the fewest "
        f"weighings on a balance that always finds it, and how?",
        800,
    )


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
        _math_word,
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
        _competition,
    ),
    "coding": (("implement", "debug", "complexity", "translate", "tests", "design"), _coding),
    "science": (("why", "audience", "compare", "experiment"), _science),
    "law": (("claim", "defence", "burden"), _law),
    "medicine": (("diagnosis", "management", "mechanism"), _medicine),
    "finance": (("calc", "concept"), _finance),
    "agentic": (("plan", "with_observation"), _agentic),
    "creative": (("short", "long"), _creative),
    "translation": (("sentence", "paragraph"), _translation),
    "classification": (("sentiment", "intent", "news"), _classification),
    "summarization": (("document",), _summarization),
    "support": (("reply",), _support),
    "logic": (("knights", "scheduling", "weighing"), _logic),
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
