"""A tiny, seeded traffic fixture for engine tests (independent of `distillwatch simulate`)."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator

from detectors.events import Event

START = 1_791_158_400.0  # 2026-10-05T00:00:00Z
TOPICS = (
    "photosynthesis plate-tectonics inflation recursion entropy vaccines sonnets blockchains "
    "glaciers enzymes supply-chains black-holes democracy fermentation compilers tariffs "
    "volcanoes antibiotics neural-networks the-renaissance"
).split()
CHAT = (
    "what should I cook tonight with leftover rice",
    "help me write an email to my landlord about the heating",
    "is it normal for a puppy to sleep this much",
    "recommend a sci-fi novel like dune",
    "how do I fix a leaking kitchen tap",
    "summarise this meeting in three bullets",
    "translate good morning into japanese",
    "why is my sourdough so dense",
)


def harvester(
    rng: random.Random, key: str, start: float, hours: float, rate: float
) -> Iterator[Event]:
    """A 24/7, machine-paced key sweeping topics with two reasoning templates."""
    ts = start
    i = 0
    while ts < start + hours * 3600:
        ts += rng.expovariate(rate)
        topic = rng.choice(TOPICS)
        template = i % 2
        text = (
            f"You are an expert teacher. Explain {topic} (case {i}) in depth. Think step by step "
            "and show your full reasoning before the final answer."
            if template == 0
            else f"Give a rigorous, step-by-step derivation about {topic}, problem {i}, showing "
            "all work, then summarise the key result."
        )
        i += 1
        yield Event(
            ts,
            key,
            rng.randint(30, 60),
            rng.randint(900, 2500),
            request_id=f"{key}-{i}",
            account_id=f"acct-{key}",
            model="large",
            status=200,
            reasoning_tokens=rng.randint(200, 800),
            n=rng.choice((1, 1, 4)),
            temperature=rng.choice((0.0, 0.3, 0.7, 1.0)),
            max_tokens=8192,
            client_ip=f"198.51.100.{rng.randint(1, 250)}",
            user_agent="python-httpx/0.27",
            prompt_text=text,
        )


def chat_app(
    rng: random.Random, key: str, start: float, hours: float, peak: float
) -> Iterator[Event]:
    """A diurnal chat app: many users, diverse prompts, moderate outputs."""
    ts = start
    i = 0
    while ts < start + hours * 3600:
        hour = (ts // 3600) % 24
        rate = peak * (0.05 if hour < 7 or hour > 21 else 1.0)
        ts += rng.expovariate(rate)
        i += 1
        yield Event(
            ts,
            key,
            rng.randint(20, 400),
            rng.randint(30, 400),
            request_id=f"{key}-{i}",
            account_id=f"acct-{key}",
            model="small",
            status=rng.choice((200,) * 30 + (429,)),
            n=1,
            temperature=0.7,
            max_tokens=1024,
            client_ip=f"203.0.113.{rng.randint(1, 9)}",
            user_agent="chat-backend/2.1",
            prompt_text=f"{rng.choice(CHAT)} {rng.randint(0, 10**6)}",
        )


def classifier(
    rng: random.Random, key: str, start: float, hours: float, rate: float
) -> Iterator[Event]:
    """A templated 24/7 batch classifier with tiny outputs (a hard negative)."""
    ts = start
    i = 0
    while ts < start + hours * 3600:
        ts += rng.expovariate(rate)
        i += 1
        review = " ".join(rng.choice(CHAT).split()[:6]) + f" item {rng.randint(0, 10**6)}"
        yield Event(
            ts,
            key,
            rng.randint(80, 200),
            rng.randint(1, 3),
            request_id=f"{key}-{i}",
            account_id=f"acct-{key}",
            model="small",
            n=1,
            temperature=0.0,
            max_tokens=5,
            client_ip="192.0.2.10",
            user_agent="batch-worker/1.0",
            prompt_text=f"Classify the sentiment of this review as positive or negative: {review}",
        )


def rag_app(
    rng: random.Random, key: str, start: float, hours: float, rate: float
) -> Iterator[Event]:
    """Retrieved documents in every prompt, short answers (a long-context hard negative)."""
    ts = start
    i = 0
    while ts < start + hours * 3600:
        ts += rng.expovariate(rate)
        i += 1
        yield Event(
            ts,
            key,
            rng.randint(1500, 6000),
            rng.randint(40, 300),
            request_id=f"{key}-{i}",
            account_id=f"acct-{key}",
            model="small",
            client_ip="192.0.2.44",
            user_agent="rag-service/0.9",
            prompt_text=f"{rng.choice(CHAT)} (see the attached policy {rng.randint(0, 10**6)})",
        )


def small_traffic(seed: int = 7, hours: float = 12.0) -> list[Event]:
    """One harvester among a small population of benign keys, in event-time order.

    The engine measures every key against the keys around it, so the fixture holds
    a population: 12 chat apps, 6 classifiers and 6 RAG apps beside the harvester.
    """
    rng = random.Random(seed)
    streams = [harvester(random.Random(rng.random()), "harvester-1", START, hours, rate=0.12)]
    for i in range(12):
        peak = 0.01 + 0.03 * rng.random()
        streams.append(chat_app(random.Random(rng.random()), f"chat-{i}", START, hours, peak))
    for i in range(6):
        rate = 0.005 + 0.02 * rng.random()
        streams.append(
            classifier(random.Random(rng.random()), f"classifier-{i}", START, hours, rate)
        )
        streams.append(rag_app(random.Random(rng.random()), f"rag-{i}", START, hours, rate))
    return list(heapq.merge(*streams, key=lambda e: e.ts))
