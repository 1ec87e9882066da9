"""People at work: eval and labelling teams, individual developers."""

from __future__ import annotations

import random

from benchmarks.heldout import human as H
from benchmarks.heldout import vocab as V
from benchmarks.heldout.actor import Request, tokens_of
from benchmarks.heldout.benign_common import add_single_requests, start_for, structure_of
from benchmarks.heldout.infra import MODELS, make_pool
from benchmarks.heldout.tasks import document
from benchmarks.heldout.timing import draw_timing
from benchmarks.heldout.workloads import clamp, lognorm
from benchmarks.heldout.world import World


def eval_teams(w: World, count: int) -> None:
    """Data-labelling and eval teams: judge prompts and sweeps over several models."""
    for i in range(count):
        rng = w.sub(f"evalteam/{i}")
        rate = lognorm(rng, 150.0, 0.9) * w.scale_rate
        timing = draw_timing(rng, rng.choice(("working_hours", "bursty", "duty_cycle")), rate)
        models = tuple(rng.sample(tuple(MODELS), rng.randint(2, 5)))
        judge = rng.random() < 0.6

        def make(r: random.Random, judge: bool = judge) -> Request:
            q = H.everyday(r)
            if judge:
                text = (
                    "Evaluate the response for correctness and helpfulness. Explain briefly, "
                    "then give a score "
                    f"1-10.\n\n[Question]\n{q}\n\n[Response]\n{document(r, r.randint(2, 6))}"
                )
                return Request(
                    tokens_of(text) + clamp(lognorm(r, 500, 0.6), 0, 8000),
                    clamp(lognorm(r, 140, 0.5), 5, 900),
                    text,
                    clamp(lognorm(r, 300, 0.7), 0, 5000),
                    None,
                    0.0,
                    512,
                )
            text = f"Annotate the entities and their types in: {document(r, 2)}"
            return Request(
                tokens_of(text) + 300,
                clamp(lognorm(r, 90, 0.5), 5, 600),
                text,
                100,
                None,
                0.0,
                None,
            )

        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        add_single_requests(
            w,
            rng,
            "eval_team",
            structure_of(timing, pool, ua_kind, models, fields, judge=judge),
            timing,
            make,
            (models, ua_kind, pool, fields),
        )


_DEV_PROMPTS: tuple[str, ...] = (
    "test",
    "hello",
    "Say this is a test",
    "ping",
    "hi",
    "What model are you?",
    "return the word OK",
    "Write a haiku about unit tests",
)


def developers(w: World, count: int) -> None:
    """Individual developers: a few sporadic requests, bursts while building something."""
    for i in range(count):
        rng = w.sub(f"dev/{i}")
        shape = rng.choice(("sparse", "sparse", "bursty", "working_hours"))
        rate = (
            lognorm(rng, 0.4, 1.0) if shape == "sparse" else lognorm(rng, 2.0, 1.0)
        ) * w.scale_rate
        timing = draw_timing(rng, shape, rate)
        if shape == "bursty":
            timing.params.update(burst_size=rng.uniform(3, 25), spacing=rng.uniform(5, 60))
        models = tuple(rng.sample(tuple(MODELS), rng.randint(1, 3)))
        cap = rng.choice((None, None, 50, 100, 256, 1000))

        def make(r: random.Random, cap: int | None = cap) -> Request:
            roll = r.random()
            if roll < 0.25:
                text = r.choice(_DEV_PROMPTS)
                return Request(
                    tokens_of(text) + 8,
                    clamp(lognorm(r, 12, 0.8), 1, 200),
                    text,
                    clamp(lognorm(r, 60, 1), 0, 800),
                    None,
                    None,
                    cap,
                )
            text = (
                H.everyday(r)
                if roll < 0.6
                else H.casual(r, f"how do i write a function that {r.choice(V.CODE_BEHAVIOURS)[1]}")
            )
            return Request(
                tokens_of(text) + r.choice((0, 0, 30, 200)),
                clamp(lognorm(r, 300, 0.8), 5, 4000),
                text,
                clamp(lognorm(r, 400, 1), 0, 8000),
                None,
                r.choice((None, 0.0, 0.7, 1.0)),
                cap,
            )

        pool = make_pool(rng.choice(("home", "home", "few", "single", "ipv6")), rng)
        ua_kind = rng.choice(("script", "sdk_default", "sdk_default", "browser_other"))
        fields = w.fields(rng)
        start, created = start_for(w, rng, 0.1)
        add_single_requests(
            w,
            rng,
            "individual_developer",
            structure_of(timing, pool, ua_kind, models, fields),
            timing,
            make,
            (models, ua_kind, pool, fields),
            start=start,
            created=created,
        )
