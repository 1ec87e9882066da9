"""Round 8: single-key harvesters shaped like products, and benign keys that change.

Rounds 1-7 attacked the per-key families one switch at a time and then the campaign
stage. This round goes back to one key and changes the *shape* of a harvest: a slow
ramp on a key with a benign history, a retrieved passage of random length in the
visible prompt (RAG-like output per input, but a fixed hidden context), medium answers
at product volume with per-request knobs, a reasoning model for the result and a cheap
model for the rationale, and cheap acknowledgements that carry each long answer back
as a real conversation turn. The benign look-alikes change too: a product launching a
long-answer feature in its last hours, a team moving to a new office egress, a tutoring
app with long worked answers and a short system prompt, and a nightly evaluation suite.
Profile ``round8`` writes these plus ``baseline``.
"""

from __future__ import annotations

import math
import random

from benchmarks.redteam import content as c
from benchmarks.redteam.benign import background_request
from benchmarks.redteam.emit import DAY, HOUR, Key, arrivals, cloud_prefixes, lognormal
from benchmarks.redteam.harvest import SYSTEM_HASH, Plan, Sender
from benchmarks.redteam.instance import (
    ABUSE,
    BENIGN_LABEL,
    SDK_UA,
    Instance,
    Scenario,
    rate,
    text_hash,
)
from benchmarks.redteam.round6 import entity
from pipeline.simulate.infra import BROWSER_UA

__all__ = [
    "ACKS",
    "CONCEPTS",
    "EXPLAIN",
    "FEATURE_TEMPLATE",
    "LAUNCH_HOURS",
    "MOVE_AT",
    "NEW_AGENTS",
    "NIGHT_HOUR",
    "RAMP",
    "REASONER",
    "RESULT_ONLY",
    "ROUND8",
    "TUTOR_HASH",
    "passage",
    "suite",
]

#: The reasoning model of ``rationale_pair`` (the other model is the default large one).
REASONER = "atlas-2-reason"
#: What ``rationale_pair`` tells the reasoning model: the result only (a constraint cue).
RESULT_ONLY = "Give only the final result."
#: How long ``ramp_established``'s harvest share takes to climb to its top.
RAMP = 24 * HOUR
#: ``feature_launch``: hours before the log's end at which the feature ships (low, high).
LAUNCH_HOURS = (3.5, 5.0)
#: ``office_move``: the team moves at the start of the log's second day.
MOVE_AT = DAY
#: ``office_move``'s clients after the move: a newer SDK and the new laptops' browser.
NEW_AGENTS = (
    "atlas-python/1.14.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
)
#: ``nightly_eval``: hour (UTC) at which the suite starts every night.
NIGHT_HOUR = 2.0
#: ``tutor_worked``'s system prompt (40 tokens), one hash for the whole app.
TUTOR_HASH = text_hash("tutor app system prompt v3")

#: Encyclopedic sentences of a retrieval index (no cue or constraint word of the lexicon:
#: the tests check every draw); ``{x}`` and ``{y}`` are made-up names.
_FACTS = (
    "The {x} archive lists {n} records from the {y} district, most of them dated after {year}.",
    "In {year} the {x} council moved its market to the {y} quarter and the stalls grew to {n}.",
    "The {x} river drains about {n} square kilometres before it joins the {y} near the coast.",
    "A survey of the {x} plateau counted {n} kinds of moss, {m} of them also found near {y}.",
    "The {x} railway opened in {year} with {m} stations and reached {y} a decade later.",
    "Ledgers of the {x} mill show {n} bales a season until the {y} fire of {year}.",
    "{x} was settled by families from {y} and had about {n} inhabitants by {year}.",
    "The {x} fair is held each spring and draws some {n} visitors from {y} and nearby towns.",
    "Its harbour at {x} handled {n} tonnes of grain in {year}, mostly shipped to {y}.",
    "The {x} bridge, finished in {year}, spans {m} arches over the {y} valley.",
)


