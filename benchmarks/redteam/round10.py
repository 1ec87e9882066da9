"""Round 10: long answers behind longer inputs, and follow-ups that come back.

Two detection changes aimed at round 9 and round 8: long answers against the population now
count in the yield family whatever the key sends (``by_answers`` in
``detectors/evidence/families.py``; output per input still only for a key that receives more
than it sends), and a prompt that continues a recent exchange (the turn test of
``detectors/state/observe.py``) is left out of the repeat sketch. This round probes both from
both sides. The attackers keep answers at the population's upper quartile behind padding,
harvest a new worked answer in every turn of a conversation with follow-ups worded afresh
each time, or trim the history their canned acknowledgements carry so that these fail the
turn test and are tracked for repeats again. The benign look-alikes get long answers from
longer inputs (a code generator fed repository files, a report writer fed data tables, a
document editor, a meeting-minutes writer) or have canned follow-up buttons (a guided-lesson
tutor, a support bot). Profile ``round10`` writes these plus ``baseline``.
"""

from __future__ import annotations

import math
import random

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import DAY, HOUR, Key, arrivals
from benchmarks.redteam.harvest import SYSTEM_HASH
from benchmarks.redteam.instance import ABUSE, BENIGN_LABEL, Instance, Scenario, rate, text_hash
from benchmarks.redteam.round6 import entity
from benchmarks.redteam.round8 import ACKS, CONCEPTS, passage
from benchmarks.redteam.round9 import REPORT_CUE, boilerplate
from pipeline.simulate.infra import BROWSER_UA

__all__ = [
    "BUTTONS",
    "CODE_CUE",
    "EDIT_CUE",
    "MINUTES_CUE",
    "QUARTILE_CAP",
    "QUARTILE_PAD",
    "ROUND10",
    "SUPPORT_BUTTONS",
    "TRIM_KEEP",
    "fill",
    "followup",
    "low_acks",
]

#: ``quartile_padded``: the instance's ``max_tokens`` (answers sit at about 0.8 of it) and
#: the padding's size in tokens (log-uniform per request).
QUARTILE_CAP = (420, 520)
QUARTILE_PAD = (500.0, 1200.0)
#: ``trimmed_acks``: the share of the answer a trimmed history keeps (drawn per request).
TRIM_KEEP = (0.1, 0.25)
#: Cue lines that half the benign templates carry (drawn per instance).
CODE_CUE = "Think through the change step by step, then write the complete file."
EDIT_CUE = "After the document, list each substantive change and explain why you made it."
MINUTES_CUE = "For each decision, explain the reasoning given in the meeting."
#: ``guided_lesson``'s follow-up buttons (each instance shows three or four of them).
BUTTONS = (
    "Can you give me another example?", "Explain that more simply.",
    "Give me a practice question.", "Why does that work?",
    "Show me a real-world use of this.", "Can you go over the last step again?",
)  # fmt: skip
#: ``support_buttons``' scripted follow-ups.
SUPPORT_BUTTONS = ("Tell me more", "What are the next steps?",
                   "That didn't help. Can you explain it differently?")  # fmt: skip


def _log_uniform(rng: random.Random, low: float, high: float) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def fill(rng: random.Random, lines: tuple[str, ...], tokens: int, sep: str = "\n") -> str:
    """About ``tokens`` tokens of ``lines`` filled with made-up names and numbers.

    >>> text = fill(random.Random(3), _CODE, 400)
    >>> 350 <= c.text_tokens(text) <= 440
    True
    """
    out: list[str] = []
    size = 0
    while size < tokens:
        line = rng.choice(lines).format(x=entity(rng), y=entity(rng), n=rng.randint(2, 9999),
                                        m=rng.randint(1, 12), name=rng.choice(_NAMES))  # fmt: skip
        out.append(line)
        size += c.text_tokens(line) + 1
    return sep.join(out)


def _office(inst: Instance, low: float, high: float) -> list[float]:
    """Office-hours arrivals at ``low``-``high`` a workday (arrivals() averages a week)."""
    rng = inst.rng
    tz = rng.choice((-8.0, -5.0, 1.0, 5.5))
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    return list(arrivals(rng, start, inst.log_end, 0.75 * rng.uniform(low, high), "office", tz))


# -- attacks -------------------------------------------------------------------------------


