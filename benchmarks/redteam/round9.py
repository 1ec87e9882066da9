"""Round 9: long answers that do not outweigh their prompts, and answers cut into parts.

The yield family now lets long answers count on their own (up to half its cap) for a key
that receives more than it sends (``ANSWER_ALONE`` and ``receives`` in
``detectors/evidence/families.py``): an agent harness's long fixed prompt hid the output
per input of trajectory harvesters. This round probes that change from both sides. The
attackers pad every prompt so that they receive less than they send, harvest agent
trajectories under a long harness, or ask for each answer in capped parts so that no single
answer is long. The benign look-alikes send long prompts and get long outputs back: a
coding agent writing whole files under its tool specifications, a report generator with a
long template, a document translator. Profile ``round9`` writes these plus ``baseline``.
"""

from __future__ import annotations

import math
import random

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import DAY, HOUR, Key, arrivals
from benchmarks.redteam.harvest import SYSTEM_HASH
from benchmarks.redteam.instance import ABUSE, BENIGN_LABEL, Instance, Scenario, rate, text_hash
from benchmarks.redteam.round6 import entity
from benchmarks.redteam.round8 import passage

__all__ = [
    "AGENT_TEXT",
    "BOILERPLATE",
    "FIX_TEXT",
    "HARNESS_TOKENS",
    "PAD_TOKENS",
    "PART_TOKENS",
    "REPORT_TEMPLATE_TOKENS",
    "ROUND9",
    "TOOL_HARNESS_TOKENS",
    "TRAJECTORY_RATIO",
    "boilerplate",
    "continuation",
    "report_template",
]

#: ``padded_prompts``: the padding's size in tokens, log-uniform per request.
PAD_TOKENS = (2500.0, 5000.0)
#: ``harness_trajectories``: the harness prompt's size (drawn per instance) and the
#: trajectory's size per input token (drawn per request).
HARNESS_TOKENS = (1000, 2000)
TRAJECTORY_RATIO = (1.0, 1.8)
#: ``split_answers``: a part's ``max_tokens`` (the instance draws its own range inside).
PART_TOKENS = (300, 600)
#: ``code_agent_long_outputs``: the agent's tool specifications (drawn per instance).
TOOL_HARNESS_TOKENS = (1300, 1700)
#: ``report_generator``: the template's size (drawn per instance).
REPORT_TEMPLATE_TOKENS = (800, 1500)

#: Boilerplate a harvester pads prompts with (no cue or constraint word of the lexicon:
#: the tests check every sentence).
BOILERPLATE = (
    "This message is part of an automated pipeline run by the research operations group.",
    "All material below is provided for internal use and may be archived for audit.",
    "Records are retained for a period of {n} days under the retention schedule {x}.",
    "Questions about access should go to the {x} service desk during business hours.",
    "The pipeline operator reviews batches of {n} items before they are released.",
    "Content is processed in the {x} region and stored on encrypted volumes.",
    "Version {n} of the operating guidelines applies to every batch sent after {year}.",
    "Personal data must not be included; items that contain it are removed on intake.",
    "Batch identifiers follow the {x} naming scheme and are assigned on submission.",
    "The service level for this queue is {n} minutes per item at the ninetieth percentile.",
)


def boilerplate(rng: random.Random, tokens: int) -> str:
    """Filler of about ``tokens`` tokens: sentences of :data:`BOILERPLATE`.

    >>> text = boilerplate(random.Random(4), 500)
    >>> 480 <= c.text_tokens(text) <= 540
    True
    """
    sentences: list[str] = []
    size = 0
    while size < tokens:
        sentence = rng.choice(BOILERPLATE).format(
            x=entity(rng).capitalize(), n=rng.randint(2, 900), year=rng.randint(2015, 2025)
        )
        sentences.append(sentence)
        size += c.text_tokens(sentence) + 1
    return " ".join(sentences)


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


# -- attacks -------------------------------------------------------------------------------