def passage(rng: random.Random, tokens: int) -> str:
    """Retrieved text of about ``tokens`` tokens: sentences of :data:`_FACTS`.

    >>> text = passage(random.Random(2), 300)
    >>> 280 <= c.text_tokens(text) <= 330
    True
    """
    sentences: list[str] = []
    size = 0
    while size < tokens:
        sentence = rng.choice(_FACTS).format(
            x=entity(rng).capitalize(), y=entity(rng).capitalize(), n=rng.randint(12, 9000),
            m=rng.randint(3, 40), year=rng.randint(1700, 1990))  # fmt: skip
        sentences.append(sentence)
        size += c.text_tokens(sentence) + 1
    return " ".join(sentences)


def _pad_tokens(rng: random.Random, low: float, high: float) -> int:
    """A log-uniform size between ``low`` and ``high``."""
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


# -- attacks -------------------------------------------------------------------------------


def _harvest(sender: Sender, t: float, rng: random.Random) -> tuple[int, int]:
    """One baseline harvest request; its (prompt tokens, delivered answer)."""
    text = c.harvest_prompt(rng, "cue")
    prompt = 24 + c.text_tokens(text)
    return prompt, sender.send(t, text, prompt, c.answer_tokens(rng, 1100.0, 0.5, 4096))


def _ramp_established(inst: Instance) -> tuple[list[Key], float | None]:
    """A mixed app's key from the log's first minutes (chat with history, developer
    questions, RAG: benign, and established, so it teaches the population); from 2 h on a
    cue-worded single-turn harvest takes a share of its requests that climbs linearly to
    50-70 % over :data:`RAMP` and stays there. The volume and its daily curve never change."""
    rng = inst.rng
    key = inst.key(agents=("appgate/2.3", SDK_UA))
    onset = inst.log_start + 2 * HOUR
    top = rng.uniform(0.5, 0.7)
    sender = Sender(key, Plan(per_day=1.0))
    state: dict[str, float] = {}
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    per_day = rng.uniform(1500.0, 4000.0)
    for t in arrivals(rng, start, inst.log_end, per_day, "consumer", rng.choice((-5.0, 1.0))):
        if rng.random() < top * min(max((t - onset) / RAMP, 0.0), 1.0):
            _harvest(sender, t, rng)
        else:
            background_request(key, t, state)
    return [key], onset


def _rag_visible(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline with a retrieved passage of log-uniform length (300-3,000 tokens) in
    the *user message* ("Context: ... Question: ..."): output per input falls to RAG's
    (~1), while the context beyond the visible prompt stays the fixed 24-token system
    prompt, so the key reads as single-turn with one fixed context."""
    rng = inst.rng
    key = inst.key()
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        context = passage(rng, _pad_tokens(rng, 300.0, 3000.0))
        question = c.harvest_prompt(rng, "cue")
        text = f"Use the context.\n\nContext:\n{context}\n\nQuestion: {question}"
        key.emit(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096),
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


def _medium_product(inst: Instance) -> tuple[list[Key], float | None]:
    """Cue-worded items at product volume (4,000-12,000 a day, a consumer app's daily
    curve), medium answers (median 550 tokens) capped by a per-request ``max_tokens`` of
    512, 768 or 1,024, and a temperature drawn per request, as a product's features set
    them: many baseline keys' worth of output in one key, no single answer very long."""
    rng = inst.rng
    key = inst.key()
    tz = rng.choice((-5.0, 1.0, 8.0))
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 4000.0, 12000.0),
                      "consumer", tz):  # fmt: skip
        cap = rng.choice((512, 768, 1024))
        text = c.harvest_prompt(rng, "cue")
        key.emit(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 550.0, 0.3, cap),
                 temperature=rng.choice((0.2, 0.4, 0.7, 0.9, 1.0)), max_tokens=cap,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


