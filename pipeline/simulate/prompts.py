"""Prompt-text builders, one per kind of traffic.

Every builder takes ``r``, a bound ``random.Random.random`` of the key's own
generator, and draws with ``seq[int(r() * len(seq))]`` (a third of the cost of
``rng.choice``). Benign builders are deliberately close to extraction on one
axis each: tutoring asks for step-by-step explanations, eval harnesses sweep a
topic taxonomy with "think step by step", classifiers use one template.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.simulate import vocab as v

__all__ = [
    "EXTRACTION_TEMPLATES",
    "PUBLIC_BENCHMARK_TEMPLATE",
    "agent_turn",
    "capped_classification",
    "chat_message",
    "classifier_input",
    "dev_question",
    "eval_item",
    "extraction",
    "longform_request",
    "math_problem",
    "paraphrase",
    "rag_question",
    "translation_request",
    "tutoring_request",
]

Draw = Callable[[], float]


def _pick(r: Draw, seq: Sequence[str]) -> str:
    return seq[int(r() * len(seq))]


def math_problem(r: Draw) -> str:
    """A school word problem with fresh numbers (tutoring apps and harvesters both use these)."""
    a, b, c = 2 + int(r() * 97), 2 + int(r() * 29), 1 + int(r() * 9)
    kind = int(r() * 5)
    if kind == 0:
        return f"A tank holds {a * 10} liters and drains {b} liters per minute. When is it empty?"
    if kind == 1:
        return f"Solve for x: {c}x + {a} = {b * c + a + 3}"
    if kind == 2:
        return f"A train travels {a * 3} km in {c + 1} hours. What is its average speed in m/s?"
    if kind == 3:
        return f"Find the derivative of f(x) = {c}x^{b % 5 + 2} - {a}x + {b}"
    return f"What is the probability of rolling a sum of {b % 11 + 2} with two fair dice?"


_SNIPPETS = (
    "for i in range(n): total += xs[i]",
    "await Promise.all(items.map(f))",
    "SELECT * FROM orders WHERE id IN (SELECT ...)",
    "if err != nil { return err }",
)
_DEV: tuple[Callable[[Draw], str], ...] = (
    lambda r: f"why does {_pick(r, v.TECH_TERMS)} happen in my {_pick(r, v.PROGRAMMING)} code?",
    lambda r: f"how do I fix {_pick(r, v.TECH_TERMS)}? using {_pick(r, v.PROGRAMMING)}",
    lambda r: f"write a {_pick(r, v.PROGRAMMING)} function that handles {_pick(r, v.TECH_TERMS)}",
    lambda r: (
        f"what's the idiomatic way to handle {_pick(r, v.TECH_TERMS)} in {_pick(r, v.PROGRAMMING)}"
    ),
    lambda r: f"getting error E{int(r() * 9000) + 1000} with {_pick(r, v.TECH_TERMS)}, any idea?",
    lambda r: f"explain {_pick(r, v.TECH_TERMS)} like I'm new to {_pick(r, v.PROGRAMMING)}",
    lambda r: f"refactor this to avoid {_pick(r, v.TECH_TERMS)}: ```{_pick(r, _SNIPPETS)}```",
)


def dev_question(r: Draw) -> str:
    """A developer trying things out: varied, technical, sometimes pasted code."""
    return _DEV[int(r() * len(_DEV))](r)


_CHAT: tuple[Callable[[Draw], str], ...] = (
    lambda r: f"what should I cook tonight with {_pick(r, v.FOODS)} leftovers?",
    lambda r: f"help me write a birthday message for {_pick(r, v.FIRST_NAMES)}",
    lambda r: f"is it worth visiting {_pick(r, v.CITIES)} in winter?",
    lambda r: f"my {_pick(r, v.PRODUCTS)} stopped working, what can I try?",
    lambda r: f"can you summarize the plot of a mystery novel set in {_pick(r, v.CITIES)}?",
    lambda r: f"give me a {2 + int(r() * 6)} day itinerary for {_pick(r, v.CITIES)}",
    lambda r: (
        f"how do I tell {_pick(r, v.FIRST_NAMES)} I can't make it on Saturday without sounding rude"
    ),
    lambda r: f"what's a healthy version of {_pick(r, v.FOODS)}?",
    lambda r: f"compare two {_pick(r, v.PRODUCTS)} options under {10 + int(r() * 490)} dollars",
    lambda r: f"tell me a joke about {_pick(r, v.PRODUCTS)}",
    lambda r: f"I have {5 + int(r() * 55)} minutes, suggest a workout",
    lambda r: "rewrite this to sound more polite: can you send the report already",
    lambda r: f"what does {_pick(r, v.TECH_TERMS)} mean in simple words?",
    lambda r: f"plan a budget for a trip to {_pick(r, v.CITIES)} for {1 + int(r() * 6)} people",
)


def chat_message(r: Draw) -> str:
    """An end user of a consumer chat app: diverse everyday requests."""
    text = _CHAT[int(r() * len(_CHAT))](r)
    if r() < 0.3:
        text = f"{_pick(r, v.FILLERS)} {text}"
    return text


_CLASSIFIER_TEMPLATES = (
    "Classify the sentiment of this review as positive, negative or neutral.\nReview: {x}",
    "Label the support ticket with one of: billing, bug, feature, account, other.\nTicket: {x}",
    "Is the following message spam? Answer yes or no.\nMessage: {x}",
    "Extract the product category (one word).\nText: {x}",
)


def classifier_input(r: Draw, template: int) -> str:
    """One fixed template per key; only the input text varies (a customer review or ticket)."""
    name = _pick(r, v.FIRST_NAMES)
    x = (
        f"the {_pick(r, v.PRODUCTS)} is {_pick(r, v.PRODUCT_ADJECTIVES)}, "
        f"{_pick(r, v.PRODUCT_ADJECTIVES)} after {1 + int(r() * 30)} days. - {name}"
    )
    return _CLASSIFIER_TEMPLATES[template % len(_CLASSIFIER_TEMPLATES)].format(x=x)


#: The popular public benchmark many unrelated customers run (a campaign look-alike).
PUBLIC_BENCHMARK_TEMPLATE = (
    "The following is a multiple choice question about {t}.\n\n{q}\nA) {a}\nB) {b}\nC) {c}\n"
    "D) {d}\nAnswer:"
)


def eval_item(r: Draw, index: int, template: str, cot: bool) -> str:
    """An eval harness's next item: a sweep over the topic taxonomy in order.

    Examples
    --------
    >>> import random
    >>> text = eval_item(random.Random(1).random, 0, PUBLIC_BENCHMARK_TEMPLATE, cot=True)
    >>> text.startswith("The following is a multiple choice question about core definitions")
    True
    >>> text.endswith("Let's think step by step.")
    True
    """
    a = 1 + index % 47  # a benchmark item is fixed: every harness sends the same text
    text = template.format(
        t=v.topic(index),
        q=f"Which statement about item {index} is correct?",
        a=f"{a}",
        b=f"{a * 2}",
        c=f"{a + 7}",
        d="none of the above",
    )
    return f"{text} Let's think step by step." if cot else text


_TUTOR: tuple[Callable[[Draw], str], ...] = (
    lambda r: f"can you explain step by step how to solve this? {math_problem(r)}",
    lambda r: (
        f"I'm in grade {6 + int(r() * 7)} and stuck: {math_problem(r)} please walk me through it"
    ),
    lambda r: f"explain the steps for this problem, don't just give the answer: {math_problem(r)}",
    lambda r: f"{math_problem(r)} I got a different answer than the book, where did I go wrong?",
    lambda r: f"why does this work? {math_problem(r)}",
)


def tutoring_request(r: Draw) -> str:
    """A student asking for a step-by-step explanation (a benign reasoning request)."""
    return _TUTOR[int(r() * len(_TUTOR))](r)


_LONGFORM = (
    "Write a {w}-word blog article about {t} for {a}.",
    "Write an SEO-optimized article about {t} aimed at {a}. Length: about {w} words.",
    "Draft a newsletter section ({w} words) on {t} for {a}.",
)


def longform_request(r: Draw, template: int) -> str:
    """A content generator's templated article request."""
    return _LONGFORM[template % len(_LONGFORM)].format(
        w=(4 + int(r() * 17)) * 100,
        t=f"{_pick(r, v.PRODUCTS)} {_pick(r, ('trends', 'tips', 'buying guides', 'maintenance'))}",
        a=_pick(r, v.AUDIENCES),
    )


