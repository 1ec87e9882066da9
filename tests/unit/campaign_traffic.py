"""Hand-built summaries for the campaign stage: a swarm and the crowds it must not join.

Every builder yields :class:`KeySummary` values hourly over ``hours`` from ``START``
(each key at its own minute), shaped like the engine's: topic bitmaps of 256 bits,
frame signatures, IP-prefix and user-agent bitmaps, evidence families, a total.

* :func:`swarm`: new accounts (first seen after the log's first hours, or with
  ``account_created``), each on its own address, the common browser user agent, per
  key rewording (its own noise words), one curriculum's vocabulary split among them;
* :func:`population`: established customers, random topics, benign evidence; the
  background everything is judged against;
* :func:`framework_crowd`: customers of one framework app on its shared egress and
  user agent, step-by-step header, their own users' questions, conversations;
* :func:`benchmark_labs`: unrelated labs running one public benchmark: the same
  prompts, long reasoning answers, established accounts;
* :func:`library_users`: a client library's default frames with their own content.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from detectors.summaries import KeySummary

START = 1_791_158_400.0
HOUR = 3600.0
DAY = 86400.0
BROWSER_UA = 1 << 5
FRAMEWORK_UA = 1 << 9
EGRESS = 1 << 77
LIBRARY_FRAMES = (0x0F0F_0000_0000_F0F0, 0x00FF_00FF_0000_0000)


def bits(rng: random.Random, pool: list[int], count: int) -> int:
    value = 0
    for bit in rng.sample(pool, min(count, len(pool))):
        value |= 1 << bit
    return value


def summary(key: str, account: str | None, ts: float, first: float, **fields: object) -> KeySummary:
    return KeySummary(key, account, ts, first, **fields)  # type: ignore[arg-type]


def swarm(
    rng: random.Random,
    keys: int,
    hours: int,
    prefix: str = "swarm",
    opened_hours: float = 8.0,
    account_age: bool = False,
    vocabulary: list[int] | None = None,
    items: list[int] | None = None,
    own_cap: float = 4.5,
) -> Iterator[KeySummary]:
    """New accounts opening over ``opened_hours`` from hour 6, ~1.5 requests an hour each.

    With ``items`` every key's sampled item identities come from that one pool (keys
    drawing tasks from one generator or list, so that many identities are also some
    other member's); without, each key's are its own. ``own_cap`` caps each key's own
    evidence (reworded or sparse keys whose own traffic says little)."""
    words = vocabulary or rng.sample(range(256), 40)
    for i in range(keys):
        first = START + 6 * HOUR + rng.uniform(0, opened_hours * HOUR)
        own_ip = 1 << rng.randrange(256)
        noise = [b for b in range(256) if b not in words]
        created = first - rng.uniform(600, 7200) if account_age else math.inf
        topics = 0
        own = tuple(rng.sample(items, 4)) if items else None
        for hour in range(hours):
            ts = START + hour * HOUR + 60.0 * (i % 60)
            if ts < first:
                continue
            sent = 1.5 * (ts - first) / HOUR + 1
            # Each prompt names a few curriculum words and a few words of its own.
            topics |= bits(rng, words, 5) | bits(rng, noise, 2)
            total = min(0.35 * sent, own_cap)
            yield summary(
                f"{prefix}-{i:03d}", f"{prefix}-acct-{i}", ts, first,
                account_created=created, events=sent, requests_per_hour=1.5, topics=topics,
                prompts=own or tuple(rng.getrandbits(32) for _ in range(4)), ip_prefix_bits=own_ip,
                user_agent_bits=BROWSER_UA, active_hours=0xFFF, total=total,
                harvest=min(total, 3.0), elicitation=1.0, coverage=1.0, structure=1.0,
            )  # fmt: skip


def population(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Established customers: varied topics, benign evidence, popular user agents."""
    profiles = []
    for i in range(keys):
        ua = BROWSER_UA if i % 3 == 0 else 1 << rng.choice((1, 2, 3))
        topics = bits(rng, list(range(256)), rng.randint(30, 110))
        profiles.append((topics, ua, 1 << rng.randrange(256)))
    for hour in range(hours):
        for i, (topics, ua, ip) in enumerate(profiles):
            if (i + hour) % 2:
                continue
            yield summary(
                f"pop-{i:03d}", f"pop-acct-{i}", START + hour * HOUR + 30.0 * (i % 100),
                START - 200 * DAY, events=200.0, topics=topics, ip_prefix_bits=ip,
                user_agent_bits=ua, active_hours=0x3FF00, total=rng.uniform(-3.0, 0.8),
            )  # fmt: skip


def framework_crowd(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Customers of one framework app: shared egress and user agent, a step-by-step
    header (some extraction-like evidence), their own users' questions, conversations."""
    profiles = [bits(rng, list(range(256)), rng.randint(40, 100)) for _ in range(keys)]
    for hour in range(hours):
        for i, topics in enumerate(profiles):
            yield summary(
                f"fw-{i:03d}", f"fw-acct-{i}", START + hour * HOUR + 20.0 * i,
                START - 90 * DAY, events=300.0, topics=topics,
                ip_prefix_bits=EGRESS | 1 << (i % 7 + 100), user_agent_bits=FRAMEWORK_UA,
                active_hours=0x0FFF00, total=2.5, harvest=2.0, elicitation=2.0,
                coverage=-1.0, structure=-2.0,
            )  # fmt: skip


def benchmark_labs(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Unrelated labs running one public benchmark: the same prompts, reasoning answers."""
    items = [rng.getrandbits(32) for _ in range(12)]
    vocabulary = rng.sample(range(256), 50)
    for i in range(keys):
        topics = bits(rng, vocabulary, 45) | bits(rng, list(range(256)), 10)
        prompts = tuple(sorted(rng.sample(items, 8)))
        start = rng.randrange(hours - 4)
        for hour in range(start, start + 4):
            yield summary(
                f"lab-{i:03d}", f"lab-acct-{i}", START + hour * HOUR + 40.0 * i,
                START - 400 * DAY, events=600.0, topics=topics, prompts=prompts,
                ip_prefix_bits=1 << rng.randrange(256), user_agent_bits=1 << 3,
                active_hours=0xF, total=4.5, harvest=3.0, elicitation=2.5, structure=1.0,
            )  # fmt: skip


def library_users(rng: random.Random, keys: int, hours: int) -> Iterator[KeySummary]:
    """Users of a client library sending its default frames with their own content."""
    profiles = [bits(rng, list(range(256)), rng.randint(30, 90)) for _ in range(keys)]
    for hour in range(hours):
        for i, topics in enumerate(profiles):
            yield summary(
                f"lib-{i:03d}", f"lib-acct-{i}", START + hour * HOUR + 25.0 * i,
                START - 60 * DAY, events=150.0, frames=LIBRARY_FRAMES, topics=topics,
                ip_prefix_bits=1 << rng.randrange(256), user_agent_bits=1 << 2,
                active_hours=0xFFFF, total=2.2, harvest=2.2, structure=0.5,
            )  # fmt: skip


def merged(*streams: Iterator[KeySummary]) -> list[KeySummary]:
    return sorted((s for stream in streams for s in stream), key=lambda s: (s.ts, s.api_key_id))
