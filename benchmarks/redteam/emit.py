"""Event records and arrival times for red-team keys.

:class:`Key` turns one request's content into an EVENTS.md v1 record (request
id, address, user agent, status, latency) with the key's own generator;
:func:`arrivals` draws Poisson arrival times under a daily shape by thinning.
Times are Unix seconds; records carry ``ts`` as RFC 3339 with milliseconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

__all__ = ["DAY", "HOUR", "Key", "arrivals", "format_ts", "profile"]

HOUR = 3600.0
DAY = 86400.0

#: A consumer app's load by local hour (quiet at night, peak in the evening).
CONSUMER = (
    0.35,
    0.2,
    0.12,
    0.08,
    0.07,
    0.1,
    0.25,
    0.5,
    0.75,
    0.85,
    0.9,
    0.95,
    1.0,
    0.95,
    0.9,
    0.9,
    0.95,
    1.05,
    1.2,
    1.35,
    1.4,
    1.3,
    1.0,
    0.6,
)


def format_ts(t: float) -> str:
    """RFC 3339, UTC, milliseconds.

    >>> format_ts(1_791_000_000.25)
    '2026-10-03T04:00:00.250Z'
    """
    ms = round(t * 1000.0)
    stamp = datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ms % 1000:03d}Z"


def profile(
    shape: str, t: float, tz_hours: float = 0.0, duty: tuple[float, float, float] = (3.0, 5.0, 0.0)
) -> float:
    """Relative load of ``shape`` at time ``t`` (``flat``, ``consumer``, ``office``, ``duty``).

    ``duty`` is (hours on, hours off, phase in hours) for the ``duty`` shape.

    >>> profile("flat", 0.0), profile("office", 3 * 3600.0)
    (1.0, 0.02)
    """
    if shape == "flat":
        return 1.0
    local = t + tz_hours * HOUR
    hour = (local % DAY) / HOUR
    if shape == "consumer":
        return CONSUMER[int(hour)]
    if shape == "office":
        weekday = int(local // DAY + 3) % 7  # 1970-01-01 was a Thursday (3 with Monday 0)
        return 1.0 if weekday < 5 and 9.0 <= hour < 18.0 else 0.02
    if shape == "duty":
        on, off, phase = duty
        return 1.0 if ((t / HOUR + phase) % (on + off)) < on else 0.0
    raise ValueError(f"unknown shape {shape!r}")


def arrivals(
    rng: random.Random,
    start: float,
    end: float,
    per_day: float,
    shape: str = "flat",
    tz_hours: float = 0.0,
    duty: tuple[float, float, float] = (3.0, 5.0, 0.0),
) -> Iterator[float]:
    """Poisson arrivals averaging ``per_day`` a day under ``shape``, by thinning.

    >>> times = list(arrivals(random.Random(1), 0.0, 86400.0, 500.0))
    >>> 400 < len(times) < 600 and times == sorted(times)
    True
    """
    samples = [profile(shape, start + i * 600.0, tz_hours, duty) for i in range(7 * 144)]
    mean = sum(samples) / len(samples)
    peak = max(samples)
    if per_day <= 0 or peak <= 0:
        return
    top = per_day / DAY / mean * peak  # the rate at the shape's peak
    t = start
    while True:
        t += rng.expovariate(top)
        if t >= end:
            return
        if rng.random() * peak < profile(shape, t, tz_hours, duty):
            yield t


class Key:
    """One key's record factory: addresses, user agents and its own generator.

    Parameters
    ----------
    api_key_id, account_id
        The key and its owner.
    rng
        The key's generator (also drives its content).
    prefixes
        IPv4 ``/24`` prefixes ("a.b.c.") the key's requests come from.
    agents
        User agents, drawn per request.
    prompts
        Whether records carry ``prompt_text`` (a gateway that does not log it: False).
    """

    def __init__(
        self,
        api_key_id: str,
        account_id: str,
        rng: random.Random,
        prefixes: tuple[str, ...],
        agents: tuple[str, ...],
        prompts: bool = True,
    ) -> None:
        self.api_key_id = api_key_id
        self.account_id = account_id
        self.rng = rng
        self.prefixes = prefixes
        self.agents = agents
        self.prompts = prompts
        self.events: list[tuple[float, dict[str, Any]]] = []

    def emit(
        self,
        t: float,
        text: str,
        prompt_tokens: int,
        completion_tokens: int,
        model: str = "atlas-2-large",
        n: int = 1,
        temperature: float | None = 0.7,
        max_tokens: int | None = 4096,
        reasoning_tokens: int | None = None,
        status: int = 200,
        system_prompt_hash: str | None = None,
    ) -> None:
        """Add one request at time ``t`` (records are sorted by the caller)."""
        r = self.rng.random
        if status >= 400:
            latency = 20.0 + 80.0 * r()
        else:
            latency = 180.0 + 300.0 * r() + prompt_tokens * 0.03 + completion_tokens * 14.0
        event: dict[str, Any] = {
            "ts": format_ts(t),
            "request_id": f"req_{self.rng.getrandbits(64):016x}",
            "api_key_id": self.api_key_id,
            "account_id": self.account_id,
            "model": model,
            "endpoint": "/v1/chat/completions",
            "status": status,
            "latency_ms": int(latency),
            "prompt_tokens": int(prompt_tokens),
            "completion_tokens": int(completion_tokens),
            "n": n,
            "client_ip": f"{self.prefixes[int(r() * len(self.prefixes))]}{int(r() * 254) + 1}",
            "user_agent": self.agents[int(r() * len(self.agents))],
        }
        if self.prompts:
            event["prompt_text"] = text
        if temperature is not None:
            event["temperature"] = temperature
        if max_tokens is not None:
            event["max_tokens"] = max_tokens
        if reasoning_tokens is not None:
            event["reasoning_tokens"] = int(reasoning_tokens)
        if system_prompt_hash is not None:
            event["system_prompt_hash"] = system_prompt_hash
        self.events.append((round(t, 3), event))


def cloud_prefixes(rng: random.Random, count: int) -> tuple[str, ...]:
    """``count`` datacenter ``/24`` prefixes."""
    firsts = (3, 13, 18, 20, 34, 35, 52, 54, 104, 130, 167)
    return tuple(
        f"{rng.choice(firsts)}.{rng.randrange(256)}.{rng.randrange(256)}." for _ in range(count)
    )


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A lognormal draw with this median."""
    return median * math.exp(rng.gauss(0.0, sigma))
