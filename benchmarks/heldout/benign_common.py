"""Shared pieces of the benign scenarios: conversations, parameters, structure notes."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from benchmarks.heldout.actor import Request, Session, Workload
from benchmarks.heldout.azure import CONV_GENERATED, Quantiles
from benchmarks.heldout.infra import (
    Pool,
    user_agent,
)
from benchmarks.heldout.timing import Timing
from benchmarks.heldout.workloads import (
    Conversation,
    SingleRequests,
    clamp,
    lognorm,
    turn_times,
)
from benchmarks.heldout.world import World, client, fields_note

BENIGN = "benign"
_CONV_OUT = Quantiles(CONV_GENERATED)


def add_single_requests(
    w: World,
    rng: random.Random,
    scenario: str,
    structure: dict[str, Any],
    timing: Timing,
    make: Callable[[random.Random], Request],
    client_parts: tuple[tuple[str, ...], str, Pool, frozenset[str]],
    start: float | None = None,
    created: float | None = None,
) -> None:
    """One benign key sending independent requests made by ``make`` from ``start`` on.

    ``client_parts`` is (models, user-agent kind, address pool, logged fields); the
    user agent is drawn from ``rng`` here, after the caller's draws, as every benign
    scenario of one request at a time draws it.
    """
    models, ua_kind, pool, fields = client_parts
    w.add(
        rng,
        scenario=scenario,
        label=BENIGN,
        structure=structure,
        behaviours=[
            (
                timing,
                SingleRequests(make),
                client(models, user_agent(ua_kind, rng), pool, fields),
                w.t0 if start is None else start,
                w.t1,
            )
        ],
        created=created,
    )


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


def no_reasoning(rng: random.Random) -> int:
    return 0


def reasoning_of(median: float) -> Callable[[random.Random], int]:
    return lambda r: clamp(lognorm(r, median, 0.7), 0, 30000)


def conv_output(scale: float) -> Callable[[random.Random], int]:
    return lambda r: clamp(_CONV_OUT.sample(r) * scale, 1, 8000)


def app_params(rng: random.Random) -> Request:
    """Request parameters an app sets (or leaves unset)."""
    return Request(
        prompt_tokens=0,
        output=0,
        temperature=rng.choice((None, None, 0.2, 0.5, 0.7, 0.7, 1.0)),
        max_tokens=rng.choice((None, None, 512, 1024, 1024, 2048, 4096)),
        n=rng.choice((None, None, None, 1)),
    )


def structure_of(
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


def start_for(w: World, rng: random.Random, new_share: float) -> tuple[float, float | None]:
    """(first active time, account creation): most accounts predate the log."""
    if rng.random() < new_share:
        start = w.t0 + rng.uniform(0.0, w.t1 - w.t0) * 0.8
        return start, start - rng.uniform(60.0, 6 * 3600.0)
    return w.t0, None