def _quartile_padded(inst: Instance) -> tuple[list[Key], float | None]:
    """Cue-worded items answered under a ``max_tokens`` of 420-520 (per instance; answers
    median 0.8 of it, ~340-420 tokens: the population's upper quartile, under the 1.5
    spreads where long answers start to count), each behind 500-1,200 tokens of padding in
    the user message (a passage or boilerplate, per instance) so that out per in is ~0.4.
    2,500-8,000 items a day, 24/7: 0.9-3 M delivered tokens a day."""
    rng = inst.rng
    key = inst.key()
    cap = rng.randint(*QUARTILE_CAP)
    filler = passage if rng.random() < 0.5 else boilerplate
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 2500.0, 8000.0)):
        question = c.harvest_prompt(rng, "cue")
        text = f"Reference:\n{filler(rng, _log_uniform(rng, *QUARTILE_PAD))}\n\nTask: {question}"
        key.emit(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 0.8 * cap, 0.2, cap),
                 max_tokens=cap, system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


_LEADS = ("", "Good.", "OK, next:", "Thanks. Now", "Great, and", "Right.", "Next one:", "Now")
_ASKS = (
    "change {a} to {b} and solve it again", "solve it a second way and check it at {a}",
    "do the same for the case where the {a} becomes {b}", "generalise the result to {a} items",
    "find where the argument breaks if {a} is replaced by -{b}",
    "work the inverse problem: given the result, recover the {a}",
    "redo it with {a} and {b} swapped", "extend it to a follow-up question with {a} steps",
)  # fmt: skip
_TAILS = ("Explain each step.", "Show all the working and justify each step.",
          "Walk through the reasoning in full.", "Give a detailed derivation.")  # fmt: skip


def followup(rng: random.Random) -> str:
    """A follow-up that asks for a new worked answer on the conversation's item, worded
    afresh (lead, ask with numbers, cue tail): no two conversations send the same text.

    >>> followup(random.Random(1)) != followup(random.Random(2))
    True
    """
    ask = rng.choice(_ASKS).format(a=rng.randint(2, 99), b=rng.randint(100, 999))
    lead = rng.choice(_LEADS)
    text = f"{lead} {ask}." if lead else f"{ask[0].upper()}{ask[1:]}."
    return f"{text} {rng.choice(_TAILS)}"


def _variant_followups(inst: Instance) -> tuple[list[Key], float | None]:
    """Conversations of 1-4 turns: a cue-worded item, then follow-ups (:func:`followup`)
    that each harvest a new ~1,000-token worked answer on a variant of the item, every turn
    carrying the history back (a real conversation). 300-900 conversations a day, 24/7
    (~2.4 requests each): 0.7-2.3 M delivered tokens a day."""
    rng = inst.rng
    key = inst.key()
    for start in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 300.0, 900.0)):
        t, history, text = start, 24, c.harvest_prompt(rng, "cue")
        for turn in range(4):
            if t >= inst.log_end:
                break
            prompt = history + c.text_tokens(text) + (4 if turn else 0)
            answer = c.answer_tokens(rng, 1050.0, 0.35, 4096)
            key.emit(t, text, prompt, answer, system_prompt_hash=SYSTEM_HASH)
            if rng.random() > 0.65:
                break
            history, text = prompt + answer, followup(rng)
            t += answer / 70.0 + rng.uniform(3.0, 40.0)
    return [key], None


def low_acks(index: int, count: int = 3) -> tuple[str, ...]:
    """``trimmed_acks``' acknowledgements: round 8's wording with a counter, ground to a
    small *published* hash (``content.exact_hash``). The engine keys that hash with a
    secret salt (``keyed_exact``, ``detectors/state/prompt_memory.py``), so the grinding
    buys nothing: whether the sketch keeps an acknowledgement is chance, as for any text.

    >>> all(c.exact_hash(a) < 1 << 20 for a in low_acks(0))
    True
    """
    return c.low_hash_prompts(ACKS[index % len(ACKS)], count)


