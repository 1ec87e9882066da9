"""Benign services: long-form content, translation, retrieval-augmented answers, resellers."""

from __future__ import annotations

import random

from benchmarks.heldout import human as H
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
    structure_of,
)
from benchmarks.heldout.infra import (
    CHAT_MODELS,
    REASONING_MODELS,
    Pool,
    make_pool,
    user_agent,
)
from benchmarks.heldout.tasks import document, sentence
from benchmarks.heldout.timing import Timing, draw_timing
from benchmarks.heldout.workloads import (
    clamp,
    lognorm,
    prompt_hash,
)
from benchmarks.heldout.world import DAY, World, client


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
        add_single_requests(
            w,
            rng,
            "content_generator",
            structure_of(timing, pool, ua_kind, models, fields),
            timing,
            make,
            (models, ua_kind, pool, fields),
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
        add_single_requests(
            w,
            rng,
            "translation",
            structure_of(timing, pool, ua_kind, models, fields),
            timing,
            make,
            (models, ua_kind, pool, fields),
        )


def rag_assistants(w: World, count: int) -> None:
    """Retrieval-augmented assistants: long retrieved contexts, moderate answers."""
    for i in range(count):
        rng = w.sub(f"rag/{i}")
        rate = lognorm(rng, 6.0, 1.0) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("daily_curve", "working_hours")), rate)
        req = app_params(rng)
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
            reasoning_of(300) if models[0] in REASONING_MODELS else no_reasoning,
            req,
        )
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("sdk_default", "script"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="rag_assistant",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields),
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
    req = app_params(rng)

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
        conv_output(rng.uniform(1.0, 1.6)),
        no_reasoning,
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
        structure=structure_of(timing, pool, ua_kind, models, fields),
        behaviours=[
            (timing, work, client(models, user_agent(ua_kind, rng), pool, fields), w.t0, w.t1)
        ],
        created=w.t0 - DAY * rng.uniform(200, 1500),
    )
