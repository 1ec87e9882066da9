"""Benign look-alikes of harvesting, each alike on the axes a naive detector counts.

- ``support_bot``: a 24/7 customer-support bot on a reasoning model; multi-turn,
  so prompt tokens grow with each conversation (held out: see
  :data:`pipeline.simulate.structure.HOLDOUT_BENIGN`);
- ``smart_reply``: a smart-reply feature asking for ``n=3`` short candidates;
- ``label_pipeline``: a labelling pipeline with ``max_tokens=1``;
- ``declared_benchmark``: a declared run of a public benchmark, tens of thousands of
  reasoning prompts in a few hours, possibly over several models and seeds (the
  items are the same text for every customer running that benchmark);
- ``maintenance_agent``: automated coding and maintenance agents with long contexts.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator

from pipeline.simulate import grammar as g
from pipeline.simulate import prompts as p
from pipeline.simulate import styles as st
from pipeline.simulate import timing as tm
from pipeline.simulate import vocab as v
from pipeline.simulate.benign import APP_INFRA, app_network, app_segments, loguniform, run
from pipeline.simulate.emit import Content, Item, KeyContext, Network
from pipeline.simulate.tokens import CONV_GENERATED

__all__ = [
    "LOOKALIKES",
    "OPTIONS",
    "declared_benchmark",
    "label_pipeline",
    "maintenance_agent",
    "smart_reply",
    "support_bot",
]

_SUPPORT_ASKS = (
    "my order {n} hasn't arrived yet, can you check?", "how do I reset my password?",
    "I was charged twice for invoice {n}", "the {x} I bought stopped working",
    "can I change the delivery address for order {n}?", "what's your refund policy on {x}?",
    "the app keeps logging me out", "do you ship to {c}?", "yes, that's the one",
    "no, it still doesn't work", "ok thanks, and what about the warranty?",
    "I already tried restarting it", "can I talk to a human?", "it says error {n}",
)  # fmt: skip


class _Conversation(st.Style):
    """A support conversation: prompt tokens grow with the history of the conversation."""

    def __init__(self, rng: random.Random, system: str, reasoning: bool, base: int) -> None:
        super().__init__(rng, system)
        self.model = st.REASON if reasoning else st.LARGE
        self.base = base
        self.history = base

    def start(self) -> None:
        self.history = self.base + int(self.r() * 300)

    def __call__(self) -> Content:
        r = self.r
        text = _SUPPORT_ASKS[int(r() * len(_SUPPORT_ASKS))].format(
            n=int(r() * 900000) + 100000, x=v.PRODUCTS[int(r() * len(v.PRODUCTS))],
            c=v.CITIES[int(r() * len(v.CITIES))],
        )  # fmt: skip
        completion = 40 + int(CONV_GENERATED.draw(r()) * 0.8)
        prompt = self.history + len(text) // 4 + 4
        self.history = prompt + completion  # the answer joins the history of the next turn
        reasoning = int(completion * (0.5 + 3 * r())) if self.model == st.REASON else None
        return (
            self.model, self.endpoint, text, prompt, completion, reasoning, 1, 0.3, 1024,
            self.system,
        )  # fmt: skip


def _lane(ctx: KeyContext, style: _Conversation, gap: float, net: Network) -> Iterator[Item]:
    r, emit = ctx.rng.random, ctx.emitter.emit
    t = ctx.start + gap * r()
    while t < ctx.end:
        style.start()
        for _ in range(1 + int(r() * 9)):
            yield emit(t, style(), net)
            t += 15.0 + 100.0 * r()
            if t >= ctx.end:
                return
        t += gap * (0.2 + 1.6 * r())


def support_bot(ctx: KeyContext) -> Iterator[Item]:
    """24/7 conversations from a fixed system prompt; several at a time (lanes)."""
    rng = ctx.rng
    per_day = loguniform(rng, 1000, 10000)
    lanes = rng.randint(2, 12)
    system = st.system_hash(f"support {rng.random()}")
    base = rng.randint(400, 3000)
    net = app_network(ctx)
    # A lane's day: conversations of ~5 turns, ~65 s apart, then a gap.
    gap = max(10.0, lanes * tm.DAY * 5.0 / per_day - 5 * 65.0)
    reasoning = ctx.structure.model == "reasoning"
    return heapq.merge(
        *(_lane(ctx, _Conversation(rng, system, reasoning, base), gap, net) for _ in range(lanes))
    )


class _SmartReply(st.Style):
    def __init__(self, rng: random.Random, reasoning: bool) -> None:
        super().__init__(rng, st.system_hash(f"smart-reply {rng.random()}"))
        self.model = st.REASON if reasoning else st.MINI
        self.n = rng.choice((3, 3, 3, 2, 4))
        self.cap = rng.choice((40, 60, 100, 150))
        self.context = rng.randint(80, 600)

    def __call__(self) -> Content:
        r = self.r
        text = f"Suggest short replies to: {p.chat_message(r)}"
        each = min(self.cap, 8 + int(r() * 45))
        reasoning = int(each * self.n * (0.5 + r())) if self.model == st.REASON else None
        return (
            self.model, self.endpoint, text, self.context + len(text) // 4, each * self.n,
            reasoning, self.n, 0.8, self.cap, self.system,
        )  # fmt: skip


def smart_reply(ctx: KeyContext) -> Iterator[Item]:
    """A smart-reply feature: n=3 short candidates per message, following its users' day."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 1000, 12000), tm.CONSUMER, 0.9, 0.15)
    style = _SmartReply(rng, ctx.structure.model == "reasoning")
    return run(ctx, tm.poisson(rng.random, segments), style, app_network(ctx))