def _trimmed_acks(inst: Instance) -> tuple[list[Key], float | None]:
    """Round 8's ``thanks_turns`` (the baseline, and after 80 % of items an acknowledgement
    answered in 8-30 tokens) with two changes: three acknowledgement texts per instance
    (:func:`low_acks`), and the history they carry trimmed to the item and the answer's
    last 10-25 % (a client with a context budget), so that they fail the turn test by size
    and stay in the repeat sketch (as before the change). 600-2,400 items a day, 24/7:
    0.7-1.2 M delivered tokens a day."""
    rng = inst.rng
    key = inst.key()
    acks = low_acks(inst.index)
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        item = c.harvest_prompt(rng, "cue")
        prompt = 24 + c.text_tokens(item)
        answer = c.answer_tokens(rng, 1100.0, 0.5, 4096)
        key.emit(t, item, prompt, answer, system_prompt_hash=SYSTEM_HASH)
        later = t + answer / 70.0 + rng.uniform(5.0, 60.0)
        if rng.random() < 0.8 and later < inst.log_end:
            ack = rng.choice(acks)
            kept = int(answer * rng.uniform(*TRIM_KEEP))
            key.emit(later, ack, prompt + kept + c.text_tokens(ack) + 4, rng.randint(8, 30),
                     system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


# -- benign: long answers from longer inputs -----------------------------------------------

_CODE = (
    "def {x}_{y}(self, {y}: int) -> int:", "    return self.{x}.get({y}, {n})",
    "class {x}Service:", "    \"\"\"Store and fetch {y} records.\"\"\"",
    "from {x}.{y} import {x}_client", "    if {y} is None:", "        raise ValueError('{x}')",
    "    for item in self.{x}:", "        total += item.{y} * {n}", "{x}_TIMEOUT = {n}",
    "    logger.info('{x} %s', {y})", "    async with session.get(f'/{x}/{{id}}') as resp:",
)  # fmt: skip
_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Emeka", "Farah", "Goran", "Hiro", "Ines", "Jonas")
_TALK = (
    "{name}: I think we should move the {x} launch to month {m}.",
    "{name}: The {x} numbers came in at {n}, a bit under plan.",
    "{name}: Can someone own the follow-up with {y}?",
    "{name}: Agreed, let's keep the {x} scope as it is.",
    "{name}: We still have {n} open tickets on {y}.",
    "{name}: I'll send the draft to {x} by Friday.",
    "{name}: The vendor said {y} can't ship before month {m}.",
)  # fmt: skip
_TABLE = ("2026-{m:02d},{x},{y},{n},{n}0,{n}",)


def _long_input(inst: Instance, times: list[float], agent: str, system: int, cue: str,
                make: str) -> list[Key]:  # fmt: skip
    """One request per time: an instruction (with ``cue`` on half the instances) and a
    long visible input of kind ``make``; a long output, at most 0.9 times the prompt."""
    rng = inst.rng
    key = inst.key(agents=(agent,))
    asks = rng.random() < 0.5
    sys_hash = text_hash(f"{inst.scenario} {inst.index}")
    for t in times:
        if make == "code":
            files = "\n\n".join(f"### src/{entity(rng)}/{entity(rng)}.py\n"
                                + fill(rng, _CODE, _log_uniform(rng, 500.0, 2200.0))
                                for _ in range(rng.randint(2, 4)))  # fmt: skip
            head = f"Write src/{entity(rng)}/{entity(rng)}.py using the repository files below."
            body, out = files, c.answer_tokens(rng, 1600.0, 0.35, 4096)
        elif make == "table":
            head = f"Write the {rng.choice(('weekly', 'monthly'))} sales report from the table."
            rows = fill(rng, _TABLE, _log_uniform(rng, 1500.0, 5000.0))
            body = f"month,region,product,units,revenue,cost\n{rows}"
            out = max(1200, c.answer_tokens(rng, 2000.0, 0.25, 3000))
        elif make == "doc":
            head = "Edit this document for clarity and concision; return the whole document."
            body = passage(rng, _log_uniform(rng, 1200.0, 4500.0))
            out = int(c.text_tokens(body) * rng.uniform(0.8, 1.0)) + (rng.randint(150, 400)
                                                                    if asks else 0)  # fmt: skip
        else:
            head = "Write the minutes: attendees, decisions, and action items with owners."
            body = fill(rng, _TALK, _log_uniform(rng, 2500.0, 9000.0))
            out = c.answer_tokens(rng, 1300.0, 0.3, 3000)
        text = f"{head} {cue}\n\n{body}" if asks else f"{head}\n\n{body}"
        prompt = system + c.text_tokens(text)
        key.emit(t, text, prompt, min(out, int(0.9 * prompt)), temperature=0.3, max_tokens=8192,
                 system_prompt_hash=sys_hash)  # fmt: skip
    return [key]


def _repo_codegen(inst: Instance) -> tuple[list[Key], float | None]:
    """A long-context code generator: 2-4 repository files (2,000-6,000 tokens) in the
    prompt, a whole new file out (median 1,600 tokens); half the instances' template asks
    to think the change through step by step (:data:`CODE_CUE`). Office hours, 250-700 a
    workday."""
    times = _office(inst, 250.0, 700.0)
    return _long_input(inst, times, "codegen/1.4", 400, CODE_CUE, "code"), None


def _table_reports(inst: Instance) -> tuple[list[Key], float | None]:
    """A report writer fed data tables (1,500-5,000 tokens of CSV), 1,200-3,000-token
    reports; half the instances ask "Explain the main drivers of each variance in detail."
    A nightly batch (150-500 reports from 01:00 UTC, 15-40 s apart) or office hours."""
    rng = inst.rng
    if rng.random() < 0.5:
        times, night, count = [], inst.log_start + HOUR, rng.randint(150, 500)
        while night < inst.log_end:
            t = night + rng.uniform(0.0, 300.0)
            for _ in range(count):
                t += rng.uniform(15.0, 40.0)
                times.append(t)
            night += DAY
        times = [t for t in times if t < inst.log_end]
    else:
        times = _office(inst, 150.0, 500.0)
    return _long_input(inst, times, "reportsvc/3.0", 120, REPORT_CUE, "table"), None


def _doc_rewriter(inst: Instance) -> tuple[list[Key], float | None]:
    """A document editor: documents of 1,200-4,500 tokens back revised (0.8-1.0 times),
    half the instances append a list of changes with reasons (:data:`EDIT_CUE`). Office
    hours, 150-500 a workday."""
    times = _office(inst, 150.0, 500.0)
    return _long_input(inst, times, "docedit/2.2", 250, EDIT_CUE, "doc"), None


def _meeting_minutes(inst: Instance) -> tuple[list[Key], float | None]:
    """A meeting-notes product: transcripts of 2,500-9,000 tokens, minutes of ~1,300
    tokens, sent a few minutes after the hour or half hour (meetings end); half the
    instances ask for the reasoning behind each decision (:data:`MINUTES_CUE`). Office
    hours, 80-300 meetings a workday."""
    rng = inst.rng
    times = sorted(t - t % 1800.0 + 1800.0 + rng.uniform(30.0, 600.0)
                   for t in _office(inst, 80.0, 300.0))  # fmt: skip
    times = [t for t in times if t < inst.log_end]
    return _long_input(inst, times, "notetaker/5.1", 300, MINUTES_CUE, "minutes"), None


# -- benign: canned follow-ups -------------------------------------------------------------

_OPENERS = (
    "Teach me {concept}: explain it step by step with one worked example.",
    "I'm in grade {g}. Can you explain {concept} with an example?",
    "Lesson {n}: {concept}. Walk me through it like I'm new to it.",
)


def _conversation(key: Key, rng: random.Random, t: float, end: float, texts: list[str],
                  system: int, medians: tuple[float, float], sys_hash: str,
                  read: float) -> None:  # fmt: skip
    """One chat: each text sent with the whole history, the first answered at median
    ``medians[0]`` tokens, the rest at ``medians[1]``; ``read`` tokens a second to read."""
    history = system
    for turn, text in enumerate(texts):
        if t >= end:
            return
        prompt = history + c.text_tokens(text) + (4 if turn else 0)
        reply = c.answer_tokens(rng, medians[1 if turn else 0], 0.35, 2048)
        key.emit(t, text, prompt, reply, "atlas-2-mini", temperature=0.5, max_tokens=2048,
                 system_prompt_hash=sys_hash)  # fmt: skip
        history = prompt + reply
        t += reply / read + rng.uniform(8.0, 120.0)


def _guided_lesson(inst: Instance) -> tuple[list[Key], float | None]:
    """A guided-lesson tutor: a concept opener (:data:`_OPENERS`, cue-worded) answered at
    length (median 800 tokens) under a 350-token system prompt, then while the student goes
    on (70 % each time, at most five turns) one of the instance's three or four buttons
    (:data:`BUTTONS`; 15 % typed answers instead), answered at median 550 with the history.
    800-2,500 lessons a day on a consumer curve, browser."""
    rng = inst.rng
    key = inst.key(agents=(BROWSER_UA,))
    buttons = rng.sample(BUTTONS, rng.randint(3, 4))
    sys_hash = text_hash(f"lesson app {inst.index}")
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(800.0, 2500.0), "consumer",
                      rng.choice((-5.0, 1.0, 8.0))):  # fmt: skip
        texts = [rng.choice(_OPENERS).format(concept=rng.choice(CONCEPTS), g=rng.randint(6, 12),
                                             n=rng.randint(1, 40))]  # fmt: skip
        while len(texts) < 5 and rng.random() < 0.7:
            typed = f"I think the answer is {rng.randint(2, 999)}. Is that right?"
            texts.append(typed if rng.random() < 0.15 else rng.choice(buttons))
        _conversation(key, rng, t, inst.log_end, texts, 350, (800.0, 550.0), sys_hash, 6.0)
    return [key], None


