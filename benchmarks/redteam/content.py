# ruff: noqa: RUF001  (the foreign-language prompts are written in their own scripts)
"""What red-team keys ask: task items, the wording around them, and token sizes.

Everything draws from a key's own ``random.Random``. Items are parametric, so a
harvest never repeats one by accident (unless a scenario repeats on purpose).
Wordings come in the kinds the scenarios need:

* ``cue``: English asks for written-out reasoning, in the words harvesters use
  (and the detector's lexicon lists);
* ``plain``: the bare task, hard enough that the model works it out anyway, with
  no word of the lexicon (the tests check every draw against
  :mod:`detectors.lexicon`);
* ``foreign``: the task and the ask for reasoning in a language the lexicon does
  not list (Swedish, Finnish, Greek, Czech, Hungarian, Danish, Ukrainian);
* ``limit``: the ``cue`` wording plus a structured-output instruction of the
  kind distillation pipelines use (JSON with a reasoning field, or a trailing
  ``Answer:``), which the lexicon reads as an answer-constraining prompt.
"""

from __future__ import annotations

import math
import random
import zlib

__all__ = [
    "CUE_ASKS",
    "FOREIGN",
    "LIMIT_SUFFIXES",
    "ROMANIZED_ASKS",
    "answer_tokens",
    "exact_hash",
    "harvest_prompt",
    "low_hash_prompts",
    "plain_item",
    "text_tokens",
]

_CODE_TASKS = (
    "returns the k most frequent words of a text",
    "merges overlapping intervals",
    "parses an ISO 8601 duration string",
    "detects a cycle in a directed graph",
    "computes the edit distance of two strings",
    "serializes and restores a binary tree",
    "implements an LRU cache with O(1) operations",
    "finds the median of two sorted arrays",
    "checks whether a sudoku grid is valid",
    "rate-limits calls with a token bucket",
    "orders tasks so every dependency comes first",
    "evaluates a reverse Polish expression",
    "finds the shortest path in a weighted grid",
    "compresses a string with run-length coding",
    "checks that brackets in an expression are balanced",
    "builds a trie for autocomplete",
    "counts islands in a binary matrix",
    "finds the longest palindromic substring",
    "splits a log file into sessions by idle time",
    "schedules meetings into the fewest rooms",
)
_LANGS = ("Python", "Rust", "Go", "TypeScript", "Java", "C++", "Kotlin", "C#")
_REACTANTS = (
    ("methane", "carbon dioxide"),
    ("propane", "water"),
    ("glucose", "carbon dioxide"),
    ("magnesium", "magnesium oxide"),
    ("iron", "iron(III) oxide"),
    ("ethanol", "water"),
    ("aluminium", "aluminium oxide"),
    ("hydrogen", "water"),
    ("calcium carbonate", "lime"),
)
_PLACES = (
    "England",
    "New York",
    "California",
    "Germany",
    "France",
    "Ontario",
    "Australia",
    "India",
    "Singapore",
    "Delaware",
    "Japan",
    "Brazil",
)
_EVENTS = (
    "the goods arrive three weeks late",
    "the seller ships the wrong model",
    "the buyer refuses to pay the balance",
    "one party cancels by text message",
    "the contractor hires a subcontractor without consent",
    "the offer is accepted after it lapsed",
    "a minor signs the agreement",
)