_LABELS = (
    "Is the following text toxic? Answer 1 for yes, 0 for no.\nText: {x}",
    "Does this review mention shipping? Reply Y or N.\n{x}",
    "Sentiment of the message (+ or -):\n{x}",
    "Which language is this? One token.\n{x}",
)


class _Label(st.Style):
    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, None)
        self.template = rng.choice(_LABELS)
        self.shots = rng.randint(20, 800)
        self.model = rng.choice((st.MINI, st.LARGE))

    def __call__(self) -> Content:
        r = self.r
        x = (
            f"{v.FIRST_NAMES[int(r() * len(v.FIRST_NAMES))]} says the "
            f"{v.PRODUCTS[int(r() * len(v.PRODUCTS))]} is "
            f"{v.PRODUCT_ADJECTIVES[int(r() * len(v.PRODUCT_ADJECTIVES))]}"
        )
        text = self.template.format(x=x)
        return (
            self.model, self.endpoint, text, self.shots + len(text) // 4, 1, None, 1, 0.0, 1,
            self.system,
        )  # fmt: skip


def label_pipeline(ctx: KeyContext) -> Iterator[Item]:
    """``max_tokens=1`` labels at high volume from a queue (24/7, jobs or duty cycles)."""
    rng = ctx.rng
    segments = app_segments(ctx, loguniform(rng, 2000, 20000), tm.FLAT, 1.0, 0.3)
    times = tm.paced(rng.random, segments, rng.uniform(0.2, 0.8))
    return run(ctx, times, _Label(rng), app_network(ctx))


#: Public benchmarks: (name, domain, the benchmark's standard prompt, item count).
BENCHMARKS: tuple[tuple[str, str, str, int], ...] = (
    ("mathbench", "math", "Solve the problem. Reason step by step, and put the final answer"
     " in \\boxed{}.", 12_000),
    ("codebench", "code", "Write a solution. Explain your approach before the code.", 8_000),
    ("lawqa", "law", "Answer as a lawyer would, citing the reasoning behind each conclusion.",
     6_000),
    ("agentbench", "agentic", "Plan the tool calls and justify each one.", 5_000),
)  # fmt: skip
_BENCH_OFFSET = 700_000  # items of the benchmark's own task space, apart from other users'


class _Benchmark(st.Style):
    def __init__(self, rng: random.Random, bench: tuple[str, str, str, int], model: str) -> None:
        super().__init__(rng, None)
        self.name, self.domain, self.frame, self.size = bench
        self.model = model
        self.index = 0
        self.temperature = rng.choice((0.0, 0.6, 1.0))
        self.max_tokens = rng.choice((8192, 16384, 32768))

    def __call__(self) -> Content:
        r = self.r
        item = g.task_item(self.domain, _BENCH_OFFSET + self.index % self.size)
        self.index += 1
        text = f"{self.frame}\n\n{item}"
        completion = min(int(CONV_GENERATED.draw(r()) * (2.0 + 4.0 * r())), self.max_tokens)
        reasoning = int(completion * (1 + 3 * r())) if self.model == st.REASON else None
        return (
            self.model, self.endpoint, text, len(text) // 4 + 5, completion, reasoning, 1,
            self.temperature, self.max_tokens, self.system,
        )  # fmt: skip


