"""Traffic for the observability tests: the simulator's benign population plus harvesters.

The worker stand-in is fed :func:`pipeline.simulate.simulate` traffic (realistic
benign keys, retried duplicates, malformed records). The simulator's abuse
scenarios need days of event time before the engine is confident enough to
alert, far too slow for a test that must finish in seconds, so a few
machine-paced harvesting keys (templated "step by step" prompts, long outputs,
n=4, one IP prefix) are merged in by event time: the top-K, alert and campaign
panels then have data within a few hours of simulated time.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from detectors.config import EngineConfig
from pipeline.simulate import SimulationConfig, encode_event, simulate

START = 1_791_158_400.0  # 2026-10-05T00:00:00Z, the simulator's default start
# Short windows and warm-ups so a few simulated hours suffice (defaults want days).
FAST_CONFIG = EngineConfig(
    window_seconds=60,
    key_warmup_seconds=600,
    population_warmup=30,
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
            "prompt_text": f"Explain {topic} topic #{seq % 97} step by step. Show your reasoning.",
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
    seed: int = 7, *, benign: int = 40, harvest_keys: int = 3, seconds: float = 6 * 3600.0
) -> Iterator[dict[str, Any]]:
    """Simulator events merged with harvester events, in (approximate) arrival order."""
    config = SimulationConfig(
        seed=seed,
        days=seconds / 86400.0,
        benign_keys=benign,
        attack_instances=0,
        malformed_rate=0.005,
        start=START,
    )
    stream, _labels = simulate(config)
    return heapq.merge(stream, harvesters(seed, harvest_keys, seconds), key=_event_time)


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