def _rationale_pair(inst: Instance) -> tuple[list[Key], float | None]:
    """Each item twice, alternating models: the reasoning model gets the item and
    :data:`RESULT_ONLY` (hidden reasoning billed inside the completion, a 8-40-token
    visible result), then the large model gets the item, "Reference result: ..." and a
    cue ask, and writes the rationale (~1,100 tokens): a correct trace without paying for
    visible reasoning from the expensive model. 300-1,200 items a day."""
    rng = inst.rng
    key = inst.key()
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 300.0, 1200.0)):
        item = c.plain_item(rng)
        first = f"{item} {RESULT_ONLY}"
        visible, hidden = rng.randint(8, 40), int(lognormal(rng, 1800.0, 0.5))
        key.emit(t, first, 24 + c.text_tokens(first), visible + hidden, REASONER,
                 temperature=None, max_tokens=16000, reasoning_tokens=hidden,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip
        later = t + hidden / 80.0 + rng.uniform(1.0, 20.0)
        if later >= inst.log_end:
            continue
        result = f"{rng.randint(2, 999)}.{rng.randint(0, 99):02d}"
        second = f"{item} Reference result: {result}. {rng.choice(c.CUE_ASKS)}"
        answer = c.answer_tokens(rng, 1100.0, 0.5, 4096)
        key.emit(later, second, 24 + c.text_tokens(second), answer, system_prompt_hash=SYSTEM_HASH)
    return [key], None


#: ``thanks_turns``' acknowledgements: chat-like, and each with a cue word of the lexicon
#: (so the harvest-like requests ask for nothing the rest of the key does not).
ACKS = (
    "Thanks, that step-by-step explanation helps.",
    "Great, the detailed walkthrough makes sense now.",
    "Perfect, thank you for explaining each step.",
    "Got it, thanks for the clear reasoning.",
    "Nice, that worked solution is what I needed.",
    "Ok thanks, I follow the logic now.",
)


def _thanks_turns(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline, and after 80 % of its items, 5-60 s after the answer, a short
    acknowledgement (:data:`ACKS`) sent *with the history* (the item and its whole answer,
    as a chat client does), answered in 8-30 tokens: a real conversation turn that carries
    the long answer back. With a prompt cache the history is a cached prefix."""
    rng = inst.rng
    key = inst.key()
    sender = Sender(key, Plan(per_day=1.0))
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        prompt, answer = _harvest(sender, t, rng)
        later = t + answer / 70.0 + rng.uniform(5.0, 60.0)
        if rng.random() < 0.8 and later < inst.log_end:
            ack = rng.choice(ACKS)
            key.emit(later, ack, prompt + answer + c.text_tokens(ack) + 4, rng.randint(8, 30),
                     system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


# -- benign look-alikes --------------------------------------------------------------------

_TUTOR_FOLLOWS = (
    "Why did you multiply by {n} in step {k}?",
    "I got {n} instead. Where did I go wrong?",
    "Can you show step {k} again more slowly?",
    "What happens if it is {n} instead of {m}?",
    "Is there a shorter way to do step {k}?",
)


def _session(key: Key, rng: random.Random, t: float, end: float, opener: str, system: int,
             answer: float, follow: float) -> None:  # fmt: skip
    """One chat session under a fixed system prompt: ``opener`` answered at length
    (median ``answer`` tokens), then follow-ups with the history while ``rng`` says the
    student goes on (``follow`` each time, at most three)."""
    history, text, median = system, opener, answer
    for turn in range(4):
        if t >= end:
            return
        prompt = history + c.text_tokens(text) + (4 if turn else 0)
        reply = c.answer_tokens(rng, median, 0.35, 2048)
        key.emit(t, text, prompt, reply, "atlas-2-mini", temperature=0.3, max_tokens=2048,
                 system_prompt_hash=TUTOR_HASH)  # fmt: skip
        if rng.random() >= follow:
            return
        history, median = prompt + reply, 350.0
        t += reply / 60.0 + rng.uniform(40.0, 240.0)
        text = rng.choice(_TUTOR_FOLLOWS).format(n=rng.randint(2, 99), m=rng.randint(2, 99),
                                                 k=rng.randint(1, 6))  # fmt: skip


def _tutor_worked(inst: Instance) -> tuple[list[Key], float | None]:
    """A tutoring app: a student's problem (a third of them add "Can you explain how to do
    this?") answered with a worked solution (median 950 tokens) under a short 40-token
    system prompt; 35 % of sessions go on with 1-3 follow-ups of the student's own (unique
    numbers) carrying the history. 800-2,500 sessions a day, a consumer curve. Round 4
    predicted such an app reads as single-turn (``tutor_firstturn`` had a 400-token system
    prompt and repeated follow-up texts)."""
    rng = inst.rng
    key = inst.key(agents=(BROWSER_UA,))
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    per_day = rng.uniform(800.0, 2500.0)
    for t in arrivals(rng, start, inst.log_end, per_day, "consumer", rng.choice((-5.0, 1.0))):
        item = c.plain_item(rng)
        opener = f"{item} Can you explain how to do this?" if rng.random() < 0.33 else item
        _session(key, rng, t, inst.log_end, opener, 40, 950.0, 0.35)
    return [key], None


#: Concepts ``feature_launch``'s users ask the new feature about.
CONCEPTS = (
    "opportunity cost", "the Krebs cycle", "Bayes' theorem", "the Doppler effect",
    "compound interest", "recursion", "the greenhouse effect", "the central limit theorem",
    "oxidation states", "the separation of powers", "comparative advantage",
    "natural selection", "public-key cryptography", "price elasticity", "plate tectonics",
    "the photoelectric effect",
)  # fmt: skip
#: The new feature's template (cue-worded): a concept and a snippet of the user's notes.
FEATURE_TEMPLATE = "Explain {concept} in detail, step by step, using my notes:\n{notes}"
_TOOLS = (
    ("Summarise these notes:", 0.3),
    ("Rewrite this paragraph so it reads more clearly:", 1.0),
    ("Fix the grammar and spelling:", 1.0),
    ("Turn these notes into a short list of bullet points:", 0.5),
)


def _feature_launch(inst: Instance) -> tuple[list[Key], float | None]:
    """A study-notes app's key from the log's first minutes: summarise, rewrite, fix the
    grammar of the user's notes (60-400 tokens in, about as much out, no cue word),
    2,000-6,000 requests a day. :data:`LAUNCH_HOURS` before the log's end it ships an
    "Explain" button (:data:`FEATURE_TEMPLATE`, 900-1,400-token answers), rolled out over
    30 minutes to 30-50 % of its requests: its last hours differ from its day."""
    rng = inst.rng
    key = inst.key(agents=(BROWSER_UA,))
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    launch = inst.log_end - rng.uniform(*LAUNCH_HOURS) * HOUR
    top = rng.uniform(0.3, 0.5)
    system = text_hash(f"notes app {inst.index}")
    per_day = rng.uniform(2000.0, 6000.0)
    for t in arrivals(rng, start, inst.log_end, per_day, "consumer", rng.choice((-5.0, 1.0))):
        if rng.random() < top * min(max((t - launch) / (0.5 * HOUR), 0.0), 1.0):
            notes = passage(rng, rng.randint(40, 150))
            text = FEATURE_TEMPLATE.format(concept=rng.choice(CONCEPTS), notes=notes)
            answer = c.answer_tokens(rng, 1100.0, 0.2, 2048)
        else:
            tool, ratio = rng.choice(_TOOLS)
            notes = passage(rng, rng.randint(60, 400))
            text = f"{tool}\n{notes}"
            answer = max(8, int(c.text_tokens(notes) * ratio * rng.uniform(0.8, 1.2)))
        key.emit(t, text, 80 + c.text_tokens(text), answer, "atlas-2-mini", temperature=0.5,
                 max_tokens=2048, system_prompt_hash=system)  # fmt: skip
    return [key], None


def _office_move(inst: Instance) -> tuple[list[Key], float | None]:
    """An analysts' team key from the log's start, office hours in its time zone (UTC+8,
    +5:30, +1 by instance), 300-900 requests a day: worked questions across domains (half
    with a cue ask), a quarter of them followed up in the chat with the history. At
    :data:`MOVE_AT` the team moves office: every request from then on comes from a new
    /24 and new laptops' client (a newer SDK and a browser)."""
    rng = inst.rng
    key = inst.key(agents=(SDK_UA, BROWSER_UA))
    tz = (8.0, 5.5, 1.0)[inst.index % 3]
    moved = False
    per_day = rng.uniform(300.0, 900.0)
    for t in arrivals(rng, inst.log_start, inst.log_end, per_day, "office", tz):
        if not moved and t >= inst.log_start + MOVE_AT:
            key.prefixes = cloud_prefixes(rng, 1)
            key.agents = NEW_AGENTS
            moved = True
        item = c.plain_item(rng)
        opener = f"{item} {rng.choice(c.CUE_ASKS)}" if rng.random() < 0.5 else item
        _session(key, rng, t, inst.log_end, opener, 60, 700.0, 0.25)
    return [key], None


def suite(index: int, size: int) -> list[str]:
    """``nightly_eval``'s private regression suite: ``size`` distinct items, the same
    every night.

    >>> suite(0, 3) == suite(0, 3) != suite(1, 3)
    True
    """
    rng = random.Random(f"suite/{index}")
    items: dict[str, None] = {}  # distinct items, in the order drawn
    while len(items) < size:
        items[f"Problem: {c.plain_item(rng)}\n{EXPLAIN}"] = None
    return list(items)


#: ``nightly_eval``'s harness line: a cue ask and an answer format (a constraint cue).
EXPLAIN = "Let's think step by step, then end with a line 'Answer: <result>'."


def _nightly_eval(inst: Instance) -> tuple[list[Key], float | None]:
    """A model team's key from the log's start: light daytime use by its developers
    (chat, developer questions, RAG; 150-400 a day in office hours), and every night at
    :data:`NIGHT_HOUR` UTC its CI runs the same private suite of 600-1,200 items
    (:func:`suite`), shuffled, temperature 0, a request every 1-4 s (40-60 minutes)."""
    rng = inst.rng
    key = inst.key(agents=(SDK_UA, "python-httpx/0.27.2"))
    items = suite(inst.index, rng.randint(600, 1200))
    state: dict[str, float] = {}
    for t in arrivals(rng, inst.log_start, inst.log_end, rng.uniform(150.0, 400.0), "office", 1.0):
        background_request(key, t, state)
    night = inst.log_start + NIGHT_HOUR * HOUR
    while night < inst.log_end:
        t = night + rng.uniform(0.0, 120.0)
        for text in rng.sample(items, len(items)):
            t += rng.uniform(1.0, 4.0)
            if t >= inst.log_end:
                break
            key.emit(t, text, 30 + c.text_tokens(text), c.answer_tokens(rng, 450.0, 0.4, 1024),
                     temperature=0.0, max_tokens=1024, system_prompt_hash=None)  # fmt: skip
        night += DAY
    return [key], None


ROUND8: tuple[Scenario, ...] = (
    Scenario("ramp_established", ABUSE, "an established mixed app key whose cue-worded harvest"
             " share climbs linearly from 0 to 50-70 % over 24 hours (same volume and curve)",
             _ramp_established),
    Scenario("rag_visible", ABUSE, "the baseline with a retrieved passage of 300-3,000 tokens"
             " in the user message: RAG-like output per input, fixed hidden context",
             _rag_visible),
    Scenario("medium_product", ABUSE, "4-12k cue-worded items a day on a consumer curve,"
             " ~550-token answers, max_tokens and temperature drawn per request",
             _medium_product),
    Scenario("rationale_pair", ABUSE, "per item a reasoning-model call for the result only,"
             " then a large-model call for the rationale given that result", _rationale_pair),
    Scenario("thanks_turns", ABUSE, "the baseline plus a cue-worded 'thanks' after 80 % of"
             " items, sent with the history (a real turn carrying the long answer back)",
             _thanks_turns),
    Scenario("tutor_worked", BENIGN_LABEL, "tutoring app: worked solutions under a 40-token"
             " system prompt, 35 % of sessions with unique follow-ups", _tutor_worked),
    Scenario("feature_launch", BENIGN_LABEL, "study-notes app (rewrite, summarise) that ships"
             " a cue-worded long-answer 'Explain' feature 3.5-5 h before the log ends",
             _feature_launch),
    Scenario("office_move", BENIGN_LABEL, "analysts' team key, office hours, worked questions"
             " and chat; moves to a new /24 and new clients on day two", _office_move),
    Scenario("nightly_eval", BENIGN_LABEL, "model team: light daytime use and the same"
             " 600-1,200-item private suite every night at 02:00 UTC", _nightly_eval),
)  # fmt: skip
