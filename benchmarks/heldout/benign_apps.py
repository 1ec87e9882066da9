"""Benign products with end users: chat, support, smart replies, tutoring, framework apps...

Each builder adds ``count`` keys to the :class:`~benchmarks.heldout.world.World`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.heldout import human as H
from benchmarks.heldout import phrases as P
from benchmarks.heldout import vocab as V
from benchmarks.heldout.actor import Request, Session, Workload, tokens_of
from benchmarks.heldout.azure import CONV_GENERATED, Quantiles
from benchmarks.heldout.infra import (
    CHAT_MODELS,
    FRAMEWORK_UA,
    LIBRARY_UA,
    REASONING_MODELS,
    Pool,
    make_pool,
    shared_pool,
    user_agent,
)
from benchmarks.heldout.tasks import document, make_item, sentence
from benchmarks.heldout.timing import Timing, draw_timing
from benchmarks.heldout.workloads import (
    Conversation,
    SingleRequests,
    clamp,
    lognorm,
    prompt_hash,
    turn_times,
)
from benchmarks.heldout.world import DAY, World, client, fields_note

BENIGN = "benign"
_CONV_OUT = Quantiles(CONV_GENERATED)


class ConvWorkload(Workload):
    """Multi-turn conversations: an opener, follow-ups, growing history."""

    def __init__(
        self,
        base: int,
        opener: Callable[[random.Random], str],
        followup: Callable[[random.Random], str],
        turns_mean: float,
        gap: tuple[float, float],
        output: Callable[[random.Random], int],
        reasoning: Callable[[random.Random], int],
        req: Request,
    ) -> None:
        self.base = base
        self.opener = opener
        self.followup = followup
        self.turns_mean = turns_mean
        self.gap = gap
        self.output = output
        self.reasoning = reasoning
        self.req = req

    def session(self, rng: random.Random, t: float) -> Session:
        extra = self.turns_mean - 1.0
        turns = 1 + (min(30, int(rng.expovariate(1.0 / extra))) if extra > 0 else 0)
        times = turn_times(rng, t, turns, self.gap)

        def turn(r: random.Random, i: int, history: int) -> tuple[str, int, int]:
            text = self.opener(r) if i == 0 else self.followup(r)
            return text, self.output(r), self.reasoning(r)

        return Conversation(times, self.base, turn, self.req)


def _no_reasoning(rng: random.Random) -> int:
    return 0


def _reasoning(median: float) -> Callable[[random.Random], int]:
    return lambda r: clamp(lognorm(r, median, 0.7), 0, 30000)


def _conv_output(scale: float) -> Callable[[random.Random], int]:
    return lambda r: clamp(_CONV_OUT.sample(r) * scale, 1, 8000)


def _params(rng: random.Random) -> Request:
    """Request parameters an app sets (or leaves unset)."""
    return Request(
        prompt_tokens=0,
        output=0,
        temperature=rng.choice((None, None, 0.2, 0.5, 0.7, 0.7, 1.0)),
        max_tokens=rng.choice((None, None, 512, 1024, 1024, 2048, 4096)),
        n=rng.choice((None, None, None, 1)),
    )


def _structure(
    timing: Timing,
    pool: Pool | None,
    ua: str,
    models: tuple[str, ...],
    fields: frozenset[str],
    **more: object,
) -> dict[str, object]:
    return {
        "timing": timing.describe(),
        "infrastructure": pool.kind if pool else "none",
        "user_agent": ua,
        "models": list(models),
        "fields_absent": fields_note(fields),
        **more,
    }


def _start_for(w: World, rng: random.Random, new_share: float) -> tuple[float, float | None]:
    """(first active time, account creation): most accounts predate the log."""
    if rng.random() < new_share:
        start = w.t0 + rng.uniform(0.0, w.t1 - w.t0) * 0.8
        return start, start - rng.uniform(60.0, 6 * 3600.0)
    return w.t0, None


def chat_apps(w: World, count: int) -> None:
    """Consumer chat apps: multi-turn conversations, prompts grow with history."""
    for i in range(count):
        rng = w.sub(f"chat/{i}")
        rate = lognorm(rng, 4.0, 1.1) * w.scale_rate
        timing = draw_timing(rng, "daily_curve", rate)
        system = (
            f"You are {rng.choice(V.NAMES)}, the assistant of {rng.choice(V.COMPANIES)}'s app. "
            "Be concise."
        )
        req = _params(rng)
        req.system_hash = prompt_hash(system)
        models = (
            (rng.choice(CHAT_MODELS),) if rng.random() < 0.8 else tuple(rng.sample(CHAT_MODELS, 2))
        )
        pool = make_pool(rng.choice(("single", "few", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script", "sdk_default"))
        fields = w.fields(rng)
        work = ConvWorkload(
            tokens_of(system) + rng.randint(0, 600),
            H.chat_opener,
            lambda r: H.casual(r, r.choice(V.CHAT_FOLLOWUPS)),
            rng.uniform(2.0, 6.0),
            (15.0, 400.0),
            _conv_output(rng.uniform(0.8, 1.8)),
            _no_reasoning,
            req,
        )
        start, created = _start_for(w, rng, 0.04)
        w.add(
            rng,
            scenario="chat_app",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields, multi_turn=True),
            behaviours=[
                (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), start, w.t1)
            ],
            created=created,
        )


def support_bots(w: World, count: int) -> None:
    """Customer-support bots, 24/7, many on a reasoning model (hidden reasoning billed)."""
    for i in range(count):
        rng = w.sub(f"support/{i}")
        rate = lognorm(rng, 8.0, 0.9) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("daily_curve", "flat")), rate)
        timing.params["amp"] = rng.uniform(0.15, 0.5)
        company = rng.choice(V.COMPANIES)
        system = (
            f"You are the support assistant for {company}. Policies: refunds within 30 days; "
            f"escalate safety issues. Tools: order lookup, refund, ticket. Always be polite."
        )
        reasoning_model = rng.random() < 0.7
        models = (rng.choice(REASONING_MODELS),) if reasoning_model else (rng.choice(CHAT_MODELS),)
        req = _params(rng)
        req.system_hash = prompt_hash(system)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        work = ConvWorkload(
            tokens_of(system) * rng.randint(3, 12),
            H.support_message,
            lambda r: H.casual(r, r.choice(H.SUPPORT_FOLLOWUPS)),
            rng.uniform(1.5, 4.0),
            (20.0, 240.0),
            lambda r: clamp(lognorm(r, 140, 0.5), 15, 900),
            _reasoning(rng.uniform(150, 700)) if reasoning_model else _no_reasoning,
            req,
        )
        w.add(
            rng,
            scenario="support_bot",
            label=BENIGN,
            structure=_structure(
                timing, pool, ua_kind, models, fields, reasoning_model=reasoning_model
            ),
            behaviours=[
                (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), w.t0, w.t1)
            ],
        )


def smart_replies(w: World, count: int) -> None:
    """Smart-reply features: n=3 short candidates per incoming message."""
    for i in range(count):
        rng = w.sub(f"smartreply/{i}")
        rate = lognorm(rng, 30.0, 1.0) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("daily_curve", "working_hours")), rate)
        n = rng.choice((3, 3, 3, 2, 4, 5))
        cap = rng.choice((40, 60, 80, 120))
        temp = rng.choice((0.7, 0.8, 0.9, 1.0))
        frame = rng.choice(
            (
                "Suggest {n} short replies to this message:\n{msg}",
                "Reply options ({n}), max one sentence each. Message: {msg}",
                "Write a brief reply to the email below.\n\n{msg}",
            )
        )
        system_hash = prompt_hash(f"smart-reply-{i}") if rng.random() < 0.6 else None
        models = (rng.choice(("gpt-4o-mini", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-3.5-turbo")),)

        def make(
            r: random.Random,
            frame: str = frame,
            n: int = n,
            cap: int = cap,
            temp: float = temp,
            sh: str | None = system_hash,
        ) -> Request:
            msg = f"{r.choice(V.NAMES)}: {sentence(r)} {H.everyday(r)}"
            text = frame.format(n=n, msg=msg)
            thread = clamp(lognorm(r, 180, 0.8), 20, 4000)
            return Request(
                tokens_of(text) + thread,
                clamp(lognorm(r, 24, 0.5), 3, 200),
                text,
                0,
                n,
                temp,
                cap,
                sh,
            )

        pool = make_pool(rng.choice(("single", "few")), rng)
        fields = w.fields(rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        w.add(
            rng,
            scenario="smart_reply",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields, n=n, max_tokens=cap),
            behaviours=[
                (
                    timing,
                    SingleRequests(make),
                    client(models, user_agent(ua_kind, rng), pool, fields),
                    w.t0,
                    w.t1,
                )
            ],
        )


_TUTOR_TOPICS: dict[str, tuple[str, ...]] = {
    "math_word": ("change", "percent", "ratio", "ages", "speed", "averages"),
    "competition_math": ("combinatorics", "algebra", "probability"),
    "science": ("why", "audience"),
    "logic": ("knights", "weighing"),
}


def tutoring_apps(w: World, count: int) -> None:
    """Tutoring apps: students ask for step-by-step help and follow up."""
    for i in range(count):
        rng = w.sub(f"tutor/{i}")
        rate = lognorm(rng, 5.0, 0.9) * w.scale_rate
        timing = draw_timing(rng, "daily_curve", rate)
        timing.params["peak"] = rng.uniform(16.0, 21.0)
        system = (
            "You are a friendly tutor. Guide the student; explain step by step; "
            "check understanding."
        )
        req = _params(rng)
        req.system_hash = prompt_hash(system + str(i % 3))

        def opener(r: random.Random) -> str:
            domain = r.choice(tuple(_TUTOR_TOPICS))
            item = make_item(domain, r.choice(_TUTOR_TOPICS[domain]), r)
            ask = r.choice(P.TUTOR_ASKS).format(guess=r.randint(2, 90))
            return f"{item.text}\n{ask}" if r.random() < 0.6 else f"{ask}\n{item.text}"

        reasoning_model = rng.random() < 0.3
        models = (rng.choice(REASONING_MODELS),) if reasoning_model else (rng.choice(CHAT_MODELS),)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        work = ConvWorkload(
            tokens_of(system) + 200,
            opener,
            lambda r: H.casual(r, r.choice(P.TUTOR_FOLLOWUPS).format(guess=r.randint(2, 90))),
            rng.uniform(2.5, 6.0),
            (30.0, 300.0),
            lambda r: clamp(lognorm(r, 380, 0.5), 40, 2500),
            _reasoning(500) if reasoning_model else _no_reasoning,
            req,
        )
        start, created = _start_for(w, rng, 0.03)
        w.add(
            rng,
            scenario="tutoring_app",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields, multi_turn=True),
            behaviours=[
                (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), start, w.t1)
            ],
            created=created,
        )


FRAMEWORK_SYSTEM = (
    "You are a helpful assistant built with Pallet. Think step by step, explain your reasoning "
    "clearly, and give a complete answer. If unsure, say so."
)


def framework_customers(w: World, count: int) -> None:
    """One framework app used by many customers: shared header and system prompt.

    Its default system prompt asks for step-by-step answers; some customers run
    it on their own servers, most on the framework's hosted platform (one
    shared cloud egress). Each customer's end users ask their own questions.
    """
    platform = shared_pool(w.sub("framework/egress"), 6)
    system_hash = prompt_hash(FRAMEWORK_SYSTEM)
    for i in range(count):
        rng = w.sub(f"framework/{i}")
        hosted = rng.random() < 0.65
        pool = platform if hosted else make_pool(rng.choice(("single", "few")), rng)
        rate = lognorm(rng, 2.5, 1.1) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("daily_curve", "daily_curve", "working_hours")), rate)
        custom = rng.random() < 0.15  # some customers override the default prompt
        req = _params(rng)
        req.system_hash = prompt_hash(f"custom-{i}") if custom else system_hash
        models = (rng.choice(("gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o4-mini")),)
        reasoning = models[0] in REASONING_MODELS
        mix = rng.random()

        def opener(r: random.Random, mix: float = mix) -> str:
            roll = r.random()
            if roll < mix * 0.6:
                return H.support_message(r)
            if roll < 0.8:
                return H.chat_opener(r)
            return H.everyday(r)

        fields = w.fields(rng, drop=("prompt_text",) if rng.random() < 0.1 else ())
        work = ConvWorkload(
            tokens_of(FRAMEWORK_SYSTEM) + rng.randint(0, 400),
            opener,
            lambda r: H.casual(r, r.choice(V.CHAT_FOLLOWUPS)),
            rng.uniform(1.2, 4.0),
            (20.0, 300.0),
            _conv_output(rng.uniform(1.2, 2.2)),
            _reasoning(400) if reasoning else _no_reasoning,
            req,
        )
        start, created = _start_for(w, rng, 0.06)
        w.add(
            rng,
            scenario="framework_app_customer",
            label=BENIGN,
            structure=_structure(
                timing, pool, "framework", models, fields, hosted=hosted, custom_prompt=custom
            ),
            behaviours=[(timing, work, client(models, FRAMEWORK_UA, pool, fields), start, w.t1)],
            created=created,
        )


LIBRARY_FRAMES: tuple[tuple[str, str], ...] = (
    (
        "qa",
        "Answer the question using only the context below. If the answer is not in the context, "
        "reply that you don't know.\n\nContext:\n{ctx}\n\nQuestion: {q}\nHelpful answer:",
    ),
    ("summary", 'Write a concise summary of the following text:\n\n"{ctx}"\n\nCONCISE SUMMARY:'),
    (
        "condense",
        "Given the chat history and a follow-up question, rewrite the follow-up as a "
        "standalone question.\n\nChat history:\n{ctx}\nFollow-up: {q}\nStandalone question:",
    ),
    (
        "extract",
        "Extract the entities mentioned in the text as JSON with keys people, places, "
        "organisations.\n\nText: {ctx}",
    ),
)


def library_defaults(w: World, count: int) -> None:
    """Users of a popular client library sending its default prompt frames with their own "
    "content."""
    for i in range(count):
        rng = w.sub(f"library/{i}")
        rate = lognorm(rng, 6.0, 1.2) * w.scale_rate
        timing = draw_timing(
            rng, rng.choice(("daily_curve", "working_hours", "bursty", "flat")), rate
        )
        frames = rng.sample(LIBRARY_FRAMES, rng.randint(1, 3))
        models = (rng.choice(CHAT_MODELS),)

        def make(r: random.Random, frames: list[tuple[str, str]] = frames) -> Request:
            kind, frame = r.choice(frames)
            ctx = document(r, r.randint(2, 6))
            text = frame.format(ctx=ctx, q=H.everyday(r))
            out = {"qa": 120, "summary": 110, "condense": 25, "extract": 90}[kind]
            return Request(
                tokens_of(text) + clamp(lognorm(r, 900, 0.8), 0, 12000) * (kind != "condense"),
                clamp(lognorm(r, out, 0.5), 3, 1500),
                text,
                temperature=0.0 if r.random() < 0.5 else None,
            )

        pool = make_pool(rng.choice(("single", "few", "home")), rng)
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="client_library_default",
            label=BENIGN,
            structure=_structure(
                timing, pool, "library", models, fields, frames=[k for k, _ in frames]
            ),
            behaviours=[
                (timing, SingleRequests(make), client(models, LIBRARY_UA, pool, fields), w.t0, w.t1)
            ],
        )


