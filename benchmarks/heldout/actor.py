"""Keys, their behaviours, and how one request becomes one event (EVENTS.md v1).

A key (:class:`KeySpec`) has one or more :class:`Behaviour` s: a reseller
blend is a benign behaviour plus an extraction behaviour on the same key; a
stolen key is the owner's behaviour until ``attack_start`` and the thief's
after. A behaviour is an arrival :class:`~benchmarks.heldout.timing.Timing`
of sessions, a :class:`Workload` that turns each session into timed
requests, and a :class:`Client` (model, user agent, address pool, the fields
its log lines carry).
"""

from __future__ import annotations

import heapq
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from benchmarks.heldout.infra import MODELS, Pool
from benchmarks.heldout.timing import Timing

#: Optional EVENTS.md fields a client's log lines may carry.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "request_id",
    "account_id",
    "model",
    "endpoint",
    "status",
    "latency_ms",
    "reasoning_tokens",
    "n",
    "temperature",
    "max_tokens",
    "client_ip",
    "user_agent",
    "system_prompt_hash",
    "prompt_text",
)

#: Fields that a single log line sometimes lacks even when its client logs them.
FLAKY_FIELDS: tuple[str, ...] = ("latency_ms", "user_agent", "endpoint", "model", "client_ip")


_WIDE = re.compile("[\u2e80-\U0010ffff]")


def tokens_of(text: str) -> int:
    """Rough token count of ``text`` (about 4 characters per token, 1 per CJK character)."""
    if text.isascii():
        return max(1, round(len(text) / 3.9))
    wide = len(_WIDE.findall(text))
    return max(1, round((len(text) - wide) / 3.9 + wide * 1.1))


@dataclass(slots=True)
class Request:
    """What the client asked and how big the reply was (before caps and scaling).

    ``output`` is the visible completion per choice the model would write;
    ``reasoning`` the hidden reasoning tokens per choice on a reasoning model.
    """

    prompt_tokens: int
    output: int
    text: str | None = None
    reasoning: int = 0
    n: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    system_hash: str | None = None


class Session:
    """A run of requests: ``times`` (sorted), and ``next`` builds each in turn."""

    __slots__ = ("times",)

    def __init__(self, times: list[float]) -> None:
        self.times = times

    def next(self, rng: random.Random) -> Request:
        raise NotImplementedError


class Workload:
    """Turns a session start into a :class:`Session`."""

    def session(self, rng: random.Random, t: float) -> Session:
        raise NotImplementedError


@dataclass
class Client:
    """The calling software: models, user agent, addresses, logged fields."""

    models: tuple[str, ...]
    user_agent: str | None
    pool: Pool | None
    fields: frozenset[str]
    endpoint: str = "/v1/chat/completions"
    throttle: float = 0.0
    errors: float = 0.002
    model_weights: tuple[float, ...] | None = None

    def model(self, rng: random.Random) -> str:
        if len(self.models) == 1:
            return self.models[0]
        if self.model_weights:
            return rng.choices(self.models, self.model_weights)[0]
        return rng.choice(self.models)


@dataclass
class Behaviour:
    """One arrival process of sessions of one workload through one client."""

    timing: Timing
    workload: Workload
    client: Client
    start: float
    end: float
    seed: str

    def requests(self) -> Iterator[tuple[float, Request, Client, random.Random]]:
        """``(ts, request, client, rng)`` in time order."""
        arrivals_rng = random.Random(self.seed + "/arrivals")
        rng = random.Random(self.seed + "/content")
        heap: list[tuple[float, int, Session]] = []
        counter = 0
        end = self.end
        for t in self.timing.arrivals(arrivals_rng, self.start, end):
            while heap and heap[0][0] <= t:
                ts, _, session = heapq.heappop(heap)
                yield ts, session.next(rng), self.client, rng
            session = self.workload.session(rng, t)
            for ts in session.times:
                if ts < end:
                    heapq.heappush(heap, (ts, counter, session))
                    counter += 1
        while heap:
            ts, _, session = heapq.heappop(heap)
            yield ts, session.next(rng), self.client, rng


@dataclass
class KeySpec:
    """One API key: identity, ground truth, structure, behaviours."""

    key_id: str
    account_id: str
    label: str
    scenario: str
    structure: dict[str, Any]
    behaviours: list[Behaviour]
    campaign_id: str | None = None
    attack_start: float | None = None
    account_created: float | None = None
    epoch_ts: bool = False
    events: int = field(default=0)


