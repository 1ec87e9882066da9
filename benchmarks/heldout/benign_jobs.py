"""Benign jobs and builders: pipelines, benchmark runs, agents, eval teams, developers."""

from __future__ import annotations

import functools
import random

from benchmarks.heldout import human as H
from benchmarks.heldout import vocab as V
from benchmarks.heldout.actor import Client, Request, Session, Workload, tokens_of
from benchmarks.heldout.azure import CODE_CONTEXT, Quantiles
from benchmarks.heldout.benign_common import BENIGN, start_for, structure_of
from benchmarks.heldout.infra import MODELS, REASONING_MODELS, make_pool, user_agent
from benchmarks.heldout.tasks import Item, TaskSpace, document, review
from benchmarks.heldout.timing import Timing, draw_timing
from benchmarks.heldout.workloads import (
    Listed,
    SingleRequests,
    clamp,
    lognorm,
    prompt_hash,
    turn_times,
)
from benchmarks.heldout.world import World, client

_CODE_CTX = Quantiles(CODE_CONTEXT, lo=0.3)


def label_pipelines(w: World, count: int) -> None:
    """Batch classifiers: one template, tiny capped outputs (often ``max_tokens`` = 1)."""
    for i in range(count):
        rng = w.sub(f"labels/{i}")
        rate = lognorm(rng, 150.0, 1.0) * w.scale_rate
        shape = rng.choice(("duty_cycle", "flat", "bursty", "working_hours"))
        timing = draw_timing(rng, shape, rate)
        if shape == "duty_cycle" and rng.random() < 0.5:  # a nightly job
            timing.params.update(on=float(rng.choice((1, 2, 3, 4))), off=0.0)
            timing.params["off"] = 24.0 - timing.params["on"]
        kind = rng.choice(("sentiment", "intent", "topic"))
        cap = rng.choice((1, 1, 1, 2, 3, 5, 10, 20))
        shots = rng.choice((0, 0, 120, 400, 900))
        labels = {
            "sentiment": V.SENTIMENT_LABELS,
            "intent": V.INTENT_LABELS,
            "topic": V.NEWS_TOPICS,
        }[kind]
        head = rng.choice(
            (
                "Classify the {k} of the text. Options: {opts}. Answer with the label only.",
                "Label ({opts}):",
                "You are a classifier. Allowed labels: {opts}.\nReturn one label.",
            )
        ).format(k=kind, opts=", ".join(labels))

        def make(
            r: random.Random, head: str = head, kind: str = kind, cap: int = cap, shots: int = shots
        ) -> Request:
            if kind == "sentiment":
                body = review(r)[0]
            elif kind == "intent":
                body = H.support_message(r)
            else:
                body = document(r, 1)
            text = f"{head}\nText: {body}\nLabel:"
            out = 1 if cap == 1 else clamp(lognorm(r, 2.0, 0.6), 1, cap)
            return Request(tokens_of(text) + shots, out, text, 0, None, 0.0, cap)

        models = (rng.choice(("gpt-4o-mini", "gpt-4.1-nano", "gpt-4.1-mini", "gpt-3.5-turbo")),)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="label_pipeline",
            label=BENIGN,
            structure=structure_of(
                timing, pool, ua_kind, models, fields, max_tokens=cap, task=kind
            ),
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


def batch_summarizers(w: World, count: int) -> None:
    """Batch summarisation: long documents in, short summaries out, one template."""
    for i in range(count):
        rng = w.sub(f"summarize/{i}")
        rate = lognorm(rng, 60.0, 1.0) * w.scale_rate
        timing = draw_timing(
            rng, rng.choice(("duty_cycle", "bursty", "flat", "working_hours")), rate
        )
        frame = rng.choice(
            (
                "Summarize the following {d} in {k} bullet points:\n\n{doc}",
                "TL;DR of this {d} for an executive, max {k} sentences.\n---\n{doc}",
                "Produce a structured summary (Purpose, Findings, Actions) of the {d} "
                "below.\n{doc}",
            )
        )
        size = rng.uniform(1200, 5000)

        def make(r: random.Random, frame: str = frame, size: float = size) -> Request:
            text = frame.format(
                d=r.choice(V.DOC_SUBJECTS), k=r.randint(3, 6), doc=document(r, r.randint(6, 14))
            )
            return Request(
                tokens_of(text) + clamp(lognorm(r, size, 0.6), 200, 60000),
                clamp(lognorm(r, 220, 0.4), 30, 1200),
                text,
                0,
                None,
                r.choice((None, 0.2)),
                r.choice((None, 512, 1024)),
            )

        models = (rng.choice(("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-4.1-nano")),)
        pool = make_pool(rng.choice(("single", "few")), rng)
        ua_kind = rng.choice(("script", "sdk_default"))
        fields = w.fields(rng)
        w.add(
            rng,
            scenario="batch_summarization",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields),
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