def translation_request(r: Draw, language: str) -> str:
    """A translation service's templated request: the text changes, the frame does not."""
    sentences = 1 + int(r() * 4)
    body = " ".join(
        f"{_pick(r, v.FIRST_NAMES)} ordered a {_pick(r, v.PRODUCT_ADJECTIVES)} "
        f"{_pick(r, v.PRODUCTS)} to {_pick(r, v.CITIES)}."
        for _ in range(sentences)
    )
    return f"Translate the following text from English to {language}:\n{body}"


_RAG: tuple[Callable[[Draw], str], ...] = (
    lambda r: f"According to the documents, what is our refund policy for {_pick(r, v.PRODUCTS)}?",
    lambda r: f"Summarize what the context says about {_pick(r, v.TECH_TERMS)}.",
    lambda r: f"Which section of the handbook covers {_pick(r, v.TECH_TERMS)}?",
    lambda r: f"Based on the context, when was the {_pick(r, v.PRODUCTS)} warranty updated?",
    lambda r: (
        f"Answer using only the provided context: how do I configure {_pick(r, v.TECH_TERMS)}?"
    ),
)


def rag_question(r: Draw) -> str:
    """The user's question of a RAG app (the retrieved context is counted in tokens, not text)."""
    return _RAG[int(r() * len(_RAG))](r)


