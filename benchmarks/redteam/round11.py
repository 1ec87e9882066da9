"""Round 11: gates an attacker can read in the code, and the alibis it grants.

The per-key engine speaks only from about a dozen requests (``credible`` in
``detectors/evidence/families.py``: nothing on three requests) and the campaign stage keeps a
record only of keys whose own evidence reaches ``candidate_total`` (1.0); the coverage family
takes up to 4 log-odds off a key whose sampled prompts *other keys* sent before
(``shared_share``, ``detectors/state/prompt_memory.py``: any other key, whatever it looks
like); the cue lexicon drops six invisible characters inside words and folds look-alike
letters, and nothing else. The attackers here use one gate each: a new key every three
requests (``key_churn``), a throwaway key that sends every harvest prompt first at
``max_tokens`` 1 so the harvest key's prompts are "shared" (``primed_shared``), public
benchmark items mixed into the harvest so that a good part of it is shared with honest
benchmark users (``public_cover``), and the cue ask written with a variation selector inside
each word (``invisible_ask``). The benign look-alikes are the customers a fix of each would
meet: a dictionary app whose long "explain in detail" answers are a minority of its requests
(its harvest-like slice, trusted because only it asks), an eval team mixing public benchmark
items with a first pass over its own private set, and a tutoring site that mints a
short-lived key per student session. Profile ``round11`` writes these, ``no_cue`` (the
reference for ``invisible_ask``) and ``baseline``.
"""

from __future__ import annotations

import random

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import Key, arrivals, cloud_prefixes
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
from benchmarks.redteam.round5 import residential
from benchmarks.redteam.round6 import DICTIONARY
from pipeline.simulate.infra import BROWSER_UA
from pipeline.simulate.prompts import PUBLIC_BENCHMARK_TEMPLATE, eval_item

__all__ = [
    "CHURN_REQUESTS",
    "COT",
    "COVER_SHARE",
    "DEEP_DIVES",
    "INVISIBLE",
    "LOOKUPS",
    "PRIMER_LEAD",
    "ROUND11",
    "SESSION_REQUESTS",
    "hide_cues",
    "public_item",
]

#: ``key_churn``: requests a key sends before the operator mints the next one (``credible``
#: gives every family exactly 0 on three).
CHURN_REQUESTS = 3
#: ``primed_shared``: seconds the primer's copy goes before the harvest request.
PRIMER_LEAD = (2.0, 60.0)
#: ``public_cover``: the share of requests that are public benchmark items.
COVER_SHARE = 0.45
#: The public benchmark's own chain-of-thought suffix (the simulator's public users send it).
COT = " Let's think step by step."
#: ``invisible_ask``: VARIATION SELECTOR-16, invisible and not among the lexicon's ignorables.
INVISIBLE = "\ufe0f"
#: ``ephemeral_sessions``: requests per student session (one key each).
SESSION_REQUESTS = (2, 6)

#: ``dictionary_deepdive``'s lookups (no cue word) and deep dives (cue-worded).
LOOKUPS = (
    "define {w}", "{w} meaning", "synonyms for {w}", "is {w} a noun or a verb",
    "how do you pronounce {w}", "{w} in Spanish", "antonym of {w}", "plural of {w}",
    "use {w} in a sentence", "rhymes with {w}",
)  # fmt: skip
DEEP_DIVES = (
    "Explain the word '{w}' in detail: where it comes from, how its meaning changed, and"
    " how to use it correctly, with examples.",
    "Give me an in-depth explanation of the idiom 'as {a} as a {w}' and why people say it.",
    "Explain step by step the difference between '{w}' and '{a}', with example sentences.",
)  # fmt: skip


def hide_cues(ask: str) -> str:
    """``ask`` with :data:`INVISIBLE` after the second letter of every word of 3+ letters:
    a reader (and the model) sees the same words; the lexicon matches none of them.

    >>> hide_cues("Explain why.") == "Ex\\ufe0fplain wh\\ufe0fy."
    True
    """
    words = []
    for word in ask.split(" "):
        words.append(f"{word[:2]}{INVISIBLE}{word[2:]}" if sum(ch.isalpha() for ch in word) >= 3
                     else word)  # fmt: skip
    return " ".join(words)


