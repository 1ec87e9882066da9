"""Items of the numeric and puzzle domains: word problems, competition maths, logic."""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V


def _money(rng: random.Random, lo: float, hi: float) -> str:
    return f"{rng.uniform(lo, hi):.2f}"


def math_word(topic: str, r: random.Random) -> tuple[str, int]:
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


def competition_math(topic: str, r: random.Random) -> tuple[str, int]:
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


def logic(topic: str, r: random.Random) -> tuple[str, int]:
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
