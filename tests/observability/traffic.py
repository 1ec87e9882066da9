"""Traffic for the observability tests: the simulator's benign population plus harvesters.

The worker is fed :func:`pipeline.simulate.simulate` traffic (realistic benign
keys, retried duplicates, malformed records): the population the engine measures
every key against. A few machine-paced harvesting keys (templated "step by step"
prompts, each item asked once, long outputs, n=4, one IP prefix) are merged in by
event time; with :data:`FAST_CONFIG` they alert as soon as the population scales
are warm (within the first simulated hour). The default span is 13 simulated hours
(~45k events, ~130 of them malformed).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from detectors.config import EngineConfig
from detectors.events import decode_value
from pipeline.simulate import SimulationConfig, encode_event, simulate

START = 1_791_158_400.0  # 2026-10-05T00:00:00Z, the simulator's default start
# Short windows and warm-ups so a few simulated hours suffice (defaults want days).
FAST_CONFIG = EngineConfig(
    window_seconds=60,
    key_warmup_seconds=600,
    population_warmup=10,
    min_window_events=3,
    recovery_seconds=600,
    partitions=2,
)
TOPICS = ("algebra", "history", "biology", "rust", "poetry", "law", "chemistry", "music")


def harvesters(
    seed: int, count: int, seconds: float, pace: float = 1.5
) -> Iterator[dict[str, Any]]:
    """Machine-paced extraction from ``count`` keys, in event-time order."""
    rng = random.Random(seed)
    heap = [(START + rng.uniform(0, pace), i) for i in range(count)]
    heapq.heapify(heap)
    seq = 0
    while heap:
        ts, i = heapq.heappop(heap)
        if ts > START + seconds:
            continue
        seq += 1
        topic = TOPICS[seq % len(TOPICS)]
        yield {
            "ts": round(ts, 3),
            "api_key_id": f"harvest-{i}",
            "account_id": f"acct-harvest-{i}",
            "request_id": f"harvest-req-{seq}",
            "model": "m-large",
            "endpoint": "/v1/chat/completions",
            "prompt_tokens": 180,
            "completion_tokens": rng.randint(1500, 2000),
            "n": 4,
            "temperature": 1.0,
            "client_ip": f"203.0.113.{10 + i}",
            "user_agent": "python-requests/2.31",
            "prompt_text": f"Explain {topic} topic #{seq} step by step. Show your reasoning.",
        }
        heapq.heappush(heap, (ts + pace, i))


def _event_time(event: dict[str, Any]) -> float:
    ts = event.get("ts")
    if isinstance(ts, int | float):
        return float(ts)
    if isinstance(ts, str):
        try:
            return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return START
    return START  # malformed records sort anywhere; they are rejected anyway


def events(
    seed: int = 7,
    *,
    benign: int = 24,
    harvest_keys: int = 3,
    seconds: float = 13 * 3600.0,
    pace: float = 6.0,
) -> Iterator[dict[str, Any]]:
    """Simulator events merged with harvester events, in (approximate) arrival order.

    ``pace`` is the harvesters' seconds between requests (per key): 6 s is 600 requests
    an hour, sustained, flat across the day.
    """
    config = SimulationConfig(
        seed=seed,
        days=seconds / 86400.0,
        benign_keys=benign,
        attack_instances=0,
        malformed_rate=0.005,
        start=START,
    )
    stream, _labels = simulate(config)
    return heapq.merge(stream, harvesters(seed, harvest_keys, seconds, pace), key=_event_time)


def records(stream: Iterator[dict[str, Any]], batch: int) -> Iterator[bytes]:
    """Group events into Kafka-like record values: NDJSON batches (EVENTS.md)."""
    chunk: list[bytes] = []
    for event in stream:
        chunk.append(encode_event(event))
        if len(chunk) >= batch:
            yield b"\n".join(chunk)
            chunk = []
    if chunk:
        yield b"\n".join(chunk)


def write_events(path: Path, stream: Iterator[dict[str, Any]]) -> tuple[int, int]:
    """Write the simulator's event file (JSON Lines) for ``push_file``.

    Returns
    -------
    tuple of int
        Lines written, and the items the worker will count for them: each line decodes to
        one event or one rejection, except a malformed line that is itself a JSON array.
    """
    lines = items = 0
    with path.open("wb") as out:
        for event in stream:
            line = encode_event(event)
            out.write(line + b"\n")
            lines += 1
            items += len(decode_value(line))
    return lines, items