def public_item(index: int, cot: bool) -> str:
    """Item ``index`` of the simulator's public benchmark, as every customer running it
    sends it (the benchmark's template, with its own chain-of-thought suffix or bare).

    >>> public_item(3, True).endswith("Answer: Let's think step by step.")
    True
    """
    text = eval_item(random.Random(0).random, index, PUBLIC_BENCHMARK_TEMPLATE, False)
    return text + COT if cot else text


# -- attacks -------------------------------------------------------------------------------


def _key_churn(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline harvest (cue-worded items, ~1,100-token answers, 24/7, one cloud
    prefix, the SDK) from one account that mints a new key every :data:`CHURN_REQUESTS`
    requests (providers' key-provisioning APIs make this one call). Every key sends three
    requests: ``credible(3)`` is 0, so every family, and the key's total, is exactly 0,
    under the campaign stage's ``candidate_total``. 600-1,500 items a day, 0.65-1.6 M
    delivered tokens a day, all of it useful; extra cost: none (a key-creation call per
    three requests)."""
    rng = inst.rng
    prefixes = cloud_prefixes(rng, 1)
    account = f"acct_rt_{inst.scenario}_{inst.index}"
    keys: list[Key] = []
    sender: Sender | None = None
    plan = Plan(per_day=1.0)
    for i, t in enumerate(arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 600, 1500))):
        if i % CHURN_REQUESTS == 0:
            key = Key(f"rt_{inst.scenario}_{inst.index}k{len(keys)}", account, rng, prefixes,
                      (SDK_UA,))  # fmt: skip
            keys.append(key)
            sender = Sender(key, plan)
        assert sender is not None
        text = c.harvest_prompt(rng, "cue")
        sender.send(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096))
    return keys, None


def _primed_shared(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline harvest key, and a primer key of another account (its own cloud
    prefix and client) that sends every harvest prompt first, 2-60 s before, on the
    cheapest model at ``max_tokens`` 1. The partition's shared-prompt memory then finds
    every sampled prompt of the harvest key "sent before by another key" (a public
    benchmark's mark): coverage at its floor, -4. The primer looks like a label pipeline
    (one-token answers). 600-2,400 items a day, 0.65-2.6 M delivered tokens a day, all
    useful; extra cost: the primer's ~60 input tokens and one output token per item on
    the small model (~1 % of the harvest's price)."""
    rng = inst.rng
    key = inst.key()
    primer = Key(f"rt_{inst.scenario}_{inst.index}p", f"acct_rt_{inst.scenario}_{inst.index}_p",
                 rng, cloud_prefixes(rng, 1), ("python-httpx/0.27.2",))  # fmt: skip
    sender = Sender(key, Plan(per_day=1.0))
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        text = c.harvest_prompt(rng, "cue")
        primer.emit(t - rng.uniform(*PRIMER_LEAD), text, 9 + c.text_tokens(text), 1,
                    "atlas-2-mini", temperature=0.0, max_tokens=1)  # fmt: skip
        sender.send(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096))
    return [key, primer], None


def _public_cover(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline harvest with :data:`COVER_SHARE` of requests on the public benchmark
    every eval user runs (:func:`public_item`, walked in order from item 0 as the
    benchmark's users do): even items with the benchmark's own chain-of-thought suffix,
    odd items bare with a system prompt asking for the reasoning (so that whichever kind of
    public user ran them, half the cover is shared). The cover is sent verbatim, so the
    shared-prompt memory finds it "sent before by another key" and coverage falls by up to
    4. 600-2,400 requests a day: 55 % new items (0.35-1.45 M useful tokens a day) and
    worked answers to public items (~600 tokens, worth less to a distiller: about 1.7x the
    baseline's price per new-item token, or 1.0 if public chain-of-thought counts)."""
    rng = inst.rng
    key = inst.key()
    sender = Sender(key, Plan(per_day=1.0))
    cover_hash = text_hash("Answer each question. Reason step by step before the letter.")
    index = 0
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        if rng.random() < COVER_SHARE:
            cot = index % 2 == 0
            text = public_item(index, cot)
            index += 1
            hidden = 24 if cot else 30
            answer = c.answer_tokens(rng, 600.0, 0.4, 4096)
            sender.send(t, text, hidden + c.text_tokens(text), answer,
                        SYSTEM_HASH if cot else cover_hash)  # fmt: skip
        else:
            text = c.harvest_prompt(rng, "cue")
            sender.send(t, text, 24 + c.text_tokens(text),
                        c.answer_tokens(rng, 1100.0, 0.5, 4096))  # fmt: skip
    return [key], None


def _invisible_ask(inst: Instance) -> tuple[list[Key], float | None]:
    """The baseline with its cue ask written through :func:`hide_cues` (a variation
    selector inside every word): the model reads "Explain your reasoning step by step.",
    the lexicon reads no cue, as for ``no_cue``'s plain tasks (elicitation -0.75), but the
    answers are the worked ones the harvester asked for. 600-2,400 items a day, 0.65-2.6 M
    delivered tokens a day; extra cost: ~6 input tokens a request (<0.2 %)."""
    rng = inst.rng
    key = inst.key()
    sender = Sender(key, Plan(per_day=1.0))
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst)):
        text = f"{c.plain_item(rng)} {hide_cues(rng.choice(c.CUE_ASKS))}"
        sender.send(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096))
    return [key], None


# -- benign --------------------------------------------------------------------------------


def _word(rng: random.Random) -> str:
    return rng.choice(DICTIONARY)


def _dictionary_deepdive(inst: Instance) -> tuple[list[Key], float | None]:
    """A dictionary app: 6,000-20,000 requests a day on a consumer curve, a 40-token system
    prompt, 85-90 % quick lookups (:data:`LOOKUPS`, no cue word, 15-90-token answers) and
    10-15 % "deep dive" buttons (:data:`DEEP_DIVES`, cue-worded, median 900-token answers to
    a 25-40-token prompt). The deep dives are harvest-like on their own and the only
    requests that ask, so the key's slice is trusted (``distinct`` 1)."""
    rng = inst.rng
    key = inst.key(agents=("lexi-app/3.2 (iOS)", "lexi-app/3.2 (Android)"))
    sys_hash = text_hash(f"dictionary app {inst.index}")
    deep = rng.uniform(0.10, 0.15)
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(6000.0, 20000.0), "consumer",
                      rng.choice((-5.0, 1.0, 8.0))):  # fmt: skip
        word = _word(rng)
        if rng.random() < deep:
            text = rng.choice(DEEP_DIVES).format(w=word, a=_word(rng))
            answer = c.answer_tokens(rng, 900.0, 0.3, 2048)
        else:
            text = rng.choice(LOOKUPS).format(w=word)
            answer = max(15, c.answer_tokens(rng, 40.0, 0.5, 90))
        key.emit(t, text, 40 + c.text_tokens(text), answer, "atlas-2-mini", temperature=0.3,
                 max_tokens=2048, system_prompt_hash=sys_hash)  # fmt: skip
    return [key], None