def _int(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def plain_item(rng: random.Random) -> str:
    """One self-contained task, worded with no elicitation cue at all.

    >>> text = plain_item(random.Random(3))
    >>> len(text) > 40
    True
    """
    kind = rng.randrange(10)
    if kind == 0:
        a, b, c = _int(rng, 2, 9), _int(rng, 3, 40), _int(rng, 1, 30)
        return (
            f"Let f(x) = {a}x^3 - {b}x + {c}. Find every real critical point of f and"
            " decide for each whether it is a local maximum, a local minimum or neither."
        )
    if kind == 1:
        n, m, r = _int(rng, 200, 5000), _int(rng, 7, 41), _int(rng, 1, 6)
        return f"How many positive integers n <= {n} satisfy n^2 = {r} (mod {m})?"
    if kind == 2:
        red, blue, k = _int(rng, 3, 12), _int(rng, 3, 12), _int(rng, 3, 6)
        j = _int(rng, 1, k - 1)
        return (
            f"A bag holds {red} red and {blue} blue marbles. {k} marbles are drawn without"
            f" replacement. What is the probability that exactly {j} of them are red?"
        )
    if kind == 3:
        a, b = _int(rng, 5, 30), _int(rng, 5, 30)
        c = _int(rng, abs(a - b) + 1, a + b - 1)
        return (
            f"A triangle has sides {a}, {b} and {c}. Find its area, the radius of its"
            " incircle and the radius of its circumcircle."
        )
    if kind == 4:
        return (
            f"Write a {rng.choice(_LANGS)} function that {rng.choice(_CODE_TASKS)}; inputs"
            f" may hold up to {_int(rng, 10, 900)} thousand elements. State its time and"
            " memory cost and cover the edge cases with tests."
        )
    if kind == 5:
        m, deg, mu, d = (
            _int(rng, 2, 40),
            _int(rng, 15, 60),
            _int(rng, 5, 45) / 100,
            _int(rng, 2, 30),
        )
        return (
            f"A {m} kg block slides down a {deg} degree incline with a friction coefficient"
            f" of {mu}. What is its acceleration, and how fast does it move after {d} m?"
        )
    if kind == 6:
        fuel, product = rng.choice(_REACTANTS)
        g = _int(rng, 5, 500)
        return f"What mass of {product} forms when {g} g of {fuel} reacts completely?"
    if kind == 7:
        a, b, c, f = _int(rng, 60, 400), _int(rng, 1, 9), _int(rng, 5, 50), _int(rng, 100, 2000)
        return (
            f"A monopolist faces demand P = {a} - {b}Q and total cost C = {c}Q + {f}. Find"
            " the profit-maximizing price and quantity and the deadweight loss."
        )
    if kind == 8:
        return (
            f"Under the law of {rng.choice(_PLACES)}, is a contract enforceable if"
            f" {rng.choice(_EVENTS)} and the price was {_int(rng, 2, 900)} thousand dollars?"
            " Which remedies are available to each party?"
        )
    n, k = _int(rng, 5, 14), _int(rng, 2, 5)
    return (
        f"{n} people sit at a round table. In how many ways can {k} of them be chosen so"
        " that no two chosen people sit next to each other?"
    )


#: English asks for worked reasoning (every one touches the lexicon).
CUE_ASKS = (
    "Explain your reasoning step by step.",
    "Show your work and justify every step.",
    "Give a detailed derivation before the final result.",
    "Think it through carefully and explain why the result holds.",
    "Walk through the solution in detail, one step at a time.",
    "Break it down step by step and explain each intermediate result.",
)

#: Structured-output instructions that the lexicon reads as constraining the answer.
LIMIT_SUFFIXES = (
    ' Respond with a JSON object with the keys "reasoning" and "answer".',
    "\nAnswer:",
    " Return the result as JSON: put your full reasoning in a field named rationale.",
)

#: language -> (ask for worked reasoning, task templates). None of these wordings is in
#: the lexicon (tests check it); numbers and formulas are the same in every language.
#: The lexicon learned Russian, Japanese, Korean, Turkish, Vietnamese, Polish,
#: Indonesian, Dutch and Hindi after this scenario first ran (README "Findings"): the
#: languages here are ones it still lacks, so the scenario keeps measuring what it says.
FOREIGN: dict[str, tuple[str, tuple[str, ...]]] = {
    "sv": (
        "Förklara steg för steg och motivera varje led.",
        (
            "Bestäm alla reella rötter till ekvationen {a}x^2 - {b}x - {c} = 0.",
            "Hur många positiva heltal n <= {n} uppfyller n^2 = {r} (mod {m})?",
            "En påse innehåller {a} röda och {b} blå kulor. Man drar {k} kulor. Vad är"
            " sannolikheten att exakt {j} av dem är röda?",
        ),
    ),
    "fi": (
        "Selitä vaihe vaiheelta ja perustele jokainen välivaihe.",
        (
            "Määritä yhtälön {a}x^2 - {b}x - {c} = 0 kaikki reaaliset juuret.",
            "Kuinka monelle positiiviselle kokonaisluvulle n <= {n} pätee n^2 = {r} (mod {m})?",
            "Pussissa on {a} punaista ja {b} sinistä palloa. Nostetaan {k} palloa. Millä"
            " todennäköisyydellä täsmälleen {j} niistä on punaisia?",
        ),
    ),
    "el": (
        "Εξήγησε αναλυτικά, βήμα προς βήμα.",
        (
            "Βρες όλες τις πραγματικές ρίζες της εξίσωσης {a}x^2 - {b}x - {c} = 0.",
            "Πόσοι θετικοί ακέραιοι n <= {n} ικανοποιούν n^2 = {r} (mod {m});",
            "Ένα σακούλι έχει {a} κόκκινες και {b} μπλε μπάλες. Βγάζουμε {k}. Ποια είναι η"
            " πιθανότητα να είναι ακριβώς {j} κόκκινες;",
        ),
    ),
    "cs": (
        "Vysvětli podrobně krok za krokem.",
        (
            "Najdi všechny reálné kořeny rovnice {a}x^2 - {b}x - {c} = 0.",
            "Kolik kladných celých čísel n <= {n} splňuje n^2 = {r} (mod {m})?",
            "V pytli je {a} červených a {b} modrých míčků. Vytáhneme {k} míčků. Jaká je"
            " pravděpodobnost, že právě {j} z nich jsou červené?",
        ),
    ),
    "hu": (
        "Magyarázd el lépésről lépésre, részletesen.",
        (
            "Határozd meg a(z) {a}x^2 - {b}x - {c} = 0 egyenlet összes valós gyökét.",
            "Hány n <= {n} pozitív egész számra teljesül, hogy n^2 = {r} (mod {m})?",
            "Egy zsákban {a} piros és {b} kék golyó van. Kihúzunk {k} golyót. Mekkora a"
            " valószínűsége, hogy pontosan {j} piros?",
        ),
    ),
    "da": (
        "Forklar trin for trin, og begrund hvert skridt.",
        (
            "Find alle reelle rødder i ligningen {a}x^2 - {b}x - {c} = 0.",
            "Hvor mange positive heltal n <= {n} opfylder n^2 = {r} (mod {m})?",
            "En pose indeholder {a} røde og {b} blå kugler. Man trækker {k} kugler. Hvad er"
            " sandsynligheden for, at præcis {j} af dem er røde?",
        ),
    ),
    "uk": (
        "Поясни докладно, крок за кроком.",
        (
            "Знайдіть усі дійсні корені рівняння {a}x^2 - {b}x - {c} = 0.",
            "Скільки натуральних чисел n <= {n} задовольняють умову n^2 = {r} (mod {m})?",
            "У мішку {a} червоних і {b} синіх кульок, виймають {k}. Знайдіть ймовірність того,"
            " що рівно {j} з них червоні.",
        ),
    ),
}


def foreign_prompt(rng: random.Random, language: str) -> str:
    """A task and an ask for worked reasoning in ``language`` (a key of :data:`FOREIGN`)."""
    ask, templates = FOREIGN[language]
    k = _int(rng, 3, 6)
    task = rng.choice(templates).format(
        a=_int(rng, 2, 12),
        b=_int(rng, 3, 40),
        c=_int(rng, 1, 60),
        n=_int(rng, 200, 5000),
        m=_int(rng, 7, 41),
        r=_int(rng, 1, 6),
        k=k,
        j=_int(rng, 1, k - 1),
    )
    return f"{task} {ask}"


#: Asks for worked reasoning in languages the lexicon lists, written the way their
#: speakers type them in Latin letters (Hinglish, Arabizi, transliterated Russian,
#: pinyin, romaji, romanised Korean). The lexicon lists each language in its own
#: script only; the model reads these as well as the native spelling.
ROMANIZED_ASKS = (
    "Isko kadam dar kadam samjhao, aur har kadam ka kaaran bhi batao.",
    "Ishra7 el 7al khatwa b khatwa w 2oli leh kol khatwa sa7.",
    "Obyasni poshagovo i obosnuy kazhdyy shag.",
    "Qing yibu yibu de jieshi, bing shuoming mei yibu de liyou.",
    "Kotae made no kangaekata wo junban ni kuwashiku setsumei shite kudasai.",
    "Dangyebyeollo jasehi seolmyeonghae juseyo.",
)


def harvest_prompt(rng: random.Random, wording: str, language: str = "ru") -> str:
    """One harvest prompt in ``wording`` (``cue``, ``plain``, ``foreign``, ``limit``,
    ``romanized``)."""
    if wording == "plain":
        return plain_item(rng)
    if wording == "romanized":
        return f"{plain_item(rng)} {rng.choice(ROMANIZED_ASKS)}"
    if wording == "foreign":
        return foreign_prompt(rng, language)
    text = f"{plain_item(rng)} {rng.choice(CUE_ASKS)}"
    if wording == "limit":
        text += rng.choice(LIMIT_SUFFIXES)
    elif wording != "cue":
        raise ValueError(f"unknown wording {wording!r}")
    return text


def text_tokens(text: str) -> int:
    """Tokens a BPE tokenizer gives ``text``, roughly, by script.

    Latin text runs about four characters a token, Cyrillic about 2.5, CJK, Hangul
    and Devanagari about one.

    >>> text_tokens("a" * 40), text_tokens("я" * 25), text_tokens("日本語")
    (10, 10, 3)
    """
    latin = cyrillic = dense = 0
    for ch in text:
        code = ord(ch)
        if code < 0x250:
            latin += 1
        elif 0x400 <= code < 0x530:
            cyrillic += 1
        else:
            dense += 1
    return max(1, round(latin / 4 + cyrillic / 2.5 + dense * 1.0))


def answer_tokens(rng: random.Random, median: float, sigma: float, cap: int) -> int:
    """A long-tailed answer length (lognormal around ``median``), at most ``cap``."""
    return max(1, min(cap, int(median * math.exp(rng.gauss(0.0, sigma)))))


_PUNCT = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_TO_SPACE = bytes.maketrans(_PUNCT, b" " * len(_PUNCT))


def exact_hash(text: str) -> int:
    """The 32-bit hash the detector files a prompt's exact repeats under.

    An attacker reads it in the open-source ``detectors/fingerprints.py`` (lower case,
    punctuation to spaces, words joined by one space, CRC-32); the tests check that
    this copy agrees with it.

    >>> exact_hash("Hello,   WORLD!") == exact_hash("hello world")
    True
    """
    words = text.lower().encode("utf-8", "replace").translate(_TO_SPACE).split()
    return zlib.crc32(b" ".join(words))


def low_hash_prompts(stem: str, count: int, below: int = 1 << 20) -> tuple[str, ...]:
    """``count`` short prompts whose exact hash is below ``below`` (found by brute force).

    A key's repeat sketch keeps the smallest hashes it ever saw; prompts hashing lower
    than anything a harvest will send stay in it for good, and every resend of one is a
    "repeat". About ``2**32 / below`` trials per prompt (4,096 by default).

    >>> prompts = low_hash_prompts("ok", 2)
    >>> all(exact_hash(p) < 1 << 20 for p in prompts), len(set(prompts))
    (True, 2)
    """
    found: list[str] = []
    i = 0
    while len(found) < count:
        text = f"{stem} {i}"
        if exact_hash(text) < below:
            found.append(text)
        i += 1
    return tuple(found)