def content_generators(w: World, count: int) -> None:
    """Long-form content generators: short templated prompts, long outputs."""
    kinds = (
        "blog post",
        "product page",
        "newsletter",
        "landing page copy",
        "how-to guide",
        "listicle",
    )
    for i in range(count):
        rng = w.sub(f"content/{i}")
        rate = lognorm(rng, 10.0, 1.0) * w.scale_rate
        timing = draw_timing(
            rng, rng.choice(("daily_curve", "working_hours", "duty_cycle", "flat")), rate
        )
        cap = rng.choice((None, 4096, 4096, 8192, 3000))
        models = (rng.choice(("gpt-4o", "gpt-4.1", "gpt-4o-mini", "gpt-4.1-mini")),)

        def make(r: random.Random, cap: int | None = cap) -> Request:
            words = r.choice((600, 800, 1000, 1200, 1500, 2000))
            text = (
                f"Write a {words}-word {r.choice(kinds)} about "
                f"{r.choice(V.CHAT_TOPICS + V.PRODUCTS)} "
                f"for {r.choice(H._WHO)}. Tone: "
                f"{r.choice(('friendly', 'expert', 'playful', 'formal'))}. "
                f"Include {r.randint(3, 6)} subheadings and a call to action."
            )
            return Request(
                tokens_of(text) + 150,
                clamp(lognorm(r, words * 1.35, 0.2), 200, 6000),
                text,
                0,
                None,
                0.8,
                cap,
                prompt_hash("seo-writer"),
            )

        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="content_generator",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields),
            behaviours=[
                (
                    timing,
                    SingleRequests(make),
                    client(models, user_agent(ua_kind, rng), pool, fields),
                    w.t0,
                    w.t1,
                )
            ],
        )