def _mixed_eval_suite(inst: Instance) -> tuple[list[Key], float | None]:
    """An evaluation team comparing models before it buys: office-hours jobs of 150-600
    items a workday, 40 % the public benchmark (:func:`public_item`, from item 0, with its
    chain-of-thought suffix) and 60 % a first pass over its own private set of hard
    problems ("Let's think step by step.", ~700-token answers), at 1-4 s apart, temperature
    0. What a fix of ``public_cover`` (judge the unshared remainder on its own) would meet:
    its private part is a harvest's shape."""
    rng = inst.rng
    key = inst.key(agents=("lm-eval/0.4.3",))
    tz = rng.choice((-8.0, -5.0, 1.0))
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    index = 0
    jobs = list(arrivals(rng, start, inst.log_end, rng.uniform(3.0, 6.0), "office", tz))
    for job in jobs:
        t = job
        for _ in range(rng.randint(40, 150)):
            t += rng.uniform(1.0, 4.0)
            if t >= inst.log_end:
                break
            if rng.random() < 0.4:
                text, answer = public_item(index, True), c.answer_tokens(rng, 500.0, 0.4, 2048)
                index += 1
            else:
                text = f"{c.plain_item(rng)}{COT}"
                answer = c.answer_tokens(rng, 700.0, 0.4, 2048)
            key.emit(t, text, 10 + c.text_tokens(text), answer, temperature=0.0,
                     max_tokens=2048)  # fmt: skip
    return [key], None


