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

__all__ = ["Plan", "Sender", "harvest", "send_anchors"]

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
        ``None``; ``fixed`` (a cached block of ``pad`` tokens on every request) or
        ``prefix`` (a prefix of a cached document, log-uniform in ``pad_range``).
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
        ``None``, ``tiny`` (a one-token request after every few harvests) or ``error``
        (a rejected request: status 400, no tokens billed).
    ping_every
        Harvests between pings.
    anchors
        Low-hash anchor prompts resent every 20 minutes (the repeat sketch).
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
    anchors: bool = False
    conversation: bool = False
    filler: bool = False
    prompts: bool = True


def _hidden(rng: random.Random, plan: Plan) -> int:
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

    def send(self, t: float, text: str, prompt_tokens: int, answer: int) -> int:
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
            t, text, prompt_tokens, completion, plan.model, plan.n, temperature,
            plan.max_tokens, reasoning, system_prompt_hash=SYSTEM_HASH,
        )  # fmt: skip
        return visible


def send_anchors(key: Key, times: list[float], anchors: tuple[str, ...], tokens: int) -> None:
    """Resend the anchor prompts at ``times`` (cycling), each right after a window opens.

    The detector fingerprints the first four prompts of each key's five-minute window
    (epoch-aligned), so an anchor sent half a second into a window is always read.
    """
    for i, t in enumerate(times):
        at = (t // 300.0) * 300.0 + 0.4
        key.emit(at, anchors[i % len(anchors)], tokens, 1, max_tokens=1, temperature=0.0,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip


def harvest(key: Key, plan: Plan, start: float, end: float) -> None:
    """Run ``plan`` on ``key`` from ``start`` to ``end`` (records go to ``key.events``)."""
    rng = key.rng
    sender = Sender(key, plan)
    times = list(arrivals(rng, start, end, plan.per_day, plan.shape, plan.tz_hours, plan.duty))
    if plan.anchors:
        anchors = c.low_hash_prompts(f"ok {rng.randrange(10**6)}", 32)
        # All 32 first (they fill the sketch), then one every 20 minutes, for good.
        first = [start + i * 240.0 for i in range(32)]
        later = [start + 32 * 240.0 + i * 1200.0 for i in range(int((end - start) / 1200.0))]
        send_anchors(key, [t for t in first + later if t < end], anchors,
                     plan.system_tokens + 1)  # fmt: skip
    batch: list[tuple[str, int]] = []
    since_ping = 0
    last_ping = -1e18
    for t in times:
        if plan.conversation:
            _conversation(sender, rng, plan, t, end)
            continue
        if not batch:
            batch = [(text, c.text_tokens(text)) for text in (_prompt(rng, plan) for _ in range(plan.ping_every))]
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
        prompt_tokens = _hidden(rng, plan) + visible
        for copy in range(plan.repeat):
            at = t if copy == 0 else t + rng.uniform(1.0, 30.0) * MINUTE * copy
            if at < end:
                sender.send(at, text, prompt_tokens, _answer(rng, plan))
        since_ping += 1
        if plan.ping is not None and since_ping >= plan.ping_every:
            _ping(key, plan, t + rng.uniform(1.0, 4.0))
            last_ping, since_ping = t, 0
        if plan.filler:
            # Same wording (same cues), one word back: half the key's requests are no
            # longer harvest-like, and what the harvest-like half asks is what the rest asks.
            ask = text.rsplit(". ", 1)[-1] if plan.wording != "plain" else ""
            filler = f"In one word: is {rng.randrange(10**5)} prime? {ask}".strip()
            key.emit(t + rng.uniform(2.0, 20.0), filler, plan.system_tokens + c.text_tokens(filler),
                     rng.randint(1, 3), max_tokens=3, temperature=0.0,
                     system_prompt_hash=SYSTEM_HASH)  # fmt: skip


def _ping(key: Key, plan: Plan, t: float) -> None:
    if plan.ping == "error":  # rejected before the model runs: nothing billed
        key.emit(t, "ok", 0, 0, max_tokens=1, temperature=0.0, status=400,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    else:
        key.emit(t, "ok", plan.system_tokens + 1, 1, max_tokens=1, temperature=0.0,
                 system_prompt_hash=SYSTEM_HASH)  # fmt: skip


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

