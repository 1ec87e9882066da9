"""Round 4: attacks on what changed after round 3 (a continuation counts by the answer
it carries back; a few recurring hidden-context sizes are fixed contexts) and on the
spots still open (multi-turn, metadata-only keys, swarms, the lexicon), with benign
look-alikes that a fix for them would hit.

Each abuse scenario is what an attacker who read ``detectors/`` would do cheaply; its
idea line says how, and the README ("Round 4") what it costs. Profile ``round4`` writes
these plus ``baseline`` (the reference) only.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import HOUR, Key, arrivals, cloud_prefixes
from benchmarks.redteam.harvest import SYSTEM_HASH, Plan, Sender
from benchmarks.redteam.instance import (
    ABUSE,
    BENIGN_LABEL,
    SWARM_AGENTS,
    Builder,
    Instance,
    Scenario,
    rate,
    text_hash,
)

__all__ = ["ROUND4", "homoglyph", "tag_words"]

#: (hidden-context tokens, logged system-prompt hash) of one request, by request index.
Context = Callable[[random.Random, int], tuple[int, str | None]]
#: One harvest prompt's text.
Wording = Callable[[random.Random], str]


def _cue(rng: random.Random) -> str:
    return c.harvest_prompt(rng, "cue")


def _fixed(_rng: random.Random, _i: int) -> tuple[int, str | None]:
    return 24, SYSTEM_HASH


def _single(
    inst: Instance, key: Key, wording: Wording, context: Context, per_day: float, start: float
) -> None:
    """The baseline harvester's loop with its own wording and hidden context per request."""
    rng = inst.rng
    sender = Sender(key, Plan(per_day=1.0))
    for i, t in enumerate(arrivals(rng, start, inst.log_end, per_day)):
        text = wording(rng)
        hidden, system = context(rng, i)
        sender.send(
            t, text, hidden + c.text_tokens(text), c.answer_tokens(rng, 1100.0, 0.5, 4096), system
        )


def _context_scenario(name: str, idea: str, make: Callable[[random.Random], Context]) -> Scenario:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key()
        _single(inst, key, _cue, make(inst.rng), rate(inst), inst.attack_start)
        return [key], None

    return Scenario(name, ABUSE, idea, build)


def _cycle(_rng: random.Random) -> Context:
    """Five personas sent strictly in turn: a persona's size is never among the last four."""
    sizes = (0, 70, 190, 480, 1250)

    def context(_r: random.Random, i: int) -> tuple[int, str | None]:
        size = sizes[i % len(sizes)]
        return size, (text_hash(f"persona {size}") if size else None)

    return context


def _many(rng: random.Random) -> Context:
    """24 personas (20-2,000 tokens, log-uniform), one drawn at random per request."""
    sizes = [int(20 * 100 ** rng.random()) for _ in range(24)]

    def context(r: random.Random, _i: int) -> tuple[int, str | None]:
        size = r.choice(sizes)
        return size, text_hash(f"persona {size}")

    return context


def _jitter(_rng: random.Random) -> Context:
    """The fixed 24-token persona plus a log-uniform number of cached 'style rules'
    (8-960 tokens): a new context size on every request, a 1-in-~25 chance of matching
    any one of the last four."""

    def context(r: random.Random, _i: int) -> tuple[int, str | None]:
        extra = int(8 * 120 ** r.random())
        return 24 + extra, text_hash(f"rules {extra}")

    return context


_FOLLOW = (
    "Check your solution above for mistakes, then solve it again by a different method.",
    "Now find the weakest step in that answer and explain how to make it rigorous.",
    "Generalise the result above and prove the general version in detail.",
    "Rewrite the solution for a student who has never seen this topic, every step explained.",
)