@dataclass(frozen=True)
class Output:
    """Dataset-wide output settings."""

    scale_tokens: float = 1.0
    prompts: bool = True
    account_age: bool = False
    prompt_cap: int = 2048


def _fmt_ts(epoch: float) -> str:
    import time

    whole = int(epoch)
    ms = round((epoch - whole) * 1000.0)
    if ms == 1000:
        whole, ms = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{ms:03d}Z"


def format_ts(epoch: float) -> str:
    """RFC 3339 UTC with milliseconds.

    >>> format_ts(1791205451.25)
    '2026-10-05T13:04:11.250Z'
    """
    return _fmt_ts(epoch)


def key_events(spec: KeySpec, out: Output) -> Iterator[tuple[float, dict[str, Any]]]:
    """All events of one key in time order, as EVENTS.md objects."""
    streams = [b.requests() for b in spec.behaviours]
    merged = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=lambda x: x[0])
    created = format_ts(spec.account_created) if out.account_age and spec.account_created else None
    for ts, req, client, rng in merged:
        yield ts, build_event(spec, ts, req, client, rng, out, created)


def build_event(
    spec: KeySpec,
    ts: float,
    req: Request,
    client: Client,
    rng: random.Random,
    out: Output,
    created: str | None,
) -> dict[str, Any]:
    """One EVENTS.md object for ``req`` sent at ``ts``."""
    fields = client.fields
    scale = out.scale_tokens
    model = client.model(rng)
    reasoning_model, speed = MODELS.get(model, (False, 90.0))
    n = req.n or 1
    cap = max(1, round(req.max_tokens * scale)) if req.max_tokens else None
    hidden = round(req.reasoning * scale) if reasoning_model else 0
    visible = max(1, round(req.output * scale))
    if cap is not None:
        if hidden >= cap:
            hidden, visible = cap, 0
        else:
            visible = min(visible, cap - hidden)
    prompt = max(1, round(req.prompt_tokens * scale))
    completion = (visible + hidden) * n if n > 1 else visible + hidden
    reasoning_total = hidden * n
    roll = rng.random()
    status = 200
    if roll < client.throttle:
        status = 429
    elif roll < client.throttle + client.errors:
        status = rng.choice((500, 502, 503, 400))
    if status != 200:
        completion = reasoning_total = 0
        if status in (429, 503):
            prompt = 0
        latency = rng.uniform(20.0, 400.0)
    else:
        latency = 1000.0 * (rng.uniform(0.15, 0.9) + prompt / 40000.0 + completion / speed)
    event: dict[str, Any] = {
        "ts": round(ts, 3) if spec.epoch_ts else format_ts(ts),
        "api_key_id": spec.key_id,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
    }
    flaky = rng.random() < 0.01
    drop = rng.choice(FLAKY_FIELDS) if flaky else ""
    if "request_id" in fields:
        event["request_id"] = f"req_{rng.getrandbits(80):020x}"
    if "account_id" in fields:
        event["account_id"] = spec.account_id
    if "model" in fields and drop != "model":
        event["model"] = model
    if "endpoint" in fields and drop != "endpoint":
        event["endpoint"] = client.endpoint
    if "status" in fields:
        event["status"] = status
    elif status != 200:
        event["status"] = status  # errors are always logged with their status
    if "latency_ms" in fields and drop != "latency_ms":
        event["latency_ms"] = round(latency, 1)
    if "reasoning_tokens" in fields and reasoning_model:
        event["reasoning_tokens"] = reasoning_total
    if req.n is not None and "n" in fields:
        event["n"] = req.n
    if req.temperature is not None and "temperature" in fields:
        event["temperature"] = req.temperature
    if cap is not None and "max_tokens" in fields:
        event["max_tokens"] = cap
    if client.pool is not None and "client_ip" in fields and drop != "client_ip":
        event["client_ip"] = client.pool.address(rng, ts)
    if client.user_agent and "user_agent" in fields and drop != "user_agent":
        event["user_agent"] = client.user_agent
    if req.system_hash and "system_prompt_hash" in fields:
        event["system_prompt_hash"] = req.system_hash
    if out.prompts and req.text is not None and "prompt_text" in fields:
        event["prompt_text"] = req.text[: out.prompt_cap]
    if created is not None:
        event["account_created_at"] = created
    return event
