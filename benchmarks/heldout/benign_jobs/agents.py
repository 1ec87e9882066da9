"""Coding and ops agents: long sessions whose context grows with every tool result."""

from __future__ import annotations

import random

from benchmarks.heldout.actor import Request, Session, Workload, tokens_of
from benchmarks.heldout.azure import CODE_CONTEXT, Quantiles
from benchmarks.heldout.benign_common import BENIGN, start_for, structure_of
from benchmarks.heldout.infra import make_pool
from benchmarks.heldout.timing import draw_timing
from benchmarks.heldout.workloads import clamp, lognorm, prompt_hash, turn_times
from benchmarks.heldout.world import World, client

_CODE_CTX = Quantiles(CODE_CONTEXT, lo=0.3)

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