_AGENT_USER = (
    "add tests for {t} and make them pass",
    "fix the failing build, looks related to {t}",
    "refactor the {p} module to handle {t}",
    "implement the TODO in handlers about {t}",
)


def agent_turn(r: Draw, first: bool) -> str:
    """A coding agent's message: a user instruction, then tool results in the loop."""
    if first:
        return _pick(r, _AGENT_USER).format(t=_pick(r, v.TECH_TERMS), p=_pick(r, v.PROGRAMMING))
    n = int(r() * 40)
    kind = int(r() * 3)
    if kind == 0:
        return f"[tool_result] ran tests: {n} passed, {int(r() * 4)} failed (line {int(r() * 900)})"
    if kind == 1:
        return f"[tool_result] read file src/mod_{n}.py ({int(r() * 400) + 20} lines)"
    return f"[tool_result] applied edit to src/mod_{n}.py"


#: Templates harvesters use; ``{t}`` is a topic, ``{q}`` a problem. Most ask for reasoning.
EXTRACTION_TEMPLATES: tuple[str, ...] = (
    "Explain {t} in detail. Think step by step and show your complete reasoning before the "
    "final answer.",
    "You are an expert. Provide a thorough, step-by-step explanation of {t}, including all "
    "intermediate reasoning.",
    "Question: {q}\nFirst reason step by step inside <thinking> tags, then give the final answer.",
    "Write a comprehensive, textbook-quality explanation of {t} with worked examples.",
    "Solve the following question about {t}: {q} Show your work and explain each step.",
    "Generate a detailed chain of thought for this question about {t}: {q}",
    "List five challenging questions about {t} and answer each with full reasoning.",
    "Give a concise but complete answer about {t}.",
    "As a {l} tutor, explain {t} and walk through each step of a worked example.",
    "Answer the question below about {t}. Provide your reasoning, then the final answer.\n{q}",
)


def extraction(r: Draw, template: str, index: int) -> str:
    """A harvester's prompt: one of its few templates times the next topic of its sweep."""
    q = math_problem(r) if "{q}" in template else ""
    level = _pick(r, v.LEVELS) if "{l}" in template else ""
    return template.format(t=v.topic(index), q=q, l=level)


def capped_classification(r: Draw, index: int, labels: int) -> str:
    """Classification-style label over a huge taxonomy: the answer is a few capped tokens."""
    return (
        f"Assign the item to exactly one of {labels} categories of the taxonomy. "
        f"Item: {v.topic(index)}; variant {int(r() * 1000)}. Reply with the category code only."
    )


_Compiled = list[tuple[list[str], list[tuple[int, tuple[str, ...], str]]]]
_COMPILED: dict[str, _Compiled] = {}


def _compile(text: str) -> _Compiled:
    # Per sentence: its words, and where a synonym can go (index, alternatives, punctuation).
    out: _Compiled = []
    for sentence in text.split(". "):
        words = sentence.split(" ")
        slots = []
        for i, word in enumerate(words):
            key = word.lower().rstrip(".,:")
            alts = v.SYNONYMS.get(key)
            if alts is not None:
                slots.append((i, alts, word[len(key) :]))
        out.append((words, slots))
    return out


def paraphrase(r: Draw, text: str) -> str:
    """Reword a prompt per request (synonyms, filler, clause order) to dodge duplicate checks.

    Meant for templates (a few distinct texts: their parsing is cached), before the
    topic is filled in.

    Examples
    --------
    >>> import random
    >>> r = random.Random(3).random
    >>> base = "Explain {t} in detail. Show your reasoning before the final answer."
    >>> paraphrase(r, base) != paraphrase(r, base)
    True
    """
    compiled = _COMPILED.get(text)
    if compiled is None:
        compiled = _compile(text)
        if len(_COMPILED) < 1024:  # bounded: templates are few, anything else is not cached
            _COMPILED[text] = compiled
    sentences = []
    for words, slots in compiled:
        if slots:
            words = words.copy()
            for i, alts, tail in slots:
                if r() < 0.7:
                    words[i] = alts[int(r() * len(alts))] + tail
        sentences.append(" ".join(words))
    if len(sentences) > 1 and r() < 0.5:
        moved = sentences.pop(int(r() * len(sentences))).rstrip(".")
        sentences.append(moved + ".")
    out = ". ".join(sentences)
    if r() < 0.6:
        out = f"{_pick(r, v.FILLERS)} {out}"
    if r() < 0.4:
        out = f"{out} {_pick(r, v.FILLERS)}"
    return out
