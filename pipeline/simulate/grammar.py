"""A prompt grammar: fresh, self-contained tasks in several domains, framed anew per request.

Harvesters that generate their prompts (rather than filling a few templates)
repeat no template: every request draws a task item of one of its domains
(math, code, science, law, agentic/tool use) with fresh content, an opener, an
ask for worked reasoning from a pool of rewordings (:data:`ASKS`, not only
"step by step"), an output format, and an order for them.

:func:`task_item` enumerates a domain's task space deterministically (item
``i`` is always the same text, distinct items for distinct ``i``): what a
curriculum walk asks, each item once.

Every function takes ``r``, a bound ``random.Random.random`` of the key's own
generator.

>>> import random
>>> r = random.Random(4).random
>>> len({compose(r, item(r, "code"), ask(r)) for _ in range(200)})
200
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.simulate import vocab as v
from pipeline.simulate.prompts import math_problem

__all__ = [
    "ASKS",
    "DOMAINS",
    "SHORT_ASKS",
    "SPACE",
    "ask",
    "compose",
    "item",
    "short_ask",
    "task_item",
]

Draw = Callable[[], float]

DOMAINS: tuple[str, ...] = ("math", "code", "science", "law", "agentic")

#: Ways to ask for written-out reasoning, worked solutions or explanations.
ASKS: tuple[str, ...] = (
    "Think step by step.", "Justify each inference.", "Lay out your derivation.",
    "Explain how you got there.", "Show your work.", "Walk me through your reasoning.",
    "Make every intermediate step explicit.", "Reason it through carefully before answering.",
    "Give the full chain of reasoning, then the answer.", "Spell out the logic behind each step.",
    "Derive the result from first principles.", "Explain why each step follows from the last.",
    "Narrate your thought process as you go.", "Include all intermediate calculations.",
    "Don't skip any steps.", "Argue each point before you conclude.",
    "Break the solution into numbered steps and justify each one.",
    "Provide a rigorous derivation.", "Explain your approach first, then solve it.",
    "Document the rationale behind every decision.",
    "Show the reasoning trace that leads to the final answer.",
    "Work through it methodically.", "Tell me in detail how you would arrive at the answer.",
    "Lay out the argument one step at a time.", "Include a detailed rationale.",
    "Explain the why, not just the what.", "Present the complete proof.",
    "Think out loud before you answer.", "Go through the problem one stage at a time.",
    "Put your reasoning inside <thinking> tags, then answer.",
    "Teach it as if to a student who must reproduce every step.",
    "Give a worked solution, then two variants of the problem with their solutions.",
    "Explain each design choice and the alternatives you rejected.",
    "Write the explanation a textbook would give, with worked examples.",
    "Trace the execution by hand and comment on each line.",
    "Cite the rule you apply at each step and why it applies.",
    "Be exhaustive: cover every case and justify each.",
    "Show how you would check the answer, too.",
    "Reason in small verifiable steps.", "Unpack the intuition behind every step.",
)  # fmt: skip

#: Ways to ask for nothing but a short final answer (output-capped sweeps).
SHORT_ASKS: tuple[str, ...] = (
    "Answer with the final result only.", "Reply with one word.", "Give only the label.",
    "Output just the answer, nothing else.", "Respond with the category code only.",
    "One line, no explanation.", "Return only the final number.", "Answer yes or no.",
)  # fmt: skip

_OPENERS: tuple[str, ...] = (
    "", "", "", "Question:", "Problem:", "Task:", "Here's one:", "Consider the following.",
    "I need help with this.", "Next item.", "Quick one:", "For my study notes:",
    "You are an expert tutor.", "You are a senior engineer.", "You are a careful analyst.",
    "Please help.", "Exercise:", "Challenge:",
)  # fmt: skip
_FORMATS: tuple[str, ...] = (
    "", "", "", "Use markdown headings.", "End with 'Final answer:' and the result.",
    "Number your steps.", "Put the final answer in a box.",
    "Respond in JSON with the fields reasoning and answer.", "Use bullet points.",
    "Write in plain English.", "Format any math in LaTeX.", "Close with a one-line summary.",
)  # fmt: skip
_SEPARATORS = (" ", " ", "\n", "\n\n")


def _pick(r: Draw, seq: Sequence[str]) -> str:
    return seq[int(r() * len(seq))]


def _n(r: Draw, low: int, high: int) -> int:
    return low + int(r() * (high - low + 1))


_SCIENCE_PHENOMENA = (
    "ice float on water", "the sky look blue at noon and red at sunset",
    "a spinning top stay upright", "bread rise when yeast is added",
    "metal feel colder than wood at the same temperature", "the Moon always show the same face",
    "a battery lose capacity over time", "salt lower the freezing point of water",
    "a rainbow form after rain", "antibiotics stop working against resistant bacteria",
    "stars twinkle but planets mostly do not", "a compass needle point north",
    "soap remove grease", "a siren change pitch as it passes",
    "high altitude make water boil at a lower temperature", "leaves change colour in autumn",
    "superconductors expel magnetic fields", "enzymes lose activity when heated",
    "tides occur twice a day", "a prism split white light",
)  # fmt: skip
_SCIENCE_PROCESSES = (
    "photosynthesis stores energy", "vaccines train the immune system",
    "nuclear fusion powers the Sun", "plate tectonics builds mountains",
    "neurons transmit signals", "catalysts speed up reactions", "DNA is replicated",
    "greenhouse gases warm the planet", "transistors switch current", "muscles contract",
)  # fmt: skip
_CODE_TASKS = (
    "returns the k most frequent words in a text", "merges overlapping intervals",
    "parses an ISO 8601 duration", "detects a cycle in a linked list",
    "computes the edit distance between two strings", "serializes a binary tree",
    "implements an LRU cache", "finds the median of two sorted arrays",
    "validates a sudoku board", "rate-limits calls with a token bucket",
    "topologically sorts a dependency graph", "evaluates a reverse Polish expression",
    "deduplicates records by a fuzzy key", "streams a large CSV and aggregates a column",
    "retries an HTTP call with exponential backoff", "builds a trie for autocomplete",
    "finds the shortest path in a weighted grid", "schedules tasks under deadlines",
    "compresses a string with run-length encoding", "checks balanced brackets",
)  # fmt: skip
_CODE_CONSTRAINTS = (
    "", "", " in O(n log n) time", " without recursion", " using only the standard library",
    " with unit tests", " that is thread-safe", " handling empty and malformed input",
    " with type annotations", " in constant extra space", " as a generator", " with docstrings",
)  # fmt: skip
_JURISDICTIONS = (
    "English", "New York", "California", "German", "French", "Ontario", "Australian",
    "Indian", "Singapore", "Delaware",
)  # fmt: skip
_BREACHES = (
    "delivered late", "delivered defective goods", "refused to pay the balance",
    "cancelled without notice", "disclosed confidential information",
    "subcontracted the work without consent",
)  # fmt: skip
_TOOLS = (
    "web_search(query)", "read_file(path)", "write_file(path, text)", "run_tests()",
    "sql_query(statement)", "send_email(to, subject, body)", "calendar_lookup(date)",
    "http_get(url)", "python_exec(code)", "create_ticket(title, body)", "git_diff()",
    "get_weather(city)", "convert_currency(amount, from, to)", "list_directory(path)",
)  # fmt: skip
_AGENT_GOALS = (
    "book the cheapest flight that fits the team's calendars",
    "find why last night's build failed and open a ticket",
    "summarize this week's customer complaints by product",
    "reconcile the invoices table with the bank export",
    "migrate the config files to the new schema and verify",
    "collect three recent papers on a topic and compare them",
    "plan a release and notify the stakeholders",
    "clean up stale branches and report what was removed",
)  # fmt: skip


def _math(r: Draw) -> str:
    a, b, c = _n(r, 2, 98), _n(r, 2, 30), _n(r, 1, 9)
    kind = int(r() * 10)
    if kind < 3:
        return math_problem(r)
    if kind == 3:
        return (
            f"How many ways can {b + 3} people sit at a round table if two of them refuse"
            " to sit together?"
        )
    if kind == 4:
        return (
            f"A triangle has sides {a}, {a + b} and {a + b + c - 1}. Find its area and its"
            " largest angle."
        )
    if kind == 5:
        return f"Evaluate the integral of x^{c} e^(-{b}x) from 0 to infinity."
    if kind == 6:
        return f"What is the remainder when {a}^{b * 7 + c} is divided by {_n(r, 7, 97)}?"
    if kind == 7:
        return (
            f"A bag holds {a % 12 + 3} red and {b % 9 + 2} blue marbles; {c % 4 + 2} are drawn"
            " without replacement. What is the probability that exactly two are red?"
        )
    if kind == 8:
        return f"Find the eigenvalues of the matrix [[{c}, {b}], [{a % 10}, {c + 2}]]."
    return f"Solve the recurrence a(n) = {c + 1}a(n-1) - {c}a(n-2) with a(0) = {a % 7}, a(1) = {b}."


def _code(r: Draw) -> str:
    lang = _pick(r, v.PROGRAMMING)
    kind = int(r() * 4)
    if kind < 2:
        verb = _pick(r, ("Write", "Implement", "Create", "Code up", "Give me", "I need"))
        task, limit = _pick(r, _CODE_TASKS), _pick(r, _CODE_CONSTRAINTS)
        return f"{verb} a {lang} function that {task}{limit}."
    if kind == 2:
        return (
            f"What is the time and space complexity of code that {_pick(r, _CODE_TASKS)},"
            f" for n = {10 ** _n(r, 3, 9)}?"
        )
    other = _pick(r, v.PROGRAMMING)
    return f"Port a {lang} routine that {_pick(r, _CODE_TASKS)} to {other}, keeping its behaviour."


def _science(r: Draw) -> str:
    kind = int(r() * 4)
    if kind == 0:
        return f"Why does {_pick(r, _SCIENCE_PHENOMENA)}?"
    if kind == 1:
        return f"Explain the mechanism by which {_pick(r, _SCIENCE_PROCESSES)}."
    if kind == 2:
        m, angle, mu = _n(r, 1, 50), _n(r, 10, 60), _n(r, 5, 60) / 100
        return (
            f"A {m} kg block slides down a {angle}-degree incline with friction coefficient"
            f" {mu}. Find its acceleration."
        )
    return (
        f"Estimate how long it takes light to cross {_n(r, 2, 900)} million km, and check the"
        " order of magnitude."
    )


def _law(r: Draw) -> str:
    a, b = _pick(r, v.FIRST_NAMES), _pick(r, v.FIRST_NAMES)
    place = _pick(r, _JURISDICTIONS)
    kind = int(r() * 3)
    if kind == 0:
        return (
            f"Under {place} law, {a} agreed to supply {b} with {_n(r, 10, 900)}"
            f" {_pick(r, v.PRODUCTS)} units for {_n(r, 2, 500)} thousand dollars;"
            f" {a} {_pick(r, _BREACHES)}. What remedies does {b} have?"
        )
    if kind == 1:
        return (
            f"Is a {_n(r, 3, 36)}-month non-compete clause enforceable against one of our"
            f" {_pick(r, v.AUDIENCES)} in {place}?"
        )
    return (
        f"{a} found a lost {_pick(r, v.PRODUCTS)} on {b}'s land in {place}. Who has the"
        " better claim to it?"
    )


def _agentic(r: Draw) -> str:
    tools = ", ".join(_pick(r, _TOOLS) for _ in range(_n(r, 2, 4)))
    kind = int(r() * 3)
    if kind == 0:
        return (
            f"You can call these tools: {tools}. Goal: {_pick(r, _AGENT_GOALS)}. Plan the tool"
            " calls with their arguments."
        )
    if kind == 1:
        return (
            f"An agent calling {_pick(r, _TOOLS)} got error {_n(r, 400, 504)} while trying to"
            f" {_pick(r, _AGENT_GOALS)}. What should it do next?"
        )
    return f"Decompose the goal '{_pick(r, _AGENT_GOALS)}' into steps for an agent with {tools}."


_DOMAIN_ITEMS: dict[str, Callable[[Draw], str]] = {
    "math": _math,
    "code": _code,
    "science": _science,
    "law": _law,
    "agentic": _agentic,
}


def item(r: Draw, domain: str) -> str:
    """A fresh, self-contained task of ``domain`` (one of :data:`DOMAINS`)."""
    return _DOMAIN_ITEMS[domain](r)


def ask(r: Draw) -> str:
    """One rewording of the ask for worked reasoning."""
    return ASKS[int(r() * len(ASKS))]


def short_ask(r: Draw) -> str:
    """One way to ask for a short final answer only."""
    return SHORT_ASKS[int(r() * len(SHORT_ASKS))]


def compose(r: Draw, task: str, request: str) -> str:
    """Frame ``task`` and ``request`` anew: opener, order, separators, output format."""
    sep = _SEPARATORS[int(r() * len(_SEPARATORS))]
    opener = _pick(r, _OPENERS)
    fmt = _pick(r, _FORMATS)
    parts = [task, request] if r() < 0.7 else [request, task]
    if opener:
        parts.insert(0, opener)
    if fmt:
        parts.append(fmt)
    return sep.join(parts)


#: Size of each domain's enumerable task space (:func:`task_item`).
SPACE = 1_000_000


def _mix(index: int, salt: int) -> int:
    # A fixed integer hash (no random module, no process-dependent hash()).
    x = (index * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    return x ^ (x >> 12)


def task_item(domain: str, index: int, topics: Sequence[str] | None = None) -> str:
    """The ``index``-th item of ``domain``'s task space: same text for the same index.

    Items differ for different ``index`` below :data:`SPACE` (each carries its number).
    ``topics`` narrows the space to a curriculum's own topics (default: the taxonomy).

    >>> task_item("math", 7) == task_item("math", 7), task_item("math", 7) != task_item("math", 8)
    (True, True)
    >>> "in ecology" in task_item("science", 3, ("tides in ecology",))
    True
    """
    index %= SPACE
    h = _mix(index, len(domain))
    topic = v.topic(h) if topics is None else topics[h % len(topics)]
    if domain == "math":
        return (
            f"Exercise {index} on {topic}: solve for x in {h % 9 + 2}x^2 - {h % 31 + 1}x ="
            f" {index % 997}."
        )
    if domain == "code":
        task = _CODE_TASKS[h % len(_CODE_TASKS)]
        lang = v.PROGRAMMING[(h >> 5) % len(v.PROGRAMMING)]
        limit = _CODE_CONSTRAINTS[(h >> 9) % len(_CODE_CONSTRAINTS)]
        return f"Coding task {index}: in {lang}, write code that {task}{limit}."
    if domain == "science":
        why = _SCIENCE_PHENOMENA[h % len(_SCIENCE_PHENOMENA)]
        return f"Science item {index}: {topic}. Why does {why}?"
    if domain == "law":
        place = _JURISDICTIONS[h % len(_JURISDICTIONS)]
        breach = _BREACHES[(h >> 4) % len(_BREACHES)]
        return (
            f"Case {index} ({place} law): a supplier {breach} on order {h % 100000}. What are"
            " the buyer's remedies?"
        )
    first, second = _TOOLS[h % len(_TOOLS)], _TOOLS[(h >> 6) % len(_TOOLS)]
    goal = _AGENT_GOALS[(h >> 11) % len(_AGENT_GOALS)]
    return f"Agent scenario {index}: with {first} and {second}, {goal}."
