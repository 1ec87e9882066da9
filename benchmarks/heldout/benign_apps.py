"""Benign products with end users: chat, support, smart replies, tutoring, framework apps,
users of a popular client library.

Each builder adds ``count`` keys to the :class:`~benchmarks.heldout.world.World`.
"""

from __future__ import annotations

import random

from benchmarks.heldout import human as H
from benchmarks.heldout import phrases as P
from benchmarks.heldout import vocab as V
from benchmarks.heldout.actor import Request, tokens_of
from benchmarks.heldout.benign_common import (
    BENIGN,
    ConvWorkload,
    add_single_requests,
    app_params,
    conv_output,
    no_reasoning,
    reasoning_of,
    start_for,
    structure_of,
)
from benchmarks.heldout.infra import (
    CHAT_MODELS,
    FRAMEWORK_UA,
    LIBRARY_UA,
    REASONING_MODELS,
    make_pool,
    shared_pool,
    user_agent,
)
from benchmarks.heldout.tasks import document, make_item, sentence
from benchmarks.heldout.timing import draw_timing
from benchmarks.heldout.workloads import (
    SingleRequests,
    clamp,
    lognorm,
    prompt_hash,
)
from benchmarks.heldout.world import World, client


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
        req = app_params(rng)
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
            conv_output(rng.uniform(0.8, 1.8)),
            no_reasoning,
            req,
        )
        start, created = start_for(w, rng, 0.04)
        w.add(
            rng,
            scenario="chat_app",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields, multi_turn=True),
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
        req = app_params(rng)
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
            reasoning_of(rng.uniform(150, 700)) if reasoning_model else no_reasoning,
            req,
        )
        w.add(
            rng,
            scenario="support_bot",
            label=BENIGN,
            structure=structure_of(
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
        add_single_requests(
            w,
            rng,
            "smart_reply",
            structure_of(timing, pool, ua_kind, models, fields, n=n, max_tokens=cap),
            timing,
            make,
            (models, ua_kind, pool, fields),
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
        req = app_params(rng)
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
            reasoning_of(500) if reasoning_model else no_reasoning,
            req,
        )
        start, created = start_for(w, rng, 0.03)
        w.add(
            rng,
            scenario="tutoring_app",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields, multi_turn=True),
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
        req = app_params(rng)
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
            conv_output(rng.uniform(1.2, 2.2)),
            reasoning_of(400) if reasoning else no_reasoning,
            req,
        )
        start, created = start_for(w, rng, 0.06)
        w.add(
            rng,
            scenario="framework_app_customer",
            label=BENIGN,
            structure=structure_of(
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
            structure=structure_of(
                timing, pool, "library", models, fields, frames=[k for k, _ in frames]
            ),
            behaviours=[
                (timing, SingleRequests(make), client(models, LIBRARY_UA, pool, fields), w.t0, w.t1)
            ],
        )