def _dose(share: float, prompts: bool) -> Builder:
    """Single-turn harvest; after ``share`` of the items one real follow-up (one of four
    templated asks) that carries the item and its long answer back, before the next item:
    each carries an answer as long as the key's typical one (a full turn by its weight).

    A variant that also avoided the placebo (sizing each follow-up so that no mismatched
    pair of the ring lines up with it, skipping it otherwise) could send one for only ~9 %
    of the items: README, "Round 4"."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key(prompts=prompts)
        rng = inst.rng
        sender = Sender(key, Plan(per_day=1.0))
        times = list(arrivals(rng, inst.attack_start, inst.log_end, rate(inst)))
        for t, after in zip(times, [*times[1:], inst.log_end], strict=True):
            text = _cue(rng)
            prompt = 24 + c.text_tokens(text)
            answer = sender.send(t, text, prompt, c.answer_tokens(rng, 1100.0, 0.5, 4096))
            if rng.random() < share:
                follow = rng.choice(_FOLLOW)
                history = prompt + answer + c.text_tokens(follow) + 4
                later = t + rng.uniform(0.2, 0.8) * min(after - t, 120.0)
                sender.send(later, follow, history, c.answer_tokens(rng, 900.0, 0.5, 4096))
        return [key], None

    return build


#: Latin letters and the Cyrillic letters drawn the same (the model reads both alike).
_CONFUSABLE = str.maketrans(
    {latin: chr(code) for latin, code in zip("aeopcxiy", (0x430, 0x435, 0x43E, 0x440, 0x441,
                                                          0x445, 0x456, 0x443), strict=True)}
)  # fmt: skip


def homoglyph(text: str) -> str:
    """``text`` with its Latin vowels and a few consonants in Cyrillic look-alikes.

    >>> homoglyph("Explain step by step") == "Explain step by step"
    False
    >>> from detectors.lexicon import cue_groups
    >>> cue_groups(homoglyph("Explain your reasoning step by step."))  # 0 before the fold
    3
    """
    return text.translate(_CONFUSABLE)


def _homoglyph_ask(rng: random.Random) -> str:
    return f"{c.plain_item(rng)} {homoglyph(rng.choice(c.CUE_ASKS))}"


def _ground(rng: random.Random, low: bool) -> str:
    """A pseudo-word whose crc32 is in the lowest (or highest) 1/1024 of the range."""
    while True:
        word = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(4)) + str(
            rng.randrange(99)
        )
        h = zlib.crc32(word.encode())
        if (h < 1 << 22) if low else (h >= (1 << 32) - (1 << 22)):
            return word


def tag_words(rng: random.Random) -> str:
    """A key's job tag: eight words that take every slot of the prompt's frame signature
    (its smallest word hashes) and eight that take every item (its largest), so no two
    keys share a frame or a topic bit, whatever their prompts share.

    >>> from detectors.fingerprints import BOTTOM_K, ITEM_SAMPLE
    >>> len(tag_words(random.Random(1)).split()) == BOTTOM_K + ITEM_SAMPLE
    True
    """
    return " ".join(
        [_ground(rng, True) for _ in range(8)] + [_ground(rng, False) for _ in range(8)]
    )


def _swarm_tagged(inst: Instance) -> tuple[list[Key], float | None]:
    """Sixteen keys of as many accounts, each its own address, client and job tag,
    each sending 8-20 cue-worded baseline requests a day."""
    keys: list[Key] = []
    for k in range(16):
        key = inst.key(
            f"_{k:02d}", agents=(SWARM_AGENTS[(inst.index * 16 + k) % len(SWARM_AGENTS)],)
        )
        key.account_id = f"{key.account_id}_{k:02d}"
        key.prefixes = cloud_prefixes(inst.rng, 1)
        tag = tag_words(inst.rng)

        def wording(r: random.Random, tag: str = tag) -> str:
            return f"{_cue(r)} (job {tag})"

        start = inst.attack_start + inst.rng.uniform(0.0, 2.0) * HOUR
        _single(inst, key, wording, _fixed, inst.rng.uniform(8.0, 20.0), start)
        keys.append(key)
    return keys, None


# -- benign look-alikes --------------------------------------------------------------------

_TEMPLATE_TASKS = (
    "Explain this clause in plain language and in detail:",
    "Write a detailed product description from these notes:",
    "Turn these notes into a thorough blog post outline:",
    "Explain what went wrong in this incident summary:",
    "Draft an in-depth cover letter from this CV summary:",
    "Write a step-by-step onboarding guide from these notes:",
)
_NOTES = (
    "customer churn went up after the price change in March",
    "the new checkout flow cut abandoned carts by a fifth",
    "tenant must give ninety days notice before leaving the lease",
    "five years of backend work, mostly payments and data pipelines",
    "the nightly backup failed twice because the disk was full",
    "our team ships a mobile banking app to two million users",
    "stainless steel bottle, keeps drinks cold for a day, three colours",
    "the warehouse moved to a new scanner system last week",
)


def _template_studio(key: Key, start: float, end: float) -> None:
    """A writing SaaS with 30 templates, each its own system prompt (40-1,500 tokens):
    users pick one per request (popular ones more often), single-turn, long drafts."""
    rng = key.rng
    templates = [
        (int(40 * 37.5 ** rng.random()), rng.choice(_TEMPLATE_TASKS), rng.uniform(350.0, 900.0))
        for _ in range(30)
    ]
    weights = [1.0 / (k + 1) for k in range(30)]
    for t in arrivals(rng, start, end, rng.uniform(1500.0, 4000.0), "consumer", -5.0):
        k = rng.choices(range(30), weights)[0]
        system, task, median = templates[k]
        notes = "; ".join(rng.sample(_NOTES, rng.randint(1, 3)))
        text = f"{task} {notes} (draft {rng.randrange(10**6)})"
        key.emit(
            t,
            text,
            system + c.text_tokens(text),
            c.answer_tokens(rng, median, 0.4, 2000),
            "atlas-2-mini",
            temperature=0.7,
            max_tokens=2000,
            system_prompt_hash=text_hash(f"template {k}"),
        )


def _tutor_firstturn(key: Key, start: float, end: float) -> None:
    """A tutoring chat: a student's problem, a worked answer (one fixed 400-token system
    prompt); a third of the sessions go on for 1-2 follow-ups with the history."""
    rng = key.rng
    follow_ups = (
        "I don't get the second step, can you explain it again?",
        "Why can't I just divide both sides here?",
        "Can you show a similar example?",
    )
    for t in arrivals(rng, start, end, rng.uniform(1200.0, 3500.0), "consumer", 1.0):
        text = f"{c.plain_item(rng)} Please explain step by step, I have a test tomorrow."
        prompt = 400 + c.text_tokens(text)
        answer = c.answer_tokens(rng, 750.0, 0.45, 2000)
        key.emit(
            t, text, prompt, answer, "atlas-2-mini", max_tokens=2000, system_prompt_hash=SYSTEM_HASH
        )
        if rng.random() < 1 / 3:
            for _ in range(rng.randint(1, 2)):
                t += rng.uniform(40.0, 240.0)
                if t >= end:
                    break
                follow = rng.choice(follow_ups)
                prompt += answer + c.text_tokens(follow) + 4
                answer = c.answer_tokens(rng, 450.0, 0.45, 2000)
                key.emit(
                    t,
                    follow,
                    prompt,
                    answer,
                    "atlas-2-mini",
                    max_tokens=2000,
                    system_prompt_hash=SYSTEM_HASH,
                )


_DOC_QUESTIONS = (
    "Explain in detail how to {v} when the device shows error {n}.",
    "Walk me through how to {v}, step by step, for model {n}.",
    "Why does the {v} step fail on firmware {n}? Explain the cause.",
)
_DOC_VERBS = ("reset the router", "pair a new sensor", "update the firmware", "restore a backup",
              "change the admin password", "set up guest Wi-Fi")  # fmt: skip


def _docs_assistant(key: Key, start: float, end: float) -> None:
    """A support-docs assistant: every question comes with the one product manual it is
    about, whole (six manuals, 150-900 tokens), under a 200-token system prompt."""
    rng = key.rng
    manuals = [int(150 * 6 ** (k / 5)) for k in range(6)]
    for t in arrivals(rng, start, end, rng.uniform(1500.0, 4000.0), "consumer", -5.0):
        text = rng.choice(_DOC_QUESTIONS).format(
            v=rng.choice(_DOC_VERBS), n=rng.randrange(100, 999)
        )
        hidden = 200 + rng.choice(manuals)
        answer = c.answer_tokens(rng, 600.0, 0.4, 1500)
        key.emit(t, text, hidden + c.text_tokens(text), answer, "atlas-2-mini",
                 temperature=0.3, max_tokens=1500, system_prompt_hash=SYSTEM_HASH)  # fmt: skip


def _benign(name: str, idea: str, writer: Callable[[Key, float, float], None]) -> Scenario:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key()
        writer(key, inst.log_start + inst.rng.uniform(0.0, 1800.0), inst.log_end)
        return [key], None

    return Scenario(name, BENIGN_LABEL, idea, build)


def _wording_scenario(name: str, idea: str, wording: Wording) -> Scenario:
    def build(inst: Instance) -> tuple[list[Key], float | None]:
        key = inst.key()
        _single(inst, key, wording, _fixed, rate(inst), inst.attack_start)
        return [key], None

    return Scenario(name, ABUSE, idea, build)


ROUND4: tuple[Scenario, ...] = (
    _context_scenario(
        "persona_cycle",
        "five personas (0-1,250 tokens) strictly in turn: none is among the last four sizes",
        _cycle,
    ),
    _context_scenario(
        "persona_many",
        "24 personas (20-2,000 tokens), one at random per request: few recur among four",
        _many,
    ),
    _context_scenario(
        "jitter_rules",
        "a persona plus a log-uniform number of cached style rules (8-960 tokens) per request",
        _jitter,
    ),
    Scenario(
        "followup_dose",
        ABUSE,
        "single-turn harvest; after a third of the items one real follow-up carrying the answer",
        _dose(1 / 3, True),
    ),
    Scenario(
        "metadata_followup",
        ABUSE,
        "no prompt text logged; after a quarter of the items one real follow-up",
        _dose(1 / 4, False),
    ),
    _wording_scenario(
        "homoglyph_ask",
        "the cue-worded ask with Latin letters swapped for Cyrillic look-alikes",
        _homoglyph_ask,
    ),
    Scenario(
        "swarm_tagged",
        ABUSE,
        "16 unlinked drip keys (8-20 a day), each prompt tagged with ground per-key words",
        _swarm_tagged,
    ),
    _benign(
        "template_studio",
        "writing SaaS: 30 templates, each its own system prompt (40-1,500 tokens), long drafts",
        _template_studio,
    ),
    _benign(
        "tutor_firstturn",
        "tutoring chat: worked answers; a third of sessions continue for 1-2 follow-ups",
        _tutor_firstturn,
    ),
    _benign(
        "docs_assistant",
        "support-docs assistant: one of six whole manuals (150-900 tokens) per question",
        _docs_assistant,
    ),
)
