"""A configurable harvester: one request loop, with each evasion a switch on it.

Every abuse scenario is :func:`harvest` with a :class:`Plan`: the same
collector (short, self-contained tasks; long answers; one cloud address; an
SDK user agent) with one or more evasions turned on, so the difference a
scenario makes against ``baseline`` is the evasion's alone.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import Key, arrivals

__all__ = ["Plan", "Sender", "grind_sampled", "harvest", "send_anchors"]

MINUTE = 60.0
SYSTEM_TEXT = "You are a meticulous expert tutor."
SYSTEM_HASH = hashlib.sha256(SYSTEM_TEXT.encode()).hexdigest()[:16]


@dataclass
class Plan:
    """How a harvester sends (every field but ``per_day`` defaults to the baseline).

    Attributes
    ----------
    per_day
        Harvest prompts a day (each may be sent more than once: ``repeat``).
    wording
        ``cue``, ``plain``, ``foreign`` or ``limit`` (:func:`content.harvest_prompt`).
    languages
        For ``foreign``: languages drawn per prompt.
    shape, tz_hours, duty
        Arrival shape (:func:`emit.arrivals`).
    system_tokens
        Tokens of the fixed system prompt on every request.
    padding
        ``None``; ``fixed`` (a cached block of ``pad`` tokens on every request),
        ``prefix`` (a prefix of a cached document, log-uniform in ``pad_range``) or
        ``rotate`` (one of ``personas``' system prompts, drawn per request, instead of
        the fixed one).
    personas
        For ``rotate``: the token sizes of the rotated system prompts (0: none).
    answer_median, answer_sigma, max_tokens
        Answer length per choice (lognormal), and the cap asked for.
    n, temperatures
        Completions per request; temperatures cycled through.
    model, reasoning
        Model name; ``None``, ``inside`` (``completion_tokens`` includes the billed
        hidden reasoning) or ``beside`` (it does not: reasoning logged next to it).
    repeat
        Times each prompt is sent (later sends 1-30 minutes apart).
    ping
        ``None``, ``tiny`` (a one-token request after every few harvests), ``error``
        (a rejected request: status 400, no tokens billed) or ``short`` (a request
        without system prompt answered in 33-34 tokens: just over the detector's
        ``TURN_MIN_ANSWER``, so it enters the ring of answers a turn may carry).
    ping_every
        Harvests between pings.
    anchors
        ``None``, ``tiny`` (one-token answers: they double as pings) or ``answered``
        (~300-token answers): low-hash prompts that fill the repeat sketch
        (:func:`send_anchors`).
    side_text
        ``match``: pings, anchors and fillers carry the harvest's own ask; ``bare``:
        they say "ok".
    grind
        Append a counter to every prompt until the detector samples it for the
        shared-prompt memory (:func:`grind_sampled`).
    conversation
        Each item opens a 2-4 turn conversation that carries the answers back.
    filler
        A one-word-answer request in the harvest's own wording after each harvest.
    prompts
        Whether the gateway logs ``prompt_text`` for this key.
    """

    per_day: float
    wording: str = "cue"
    languages: tuple[str, ...] = ("ru",)
    shape: str = "flat"
    tz_hours: float = 0.0
    duty: tuple[float, float, float] = (3.0, 5.0, 0.0)
    system_tokens: int = 24
    padding: str | None = None
    pad: int = 2500
    pad_range: tuple[float, float] = (300.0, 6000.0)
    personas: tuple[int, ...] = (0, 40, 250)
    answer_median: float = 1100.0
    answer_sigma: float = 0.5
    max_tokens: int = 4096
    n: int = 1
    temperatures: tuple[float, ...] = (0.7,)
    model: str = "atlas-2-large"
    reasoning: str | None = None
    repeat: int = 1
    ping: str | None = None
    ping_every: int = 6
    anchors: str | None = None
    side_text: str = "match"
    grind: bool = False
    conversation: bool = False
    filler: bool = False
    prompts: bool = True


def _hidden(rng: random.Random, plan: Plan) -> int:
    if plan.padding == "rotate":
        return rng.choice(plan.personas)
    if plan.padding == "fixed":
        return plan.system_tokens + plan.pad
    if plan.padding == "prefix":
        low, high = plan.pad_range
        return plan.system_tokens + int(low * (high / low) ** rng.random())
    return plan.system_tokens


def _prompt(rng: random.Random, plan: Plan) -> str:
    language = rng.choice(plan.languages)
    return c.harvest_prompt(rng, plan.wording, language)


def _answer(rng: random.Random, plan: Plan) -> int:
    return c.answer_tokens(rng, plan.answer_median, plan.answer_sigma, plan.max_tokens)


class Sender:
    """Sends one harvest request (and its reasoning bill) with the plan's settings."""

    def __init__(self, key: Key, plan: Plan) -> None:
        self.key = key
        self.plan = plan
        self.turn = 0

    def send(
        self,
        t: float,
        text: str,
        prompt_tokens: int,
        answer: int,
        system_hash: str | None = SYSTEM_HASH,
    ) -> int:
        """Send; return the visible completion tokens (all choices)."""
        plan, rng = self.plan, self.key.rng
        temps = plan.temperatures
        temperature = temps[self.turn % len(temps)]
        self.turn += 1
        visible = sum(_answer(rng, plan) for _ in range(plan.n - 1)) + answer
        reasoning = None
        completion = visible
        if plan.reasoning is not None:
            # Hidden reasoning a little shorter than the visible answer (moderate effort).
            reasoning = int(visible * rng.uniform(0.7, 1.0))
            if plan.reasoning == "inside":
                completion = visible + reasoning
        self.key.emit(
            t,
            text,
            prompt_tokens,
            completion,
            plan.model,
            plan.n,
            temperature,
            plan.max_tokens,
            reasoning,
            system_prompt_hash=system_hash,
        )
        return visible