def translators(w: World, count: int) -> None:
    """Translation services: output about as long as the input."""
    for i in range(count):
        rng = w.sub(f"translate/{i}")
        rate = lognorm(rng, 30.0, 1.1) * w.scale_rate
        timing = draw_timing(
            rng, rng.choice(("daily_curve", "flat", "bursty", "working_hours")), rate
        )
        target = rng.sample(V.LANGUAGES, rng.randint(1, 4))
        models = (rng.choice(CHAT_MODELS),)

        def make(r: random.Random, target: list[str] = target) -> Request:
            src = " ".join(sentence(r) for _ in range(r.randint(1, 8)))
            text = (
                f"Translate the following text into {r.choice(target)}. Keep formatting.\n\n{src}"
            )
            size = tokens_of(src) * clamp(lognorm(r, 3.0, 0.9), 1, 60)
            return Request(
                size + 40, clamp(size * r.uniform(1.0, 1.6), 5, 16000), text, temperature=0.2
            )

        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="translation",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields),
            behaviours=[
                (
                    timing,
                    SingleRequests(make),
                    client(models, user_agent(ua_kind, rng), pool, fields),
                    w.t0,
                    w.t1,
                )
            ],
        )


def rag_assistants(w: World, count: int) -> None:
    """Retrieval-augmented assistants: long retrieved contexts, moderate answers."""
    for i in range(count):
        rng = w.sub(f"rag/{i}")
        rate = lognorm(rng, 6.0, 1.0) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("daily_curve", "working_hours")), rate)
        req = _params(rng)
        req.system_hash = prompt_hash(f"rag-{i}")
        models = (rng.choice(("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini")),)
        retrieved = rng.uniform(1500, 6000)

        def opener(r: random.Random) -> str:
            return f"Context:\n{document(r, r.randint(3, 8))}\n\nQuestion: {H.everyday(r)}"

        work = ConvWorkload(
            clamp(lognorm(rng, retrieved, 0.3), 300, 30000),
            opener,
            lambda r: (
                f"Context:\n{document(r, 3)}\n\nQuestion: {H.casual(r, r.choice(V.CHAT_FOLLOWUPS))}"
            ),
            rng.uniform(1.2, 3.0),
            (20.0, 200.0),
            lambda r: clamp(lognorm(r, 220, 0.5), 20, 1500),
            _reasoning(300) if models[0] in REASONING_MODELS else _no_reasoning,
            req,
        )
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="rag_assistant",
            label=BENIGN,
            structure=_structure(timing, pool, ua_kind, models, fields),
            behaviours=[
                (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), w.t0, w.t1)
            ],
        )


