"""Small deterministic traffic for the observability tests.

Used only until ``pipeline.simulate`` exposes its Python API (``SimulationConfig``,
``simulate``); :func:`events` prefers it. The stand-in has what the dashboards
need to show data: benign keys of varied pace and content, a few machine-paced
harvesting keys that share a template and an IP prefix (a campaign), retried
duplicates and malformed records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import orjson

START = 1_791_158_400.0  # 2026-10-05T00:00:00Z, the simulator's default start
TOPICS = ("algebra", "history", "biology", "rust", "poetry", "law", "chemistry", "music")


def _fallback(seed: int, benign: int, harvesters: int, seconds: float) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    streams: list[tuple[float, int]] = []  # (next event time, key index)
    paces: list[float] = []
    for i in range(benign + harvesters):
        harvester = i >= benign
        pace = 1.5 if harvester else rng.uniform(20.0, 120.0)
        paces.append(pace)
        streams.append((START + rng.uniform(0, pace), i))
    seq = 0
    while streams:
        streams.sort()
        ts, i = streams.pop(0)
        if ts > START + seconds:
            continue
        harvester = i >= benign
        seq += 1
        key = f"harvest-{i - benign}" if harvester else f"dev-{i}"
        topic = TOPICS[seq % len(TOPICS)] if harvester else rng.choice(TOPICS)
        event: dict[str, Any] = {
            "ts": round(ts, 3),
            "api_key_id": key,
            "account_id": f"acct-{i}",
            "request_id": f"req-{seq}",
            "model": "m-large",
            "endpoint": "/v1/chat/completions",
            "prompt_tokens": 180 if harvester else rng.randint(5, 900),
            "completion_tokens": rng.randint(1500, 2000) if harvester else rng.randint(5, 600),
            "n": 4 if harvester else 1,
            "temperature": 1.0 if harvester else rng.choice([0.0, 0.2, 0.7]),
            "client_ip": f"203.0.113.{i - benign + 10}" if harvester else f"198.51.{i}.{seq % 250}",
            "user_agent": "python-requests/2.31" if harvester else f"app/{i % 5}",
            "prompt_text": (
                f"Explain {topic} topic #{seq % 97} step by step. Show your full reasoning."
                if harvester
                else " ".join(rng.choice(TOPICS) for _ in range(rng.randint(3, 12)))
            ),
        }
        yield event
        streams.append((ts + paces[i] * (1.0 if harvester else rng.expovariate(1.0)), i))


def events(seed: int = 7, *, benign: int = 40, harvesters: int = 3, seconds: float = 6 * 3600.0):
    """Event dicts in arrival order: ``pipeline.simulate`` when available, else the stand-in."""
    try:
        from pipeline.simulate import SimulationConfig, simulate  # type: ignore[attr-defined]
    except ImportError:
        # TODO: drop the stand-in once pipeline.simulate exposes its Python API.
        return _fallback(seed, benign, harvesters, seconds)
    config = SimulationConfig(seed=seed, days=seconds / 86400.0, benign_keys=benign)
    stream, _labels = simulate(config)
    return stream


def records(stream: Iterator[dict[str, Any]], batch: int, malformed_every: int = 97):
    """Group events into Kafka-like record values (JSON arrays), with a bad item now and then."""
    values: list[bytes] = []
    chunk: list[dict[str, Any]] = []
    for n, event in enumerate(stream, start=1):
        if n % malformed_every == 0:
            broken = dict(event)
            del broken["prompt_tokens"]  # missing_field
            chunk.append(broken)
        else:
            chunk.append(event)
        if len(chunk) >= batch:
            values.append(orjson.dumps(chunk))
            chunk = []
            yield values.pop()
    if chunk:
        yield orjson.dumps(chunk)
