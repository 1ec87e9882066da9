"""Items of the professional domains: law, medicine, finance."""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V


def law(topic: str, r: random.Random) -> tuple[str, int]:
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


def medicine(topic: str, r: random.Random) -> tuple[str, int]:
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


def finance(topic: str, r: random.Random) -> tuple[str, int]:
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