def resellers(w: World, count: int) -> None:
    """Legitimate resellers: many end users' mixed traffic through one key."""
    for i in range(count):
        rng = w.sub(f"reseller/{i}")
        spec_rate = lognorm(rng, 120.0, 0.6) * w.scale_rate
        add_reseller_key(w, rng, spec_rate)


def reseller_behaviour(
    w: World, rng: random.Random, rate: float
) -> tuple[Timing, ConvWorkload, Pool, frozenset[str], tuple[str, ...], str]:
    """The benign part of a reseller's traffic (also used under a reseller blend attack)."""
    timing = draw_timing(rng, "daily_curve", rate)
    timing.params["amp"] = rng.uniform(0.2, 0.6)
    req = _params(rng)

    def opener(r: random.Random) -> str:
        roll = r.random()
        return (
            H.chat_opener(r)
            if roll < 0.5
            else H.support_message(r)
            if roll < 0.7
            else H.everyday(r)
        )

    work = ConvWorkload(
        rng.randint(50, 900),
        opener,
        lambda r: H.casual(r, r.choice(V.CHAT_FOLLOWUPS)),
        rng.uniform(1.5, 3.5),
        (15.0, 300.0),
        _conv_output(rng.uniform(1.0, 1.6)),
        _no_reasoning,
        req,
    )
    pool = make_pool("few", rng)
    fields = w.fields(rng)
    models = tuple(rng.sample(CHAT_MODELS, rng.randint(2, 4)))
    return timing, work, pool, fields, models, rng.choice(("script", "sdk_default"))


def add_reseller_key(w: World, rng: random.Random, rate: float) -> None:
    """A benign reseller key (the blend attack in ``abuse.py`` builds its own)."""
    timing, work, pool, fields, models, ua_kind = reseller_behaviour(w, rng, rate)
    w.add(
        rng,
        scenario="reseller",
        label=BENIGN,
        structure=_structure(timing, pool, ua_kind, models, fields),
        behaviours=[
            (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), w.t0, w.t1)
        ],
        created=w.t0 - DAY * rng.uniform(200, 1500),
    )