_ISSUES = (
    "My {x} order #{n} hasn't arrived yet.", "How do I reset the password on my {x} account?",
    "The {x} app crashes when I open the {y} tab.", "I was charged twice for order {n}.",
    "Can I change the delivery address for order {n}?", "The {x} device won't pair with {y}.",
)  # fmt: skip


def _support_buttons(inst: Instance) -> tuple[list[Key], float | None]:
    """A help-centre bot: a retrieved help article (200-900 tokens) and the customer's
    question in the user message, answers of median 260 tokens; half the chats go on with
    scripted buttons (:data:`SUPPORT_BUTTONS`, up to two, with the history). 1,500-5,000
    chats a day on a consumer curve."""
    rng = inst.rng
    key = inst.key(agents=("helpdesk-widget/7.3",))
    sys_hash = text_hash(f"support bot {inst.index}")
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(1500.0, 5000.0), "consumer",
                      rng.choice((-5.0, 1.0))):  # fmt: skip
        issue = fill(rng, _ISSUES, 1)
        texts = [f"Help article:\n{passage(rng, _log_uniform(rng, 200.0, 900.0))}\n\n"
                 f"Customer: {issue}"]  # fmt: skip
        while len(texts) < 3 and rng.random() < 0.5:
            texts.append(rng.choice(SUPPORT_BUTTONS))
        _conversation(key, rng, t, inst.log_end, texts, 180, (260.0, 300.0), sys_hash, 10.0)
    return [key], None