_AGENT_ASKS: tuple[str, ...] = (
    "Fix the failing test in {path}",
    "Add pagination to the {thing} endpoint",
    "Refactor {path} to remove the global state",
    "Upgrade the {thing} dependency and fix what breaks",
    "Why is {path} so slow? Profile and fix it",
    "Write unit tests for {path}",
    "Rename {thing} to {thing}_v2 across the repo",
    "Implement the TODO in {path}",
)
_PATHS = (
    "src/billing/invoice.py",
    "app/api/orders.ts",
    "lib/parser.rs",
    "internal/cache/lru.go",
    "core/auth/session.java",
)
_THINGS = ("orders", "users", "search", "reports", "webhooks", "export")
_TOOL_RESULTS: tuple[str, ...] = (
    "Tool result (run_tests): {a} passed, {b} failed\nFAILED tests/test_{t}.py::test_{t}_edge - "
    "AssertionError",
    "Tool result (read_file {p}):\n<{n} lines>",
    "Tool result (grep '{t}'): {a} matches in {b} files",
    "Tool result (apply_patch): ok, {a} hunks",
    "Tool result (shell 'git diff --stat'): {a} files changed",
    "Tool result (list_dir src/): {a} entries",
)


class AgentSession(Session):
    """A coding/ops agent loop: the context grows with every tool result."""

    __slots__ = ("base", "context", "i", "model_out", "req")

    def __init__(self, times: list[float], base: int, model_out: float, req: Request) -> None:
        super().__init__(times)
        self.base = base
        self.context = base
        self.i = 0
        self.model_out = model_out
        self.req = req

    def next(self, rng: random.Random) -> Request:
        if self.i == 0:
            text = rng.choice(_AGENT_ASKS).format(
                path=rng.choice(_PATHS), thing=rng.choice(_THINGS)
            )
            added = tokens_of(text)
        else:
            text = rng.choice(_TOOL_RESULTS).format(
                a=rng.randint(1, 60),
                b=rng.randint(0, 9),
                t=rng.choice(_THINGS),
                p=rng.choice(_PATHS),
                n=rng.randint(40, 900),
            )
            added = clamp(lognorm(rng, 700, 1.0), 20, 20000)
        output = clamp(lognorm(rng, self.model_out, 0.9), 8, 8000)
        self.context += added
        req = Request(
            self.context,
            output,
            text,
            clamp(lognorm(rng, 250, 0.8), 0, 6000),
            None,
            self.req.temperature,
            self.req.max_tokens,
            self.req.system_hash,
        )
        self.context += output
        self.i += 1
        return req


class AgentWorkload(Workload):
    def __init__(
        self, base: float, steps: float, gap: tuple[float, float], model_out: float, req: Request
    ) -> None:
        self.base = base
        self.steps = steps
        self.gap = gap
        self.model_out = model_out
        self.req = req

    def session(self, rng: random.Random, t: float) -> Session:
        steps = clamp(lognorm(rng, self.steps, 0.6), 2, 150)
        base = clamp(self.base * _CODE_CTX.sample(rng) / 2000.0, 500, 120000)
        return AgentSession(turn_times(rng, t, steps, self.gap), base, self.model_out, self.req)


def coding_agents(w: World, count: int, ops: bool = False) -> None:
    """Coding/maintenance agents (or ops tool-use agents): long, growing contexts, tool calls."""
    name = "ops_agent" if ops else "coding_agent"
    for i in range(count):
        rng = w.sub(f"{name}/{i}")
        rate = lognorm(rng, 1.5 if not ops else 4.0, 0.8) * w.scale_rate
        timing = draw_timing(
            rng,
            rng.choice(("working_hours", "working_hours", "flat", "bursty", "duty_cycle")),
            rate,
        )
        if timing.shape == "bursty":
            timing.params.update(burst_size=3.0, spacing=600.0)
        req = Request(
            0,
            0,
            temperature=rng.choice((None, 0.0, 0.2)),
            max_tokens=rng.choice((None, 4096, 8192, 16384)),
            system_hash=prompt_hash(f"{name}-{i % 7}"),
        )
        base = rng.uniform(6000, 25000) if not ops else rng.uniform(1500, 5000)
        work = AgentWorkload(
            base,
            rng.uniform(8, 40) if not ops else rng.uniform(3, 10),
            (2.0, 30.0),
            rng.uniform(120, 400) if not ops else rng.uniform(50, 150),
            req,
        )
        models = (rng.choice(("gpt-4.1", "gpt-4o", "o4-mini", "o3", "gpt-4.1-mini")),)
        pool = make_pool(rng.choice(("single", "few", "home")), rng)
        ua = rng.choice(
            (
                "codepilot-agent/1.4.2",
                "devloop/0.31 (node 20)",
                "OpenAI/Python 1.51.0",
                "python-httpx/0.27.0",
            )
        )
        fields = w.fields(rng)
        start, created = start_for(w, rng, 0.04)
        w.add(
            rng,
            scenario=name,
            label=BENIGN,
            structure=structure_of(timing, pool, ua, models, fields),
            behaviours=[(timing, work, client(models, ua, pool, fields), start, w.t1)],
            created=created,
        )


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
        w.add(
            rng,
            scenario="eval_team",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields, judge=judge),
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
        w.add(
            rng,
            scenario="individual_developer",
            label=BENIGN,
            structure=structure_of(timing, pool, ua_kind, models, fields),
            behaviours=[
                (
                    timing,
                    SingleRequests(make),
                    client(models, user_agent(ua_kind, rng), pool, fields),
                    start,
                    w.t1,
                )
            ],
            created=created,
        )
