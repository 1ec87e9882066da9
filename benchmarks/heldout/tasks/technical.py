"""Items of the technical domains: coding, science, tool-using agents."""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V


def coding(topic: str, r: random.Random) -> tuple[str, int]:
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


def science(topic: str, r: random.Random) -> tuple[str, int]:
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


def agentic(topic: str, r: random.Random) -> tuple[str, int]:
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