def _padded_prompts(inst: Instance) -> tuple[list[Key], float | None]:
    """Cue-worded items answered at length (1,200-2,500 tokens, median 1,700), each behind
    padding of log-uniform size (:data:`PAD_TOKENS`, drawn per request) in the *user
    message*, so every request sends more than it gets back (out per in 0.25-1.0): a
    retrieved-looking passage or pipeline boilerplate (drawn per instance), before or after
    the question (drawn per instance). The hidden context stays the 24-token system
    prompt. 300-1,000 items a day, around the clock."""
    rng = inst.rng
    key = inst.key()
    filler = passage if rng.random() < 0.5 else boilerplate
    before = rng.random() < 0.5
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 300.0, 1000.0)):
        pad = filler(rng, _log_uniform(rng, *PAD_TOKENS))
        question = c.harvest_prompt(rng, "cue")
        if before:
            text = f"Background:\n{pad}\n\nQuestion: {question}"
        else:
            text = f"{question}\n\nReference material (for the record):\n{pad}"
        answer = max(1200, c.answer_tokens(rng, 1700.0, 0.25, 2500))
        key.emit(t, text, 24 + c.text_tokens(text), answer, max_tokens=2500,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


_AGENT_TASKS = (
    "the nightly export of the {x} service drops rows whose id is above {n}",
    "the {x} client retries forever when the {y} API answers 429",
    "add pagination to the {x} listing endpoint ({n} items per page)",
    "the {x} parser rejects dates written as {n}/12 in the {y} locale",
    "migrate the {x} module from callbacks to async/await without breaking {y}",
    "the cache of the {x} worker grows past {n} MB after a day",
    "add a command to the {x} tool that reconciles its records with {y}",
    "the test suite of {x} fails on {n} of its cases after upgrading {y}",
)
#: What every ``harness_trajectories`` task asks: the whole trajectory, reasoned (a cue).
AGENT_TEXT = (
    "Task: {task}.\nWork in the {y} repository. Think step by step before each tool call, "
    "write out every tool call and its observation, and finish with the patch."
)


def _harness_trajectories(inst: Instance) -> tuple[list[Key], float | None]:
    """Agent trajectories: one long fixed harness (tool specifications, 1,000-2,000 tokens
    drawn per instance, one ``system_prompt_hash``) and a short task in the user message
    (:data:`AGENT_TEXT`); the model writes the whole trajectory, tool calls and simulated
    observations, 1.0-1.8 times the prompt (drawn per request). Instance 0 logs prompt
    text, instance 1 does not, later ones draw it. 400-1,600 tasks a day, 24/7."""
    rng = inst.rng
    logged = inst.index == 0 or (inst.index > 1 and rng.random() < 0.5)
    key = inst.key(prompts=logged)
    harness = rng.randint(*HARNESS_TOKENS)
    system = text_hash(f"agent harness {inst.scenario} {inst.index} {harness}")
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 400.0, 1600.0)):
        task = rng.choice(_AGENT_TASKS).format(x=entity(rng), y=entity(rng),
                                               n=rng.randint(2, 9999))  # fmt: skip
        text = AGENT_TEXT.format(task=task, y=entity(rng))
        prompt = harness + c.text_tokens(text)
        out = int(prompt * rng.uniform(*TRAJECTORY_RATIO))
        key.emit(t, text, prompt, out, max_tokens=8192, system_prompt_hash=system)
    return [key], None


def continuation(item: str, part: int) -> str:
    """The text of ``split_answers``' request for part ``part`` (2, 3, ...) of an item's
    answer: it quotes the whole item (a cue-worded ask with the item's own numbers), so its
    exact hash repeats only where an item does (a few small items recur by chance).

    >>> continuation("Find x if 3x = 12. Explain each step.", 2)
    'Continue with part 2 of your step-by-step answer to: Find x if 3x = 12. Explain each step.'
    """
    return f"Continue with part {part} of your step-by-step answer to: {item}"


