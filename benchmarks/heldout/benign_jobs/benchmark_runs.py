"""Benchmark runs: declared eval runs and labs running the same public benchmark."""

from __future__ import annotations

import functools
import random

from benchmarks.heldout.actor import Client, Request, Workload, tokens_of
from benchmarks.heldout.benign_common import BENIGN, structure_of
from benchmarks.heldout.infra import MODELS, REASONING_MODELS, make_pool, user_agent
from benchmarks.heldout.tasks import Item, TaskSpace
from benchmarks.heldout.timing import Timing
from benchmarks.heldout.workloads import Listed, SingleRequests, clamp, lognorm
from benchmarks.heldout.world import World, client


@functools.cache
def public_benchmark() -> list[Item]:
    """A public reasoning benchmark: the same items for everyone who runs it."""
    math = TaskSpace(("competition_math", "math_word", "logic"), seed="public-bench-v2", block=40)
    code = TaskSpace(("coding",), seed="public-code-bench", block=30)
    return [math.item(i) for i in range(1200)] + [code.item(i) for i in range(300)]


HARNESSES: tuple[str, ...] = (
    "Question: {q}\nAnswer: Let's think step by step.",
    "Solve the following problem. Reason step by step, and put your final answer within "
    "\\boxed{{}}.\n\n{q}",
    "{q}\n\nPlease reason step by step, and put your final answer at the end after 'ANSWER:'.",
    "Problem: Find 3 + 4 * 2.\nSolution: 4 * 2 = 8 and 3 + 8 = 11. The answer is 11.\n\n"
    "Problem: {q}\nSolution:",
    "You will be given a problem. Provide your solution and end with 'The final answer is "
    "X'.\n\n{q}",
)


def _bench_request(
    item: Item, harness: str, shots: int, n: int | None, temp: float | None, r: random.Random
) -> Request:
    text = harness.format(q=item.text)
    return Request(
        tokens_of(text) + shots,
        clamp(lognorm(r, item.depth * 0.8, 0.4), 40, 6000),
        text,
        clamp(lognorm(r, item.depth * 2.5, 0.6), 50, 30000),
        n,
        temp,
        None,
    )


class _Bench(SingleRequests):
    def __init__(
        self, source: Listed, harness: str, shots: int, n: int | None, temp: float | None
    ) -> None:
        super().__init__(lambda r: _bench_request(source.next(r), harness, shots, n, temp, r))


def declared_benchmarks(w: World, count: int) -> None:
    """Declared benchmark runs: tens of thousands of reasoning prompts in a few hours.

    Each run walks the public benchmark in order, once per model or seed, in
    windows of a few hours; the account says it is an eval team (and it is).
    """
    items = public_benchmark()
    for i in range(count):
        rng = w.sub(f"declared/{i}")
        runs = rng.randint(2, 6)
        span = w.t1 - w.t0
        behaviours: list[tuple[Timing, Workload, Client, float, float]] = []
        models_used = []
        pool = make_pool(rng.choice(("single", "few", "rotating_dc")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        harness = rng.choice(HARNESSES)
        shots = rng.choice((0, 0, 800, 2000))
        n = rng.choice((None, None, 1, 4, 8))
        temp = 0.0 if n in (None, 1) else rng.choice((0.6, 0.8, 1.0))
        for _ in range(runs):
            model = rng.choice((*REASONING_MODELS, "gpt-4o", "gpt-4.1"))
            models_used.append(model)
            hours = rng.uniform(1.5, 5.0)
            total = len(items) * rng.choice((1, 2, 4, 8)) * w.scale_rate
            a = w.t0 + rng.uniform(0.0, span - hours * 3600.0)
            timing = Timing(
                "window",
                total / hours,
                0.0,
                "poisson",
                {"hours": round(hours, 1)},
                [(a, a + hours * 3600.0)],
            )
            src = Listed(items, shuffled=False, start=rng.randrange(len(items)))
            behaviours.append(
                (
                    timing,
                    _Bench(src, harness, shots, n, temp),
                    client((model,), user_agent(ua_kind, rng), pool, fields),
                    w.t0,
                    w.t1,
                )
            )
        structure = structure_of(
            behaviours[0][0],
            pool,
            ua_kind,
            tuple(models_used),
            fields,
            runs=runs,
            n=n,
            harness=HARNESSES.index(harness),
        )
        w.add(
            rng,
            scenario="declared_benchmark_run",
            label=BENIGN,
            structure=structure,
            behaviours=behaviours,
        )


def benchmark_labs(w: World, count: int) -> None:
    """The same public benchmark run by many unrelated labs (same items, many keys)."""
    items = public_benchmark()
    for i in range(count):
        rng = w.sub(f"labs/{i}")
        hours = rng.uniform(1.0, 8.0)
        size = rng.choice((200, 500, 1000, 1500)) * w.scale_rate
        a = w.t0 + rng.uniform(0.0, w.t1 - w.t0 - hours * 3600.0)
        windows = [(a, a + hours * 3600.0)]
        if rng.random() < 0.3:
            b = w.t0 + rng.uniform(0.0, w.t1 - w.t0 - hours * 3600.0)
            windows.append((b, b + hours * 3600.0))
        timing = Timing("window", size / hours, 0.0, "poisson", {"hours": round(hours, 1)}, windows)
        model = rng.choice(tuple(MODELS))
        harness = rng.choice(HARNESSES)
        src = Listed(items, shuffled=rng.random() < 0.3, start=0)
        pool = make_pool(rng.choice(("single", "few", "home")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        work = _Bench(src, harness, rng.choice((0, 0, 600)), None, rng.choice((None, 0.0)))
        w.add(
            rng,
            scenario="public_benchmark_lab",
            label=BENIGN,
            structure=structure_of(
                timing, pool, ua_kind, (model,), fields, harness=HARNESSES.index(harness)
            ),
            behaviours=[
                (timing, work, client((model,), user_agent(ua_kind, rng), pool, fields), w.t0, w.t1)
            ],
        )