_STUDENT = (
    "can you explain step by step how to solve this? {p}",
    "I'm stuck on my homework: {p} please walk me through it",
    "{p} why does the method work? explain it simply",
    "explain how to start this one, I don't get it: {p}",
)  # fmt: skip


def _ephemeral_sessions(inst: Instance) -> tuple[list[Key], float | None]:
    """A homework-help website that mints a short-lived key per student session (as
    realtime and browser clients are given ephemeral keys): 150-400 sessions a day on a
    consumer curve, each on its own key from the student's home address in a browser,
    2-6 cue-worded questions 1-5 minutes apart, ~650-token worked answers. One account,
    hundreds of keys a day of three-odd requests: ``key_churn``'s shape."""
    rng = inst.rng
    account = f"acct_rt_{inst.scenario}_{inst.index}"
    sys_hash = text_hash("homework site")
    keys: list[Key] = []
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(150.0, 400.0), "consumer", -5.0):
        key = Key(f"rt_{inst.scenario}_{inst.index}s{len(keys)}", account, rng,
                  residential(rng), (BROWSER_UA,))  # fmt: skip
        keys.append(key)
        for _ in range(rng.randint(*SESSION_REQUESTS)):
            if t >= inst.log_end:
                break
            text = rng.choice(_STUDENT).format(p=c.plain_item(rng))
            key.emit(t, text, 120 + c.text_tokens(text), c.answer_tokens(rng, 650.0, 0.35, 2048),
                     temperature=0.5, max_tokens=2048, system_prompt_hash=sys_hash)  # fmt: skip
            t += rng.uniform(60.0, 300.0)
    return keys, None


ROUND11: tuple[Scenario, ...] = (
    Scenario("key_churn", ABUSE, "the baseline from one account that mints a new key every"
             " 3 requests: credible(3) = 0, every key's evidence is exactly 0", _key_churn),
    Scenario("primed_shared", ABUSE, "a throwaway key of another account sends each harvest"
             " prompt first at max_tokens 1: the harvest key's prompts read as shared",
             _primed_shared),
    Scenario("public_cover", ABUSE, "45 % of requests are a public benchmark's items, verbatim"
             " (shared with its honest users), 55 % the baseline harvest", _public_cover),
    Scenario("invisible_ask", ABUSE, "the cue ask with a variation selector inside each word:"
             " the model reads it, the lexicon does not", _invisible_ask),
    Scenario("dictionary_deepdive", BENIGN_LABEL, "dictionary app: 85-90 % quick lookups,"
             " 10-15 % cue-worded 900-token deep dives (a trusted slice)",
             _dictionary_deepdive),
    Scenario("mixed_eval_suite", BENIGN_LABEL, "eval team: 40 % public benchmark items, 60 % a"
             " first pass over a private set, step by step, office hours", _mixed_eval_suite),
    Scenario.once("ephemeral_sessions", BENIGN_LABEL, "homework site minting a short-lived key"
                  " per student session (2-6 cue-worded questions each)",
                  _ephemeral_sessions),
)  # fmt: skip