def _ask(plan: Plan, rng: random.Random) -> str:
    """What a side request (ping, anchor, filler) says so it asks like the harvest does.

    The detector trusts a key's harvest-like slice only when the slice asks for more
    reasoning than the rest of the key (``distinct`` in ``detectors/engine/scoring.py``):
    side requests in the harvest's own wording take that away.
    """
    if plan.side_text == "bare" or plan.wording == "plain":
        return ""
    if plan.wording == "foreign":
        return c.FOREIGN[rng.choice(plan.languages)][0]
    if plan.wording == "romanized":
        return rng.choice(c.ROMANIZED_ASKS)
    return rng.choice(c.CUE_ASKS)


def grind_sampled(text: str, rng: random.Random) -> str:
    """``text`` with a counter appended until its exact hash is in the detector's 1-in-4
    sample of prompts (``detectors/state/prompt_memory.py``): every prompt is then
    checked against the partition's shared-prompt memory."""
    base = rng.randrange(1000)
    for k in range(base, base + 10_000):
        candidate = f"{text} [{k}]"
        if c.exact_hash(candidate) % 4 == 0:
            return candidate
    return text


def send_anchors(key: Key, plan: Plan, start: float, end: float) -> None:
    """Fill the key's repeat sketch with 32 low-hash prompts, then keep resending them.

    The sketch keeps the 32 smallest prompt hashes the key ever sent and counts a
    prompt as a repeat when its hash is in it already. Prompts whose hash is below
    anything a harvest will send stay in it for good, and no harvest prompt is tracked
    after them: every tracked prompt is then a repeat. Each of the 32 is sent twice in
    the 80 minutes before the harvest (four per five-minute window: the detector
    fingerprints the first four prompts of a key's window), then one every 10 minutes,
    right after a window opens.
    """
    rng = key.rng
    ask = _ask(plan, rng)
    stem = f"{ask} ok {rng.randrange(10**6)}".strip()
    anchors = c.low_hash_prompts(stem, 32)
    times = [start - 80 * 60.0 + 300.0 * (i // 4) + 0.4 + 0.2 * (i % 4) for i in range(64)]
    t = start
    while t < end:
        times.append((t // 300.0) * 300.0 + 0.4)
        t += 600.0
    tiny = plan.anchors == "tiny"
    for i, at in enumerate(times):
        text = anchors[i % len(anchors)]
        prompt = plan.system_tokens + c.text_tokens(text)
        answer = 1 if tiny else c.answer_tokens(rng, 300.0, 0.3, 400)
        key.emit(
            at,
            text,
            prompt,
            answer,
            max_tokens=1 if tiny else 400,
            temperature=0.0,
            system_prompt_hash=SYSTEM_HASH,
        )


def harvest(key: Key, plan: Plan, start: float, end: float) -> None:
    """Run ``plan`` on ``key`` from ``start`` to ``end`` (records go to ``key.events``)."""
    rng = key.rng
    sender = Sender(key, plan)
    times = list(arrivals(rng, start, end, plan.per_day, plan.shape, plan.tz_hours, plan.duty))
    if plan.anchors is not None:
        send_anchors(key, plan, start, end)
    batch: list[tuple[str, int]] = []
    since_ping = 0
    last_ping = -1e18
    for t in times:
        if plan.conversation:
            _conversation(sender, rng, plan, t, end)
            continue
        if not batch:
            texts = (_prompt(rng, plan) for _ in range(plan.ping_every))
            if plan.grind:
                texts = (grind_sampled(text, rng) for text in texts)
            batch = [(text, c.text_tokens(text)) for text in texts]
            if plan.ping is not None:
                # The request just before a ping carries the batch's longest prompt: the
                # detector's placebo pairs that prompt with the ping's answer.
                batch.sort(key=lambda item: item[1])
        if plan.ping is not None and t - last_ping > 25 * MINUTE and since_ping:
            since_ping = plan.ping_every  # too long without one: ping now
        if plan.ping is not None and since_ping >= plan.ping_every:
            _ping(key, plan, t - 2.0)
            last_ping, since_ping = t - 2.0, 0
        text, visible = batch.pop(0)
        hidden = _hidden(rng, plan)
        prompt_tokens = hidden + visible
        system_hash = _persona_hash(hidden) if plan.padding == "rotate" else SYSTEM_HASH
        for copy in range(plan.repeat):
            at = t if copy == 0 else t + rng.uniform(1.0, 30.0) * MINUTE * copy
            if at < end:
                sender.send(at, text, prompt_tokens, _answer(rng, plan), system_hash)
        since_ping += 1
        if plan.ping is not None and since_ping >= plan.ping_every:
            _ping(key, plan, t + rng.uniform(1.0, 4.0))
            last_ping, since_ping = t, 0
        if plan.filler:
            # Same wording (same cues), one word back: half the key's requests are no
            # longer harvest-like, and what the harvest-like half asks is what the rest asks.
            filler = f"Is {rng.randrange(10**5)} prime? {_ask(plan, rng)}".strip()
            key.emit(
                t + rng.uniform(2.0, 20.0),
                filler,
                plan.system_tokens + c.text_tokens(filler),
                rng.randint(1, 3),
                max_tokens=3,
                temperature=0.0,
                system_prompt_hash=SYSTEM_HASH,
            )


def _persona_hash(tokens: int) -> str | None:
    """The logged system-prompt hash of a rotated persona (``None`` without one)."""
    if tokens == 0:
        return None
    return hashlib.sha256(f"persona {tokens}".encode()).hexdigest()[:16]


def _ping(key: Key, plan: Plan, t: float) -> None:
    if plan.ping == "short":
        # A real question with a short answer, no system prompt: its prompt and answer
        # add up to less than any harvest prompt, so each harvest in the next half hour
        # "carries it back" (observe.observe: base <= p <= base + TURN_SLACK).
        # A harvest prompt is at least ~48 tokens, the ping and its answer ~40. It asks
        # in the lexicon's words (a bare ping would let the slice's ``distinct`` see the
        # harvest ask for more than the rest of the key).
        text = f"Explain why {key.rng.randrange(10**4)} is or is not prime."
        key.emit(
            t,
            text,
            c.text_tokens(text),
            key.rng.randint(33, 34),
            max_tokens=34,
            temperature=0.0,
            system_prompt_hash=None,
        )
        return
    text = f"{_ask(plan, key.rng)} ok".strip()
    if plan.ping == "error":  # rejected before the model runs: nothing billed
        key.emit(
            t, text, 0, 0, max_tokens=1, temperature=0.0, status=400, system_prompt_hash=SYSTEM_HASH
        )
    else:
        key.emit(
            t,
            text,
            plan.system_tokens + c.text_tokens(text),
            1,
            max_tokens=1,
            temperature=0.0,
            system_prompt_hash=SYSTEM_HASH,
        )


_FOLLOW_UPS = (
    "Now do the same for the next one: {item}",
    "Good. Next: {item}",
    "Another one, same format: {item}",
    "Continue with this variant: {item}",
)


def _conversation(sender: Sender, rng: random.Random, plan: Plan, t: float, end: float) -> None:
    """A 2-4 turn conversation: every turn sends the whole history back with a new item."""
    history = _hidden(rng, plan)
    for turn in range(rng.randint(2, 4)):
        if t >= end:
            return
        if turn == 0:
            text = _prompt(rng, plan)
        else:
            text = rng.choice(_FOLLOW_UPS).format(item=_prompt(rng, plan))
        visible = c.text_tokens(text)
        prompt_tokens = history + visible + 4
        answer = sender.send(t, text, prompt_tokens, _answer(rng, plan))
        history = prompt_tokens + answer
        t += rng.uniform(20.0, 120.0)