def declared_benchmark(ctx: KeyContext) -> Iterator[Item]:
    """A declared run: every item of a public benchmark once per model and seed (one to
    four passes, 5k-48k prompts), machine-paced at 1.5-6 requests a second: a few hours."""
    rng, r = ctx.rng, ctx.rng.random
    bench = rng.choice(BENCHMARKS)
    models = [st.REASON] if ctx.structure.model == "reasoning" else [st.LARGE]
    models += rng.sample((st.REASON, st.LARGE, st.MINI), rng.randint(0, 1))
    runs = [m for m in models for _ in range(rng.randint(1, 2))]
    rate = loguniform(rng, 1.5, 6.0)
    per_run = bench[3] / rate
    span = ctx.end - ctx.start
    start = ctx.start + max(0.0, span - per_run * len(runs) * 1.1) * r()
    net = app_network(ctx)
    emit = ctx.emitter.emit
    jitter = rng.uniform(0.1, 0.5)

    def stream() -> Iterator[Item]:
        for i, model in enumerate(runs):
            style = _Benchmark(rng, bench, model)
            s = start + i * per_run * 1.02
            for t in tm.paced(r, [(s, min(s + per_run, ctx.end), rate)], jitter):
                yield emit(t, style(), net)

    return stream()


def maintenance_agent(ctx: KeyContext) -> Iterator[Item]:
    """Automated coding and maintenance agents (dependency bumps, CI fixes, reviews): tool
    loops with long contexts, around the clock or in cycles."""
    rng, r = ctx.rng, ctx.rng.random
    segments = app_segments(ctx, 1.0, tm.BUSINESS, 0.5, 0.3)
    style = st.Agent(rng, ctx.structure.model == "reasoning", base=(20_000, 120_000))
    net = app_network(ctx)
    emit = ctx.emitter.emit
    loops = tm.agent_loops(r, ((s, e, 0.0) for s, e, _rate in _thin(rng, segments)))
    return (emit(t, style.turn(step), net) for t, step in loops)


def _thin(rng: random.Random, segments: Iterator[tm.Segment]) -> Iterator[tm.Segment]:
    # Agents run for a share of each segment only (a task, then waiting for the next),
    # more often where the segment's rate is high.
    r = rng.random
    peak = 0.0
    for s, e, rate in segments:
        peak = max(peak, rate)
        if peak > 0.0 and r() < 0.35 * rate / peak:
            a = s + (e - s) * r() * 0.5
            yield a, min(e, a + 60.0 * (10.0 + 50.0 * r())), 0.0


_APP = {"infra": APP_INFRA, "sharing": ("own", "own", "shared"), "user_agent": ("sdk", "script")}

#: Per look-alike: the values each structure axis can take.
OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "support_bot": {
        **_APP, "timing": ("flat",), "pacing": ("conversations",), "prompts": ("conversation",),
        "model": ("reasoning",),
    },
    "smart_reply": {
        **_APP, "timing": ("daily_curve", "working_hours"), "pacing": ("poisson",),
        "infra": (*APP_INFRA, "end_users"), "prompts": ("free_text",),
        "model": ("standard", "standard", "reasoning"),
    },
    "label_pipeline": {
        **_APP, "timing": ("flat", "jobs", "duty_cycle"), "pacing": ("machine",),
        "prompts": ("templates",), "model": ("standard",),
    },
    "declared_benchmark": {
        **_APP, "timing": ("benchmark_run",), "pacing": ("machine",), "prompts": ("benchmark",),
        "model": ("reasoning", "reasoning", "standard"),
    },
    "maintenance_agent": {
        **_APP, "timing": ("flat", "duty_cycle", "working_hours"), "pacing": ("agent_loops",),
        "infra": ("cloud", "cloud_single", "datacenter_rotating"), "prompts": ("conversation",),
        "model": ("standard", "reasoning"),
    },
}  # fmt: skip

LOOKALIKES = {
    "support_bot": support_bot,
    "smart_reply": smart_reply,
    "label_pipeline": label_pipeline,
    "declared_benchmark": declared_benchmark,
    "maintenance_agent": maintenance_agent,
}