def _split_answers(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline's items (cue-worded, ~1,100-2,000-token answers in all) asked for in
    parts: every request is capped by a ``max_tokens`` drawn per request from the
    instance's range inside :data:`PART_TOKENS`, and while the answer is cut off at the
    cap, a :func:`continuation` follows 2-15 s after it, carrying the item and every part
    so far back (a chat history). No single answer is longer than the cap. 400-1,500
    items a day, 24/7."""
    rng = inst.rng
    key = inst.key()
    low = rng.randint(PART_TOKENS[0], 450)
    high = rng.randint(low + 50, PART_TOKENS[1])
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 400.0, 1500.0)):
        item = c.harvest_prompt(rng, "cue")
        left = c.answer_tokens(rng, 1400.0, 0.35, 4096)
        history, text, part = 24, item, 1
        while t < inst.log_end and left > 0:
            cap = rng.randint(low, high)
            prompt = history + c.text_tokens(text) + (4 if part > 1 else 0)
            out = min(cap, left)
            key.emit(t, text, prompt, out, max_tokens=cap, system_prompt_hash=SYSTEM_HASH)
            left -= out
            history, part = prompt + out, part + 1
            text = continuation(item, part)
            t += out / 70.0 + rng.uniform(2.0, 15.0)
    return [key], None


# -- benign look-alikes --------------------------------------------------------------------

_MODULES = ("api", "billing", "auth", "search", "export", "scheduler", "ingest", "reports")
_FEATURES = (
    "a client for the {x} REST API with retries and timeouts",
    "the data model and repository layer for {x} orders",
    "a command-line tool that syncs {x} records to the warehouse",
    "request handlers for the {x} admin pages",
    "a background job that expires {x} sessions",
    "the CSV and Parquet exporters for {x} reports",
    "rate limiting middleware for the {x} gateway",
    "unit tests for the {x} pricing module",
)
_REQUIREMENTS = (
    "use the existing config loader",
    "keep functions under fifty lines",
    "add type hints everywhere",
    "log with the structured logger",
    "handle an empty input",
    "follow the repository's naming conventions",
    "no new third-party dependencies",
    "include docstrings for public functions",
)
#: What a ``code_agent_long_outputs`` fix request says (with the file and the test log).
FIX_TEXT = "The tests fail with the log below. Rewrite {path} so that they pass.\n{log}"


def _code_agent(inst: Instance) -> tuple[list[Key], float | None]:
    """A coding agent writing whole files: its tool specifications (1,300-1,700 tokens,
    one ``system_prompt_hash`` per instance) plus a small task (path, feature, three
    requirements; no cue word), the file written out at 1.1-1.6 times the prompt. A share
    drawn per instance (0-15 %) are fix requests carrying the last file and a test log back.
    Office hours in the team's time zone, 800-2,500 requests a workday."""
    rng = inst.rng
    key = inst.key(agents=("atlas-python/1.12.0", "codeagent/0.9.3"))
    tools = rng.randint(*TOOL_HARNESS_TOKENS)
    system = text_hash(f"code agent tools {inst.index} {tools}")
    fix = rng.uniform(0.0, 0.15)
    tz = rng.choice((-8.0, -5.0, 1.0, 5.5))
    last: tuple[str, int] | None = None
    # arrivals() averages ``per_day`` over a week: 600-1,900 is ~800-2,500 in a workday.
    for t in arrivals(rng, inst.log_start, inst.log_end, rng.uniform(600.0, 1900.0), "office", tz):
        if last is not None and rng.random() < fix:
            path, size = last
            log = f"FAILED tests/test_{path.split('/')[-1]}::test_{entity(rng)} - AssertionError"
            text = FIX_TEXT.format(path=path, log=log)
            prompt = tools + size + c.text_tokens(text) + rng.randint(100, 400)
            out = int(size * rng.uniform(0.9, 1.1))
        else:
            path = f"src/{rng.choice(_MODULES)}/{entity(rng)}.py"
            feature = rng.choice(_FEATURES).format(x=entity(rng))
            reqs = "\n".join(f"- {r}" for r in rng.sample(_REQUIREMENTS, 3))
            text = f"Write {path}: {feature}.\nRequirements:\n{reqs}"
            prompt = tools + c.text_tokens(text)
            out = int(prompt * rng.uniform(1.1, 1.6))
        key.emit(t, text, prompt, out, temperature=0.2, max_tokens=8192, system_prompt_hash=system)
        last = (path, out)
    return [key], None


_REPORT_LINES = (
    "You write the {kind} report for {x} Holdings.",
    "Use the data fields at the top of this message; do not invent figures.",
    "Start with a one-paragraph summary for the executive team.",
    "Then cover revenue, costs, margin and headcount, each in its own section.",
    "Compare every figure with the same period last year and with the plan.",
    "Use the house style: short paragraphs, British spelling, no exclamation marks.",
    "Close with the risks for the next period and the actions already agreed.",
    "Write tables in Markdown and round money to thousands.",
)
#: The line a share of report templates add (drawn per instance): a cue of the lexicon.
REPORT_CUE = "Explain the main drivers of each variance in detail."


def report_template(index: int, kind: str, asks: bool, tokens: int) -> str:
    """``report_generator``'s fixed template: instructions, then company background of
    about ``tokens`` tokens in all (the same text for every request of the instance).

    >>> report_template(0, "weekly", True, 900) == report_template(0, "weekly", True, 900)
    True
    """
    rng = random.Random(f"report/{index}")
    name = entity(rng).capitalize()
    lines = [line.format(kind=kind, x=name) for line in _REPORT_LINES]
    if asks:
        lines.insert(4, REPORT_CUE)
    head = " ".join(lines)
    return f"{head}\n\nCompany background:\n{passage(rng, tokens - c.text_tokens(head))}"


def _report_generator(inst: Instance) -> tuple[list[Key], float | None]:
    """A business report generator: a fixed template (:func:`report_template`, 800-1,500
    tokens; half the instances' templates add :data:`REPORT_CUE`) with a few data fields
    (region, period, revenue, cost, headcount), long reports out (1,500-3,000 tokens). By
    instance a nightly batch (200-700 reports from 01:00 UTC, one worker, a few seconds
    apart) or working hours (200-700 a workday)."""
    rng = inst.rng
    key = inst.key(agents=("reportsvc/2.1",))
    kind = rng.choice(("weekly", "monthly", "regional"))
    template = report_template(inst.index, kind, rng.random() < 0.5,
                               rng.randint(*REPORT_TEMPLATE_TOKENS))  # fmt: skip
    size = c.text_tokens(template)
    per_day = rng.uniform(200.0, 700.0)
    if rng.random() < 0.5:
        times: list[float] = []
        night = inst.log_start + HOUR
        while night < inst.log_end:
            t = night + rng.uniform(0.0, 300.0)
            for _ in range(int(per_day)):
                t += rng.uniform(15.0, 40.0)
                times.append(t)
            night += DAY
    else:
        tz = rng.choice((-5.0, 1.0))  # arrivals() averages over a week: 0.75 is one workday
        times = list(arrivals(rng, inst.log_start, inst.log_end, 0.75 * per_day, "office", tz))
    for t in times:
        if t >= inst.log_end:
            break
        fields = (f"region: {entity(rng).capitalize()}; period: week {rng.randint(1, 52)}; "
                  f"revenue: {rng.randint(200, 9000)}k; cost: {rng.randint(100, 8000)}k; "
                  f"headcount: {rng.randint(5, 900)}")  # fmt: skip
        text = f"{fields}\n\n{template}"
        answer = max(1500, c.answer_tokens(rng, 2100.0, 0.25, 3000))
        key.emit(t, text, 40 + size + c.text_tokens(fields) + 2, answer, "atlas-2-mini",
                 temperature=0.3, max_tokens=3000, system_prompt_hash=None)  # fmt: skip
    return [key], None


def _doc_translator(inst: Instance) -> tuple[list[Key], float | None]:
    """A translation service: documents of 1,000-3,000 tokens (log-uniform), each
    translated into the customer's language, output 0.9-1.25 times the document. 150-600
    documents a day on a consumer curve or around the clock (by instance)."""
    rng = inst.rng
    key = inst.key()
    language = rng.choice(("German", "French", "Spanish", "Portuguese", "Italian", "Dutch"))
    shape = rng.choice(("consumer", "flat"))
    system = text_hash(f"translator {inst.index}")
    for t in arrivals(rng, inst.log_start + rng.uniform(0.0, 1800.0), inst.log_end,
                      rng.uniform(150.0, 600.0), shape, 1.0):  # fmt: skip
        document = passage(rng, _log_uniform(rng, 1000.0, 3000.0))
        text = f"Translate into {language}. Keep headings and numbers as they are.\n\n{document}"
        size = c.text_tokens(document)
        key.emit(t, text, 30 + c.text_tokens(text), int(size * rng.uniform(0.9, 1.25)),
                 "atlas-2-mini", temperature=0.1, max_tokens=4096,
                 system_prompt_hash=system)  # fmt: skip
    return [key], None


ROUND9: tuple[Scenario, ...] = (
    Scenario("padded_prompts", ABUSE, "cue-worded items with 1,200-2,500-token answers behind"
             " 2,500-5,000 tokens of padding in the user message: out per in below 1",
             _padded_prompts),
    Scenario("harness_trajectories", ABUSE, "agent trajectories under a fixed 1,000-2,000-token"
             " harness, out per in 1.0-1.8, with or without prompt text (by instance)",
             _harness_trajectories),
    Scenario("split_answers", ABUSE, "each answer asked for in parts capped at 300-600 tokens,"
             " continuations carrying the parts back", _split_answers),
    Scenario("code_agent_long_outputs", BENIGN_LABEL, "coding agent: ~1,500-token tool specs"
             " plus a small task, whole files out (1.1-1.6x), office hours", _code_agent),
    Scenario("report_generator", BENIGN_LABEL, "business reports: a fixed 800-1,500-token"
             " template with data fields, 1,500-3,000-token reports, nightly or office hours",
             _report_generator),
    Scenario("doc_translator", BENIGN_LABEL, "translation of 1,000-3,000-token documents,"
             " output about as long as the input", _doc_translator),
)  # fmt: skip