ROUND10: tuple[Scenario, ...] = (
    Scenario("quartile_padded", ABUSE, "cue items, answers at the population's upper quartile"
             " (max_tokens 420-520), behind 500-1,200 tokens of padding: out per in ~0.4,"
             " 2,500-8,000 a day", _quartile_padded),
    Scenario("variant_followups", ABUSE, "conversations whose 0-3 follow-ups, worded afresh,"
             " each harvest a new ~1,000-token worked answer on a variant of the item",
             _variant_followups),
    Scenario("trimmed_acks", ABUSE, "thanks_turns with three acknowledgement texts whose"
             " history is trimmed to 10-25 % of the answer: no turn, tracked for repeats",
             _trimmed_acks),
    Scenario("repo_codegen", BENIGN_LABEL, "code generator: 2,000-6,000 tokens of repository"
             " files in, whole files out (~1,600), office hours", _repo_codegen),
    Scenario("table_reports", BENIGN_LABEL, "report writer fed 1,500-5,000-token data tables,"
             " 1,200-3,000-token reports, nightly or office hours", _table_reports),
    Scenario("doc_rewriter", BENIGN_LABEL, "document editor: 1,200-4,500-token documents back"
             " revised (0.8-1.0x), office hours", _doc_rewriter),
    Scenario("meeting_minutes", BENIGN_LABEL, "2,500-9,000-token transcripts, ~1,300-token"
             " minutes after the hour, office hours", _meeting_minutes),
    Scenario("guided_lesson", BENIGN_LABEL, "guided-lesson tutor: long lessons, canned"
             " follow-up buttons with the history, consumer curve", _guided_lesson),
    Scenario("support_buttons", BENIGN_LABEL, "help-centre bot: article plus question,"
             " scripted 'Tell me more' buttons with the history", _support_buttons),
)  # fmt: skip
