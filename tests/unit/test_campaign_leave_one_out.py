"""Profiles without one member, from one count of the cluster: what a rebuild gives."""

from __future__ import annotations

import math
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.campaign_clusters import ClusterProfile, KeyRecord, build_profile, topic_bits
from detectors.campaign_leave_one_out import LeaveOneOut
from detectors.campaign_population import Population, TopicBackground

NOW = 1_791_158_400.0


def _bits(rng: random.Random, width: int, count: int) -> int:
    return sum(1 << b for b in rng.sample(range(width), min(count, width)))


def _record(rng: random.Random, gids: list[int], odd: bool) -> KeyRecord:
    record = KeyRecord(f"acct{rng.randrange(5)}", NOW - rng.uniform(0, 86400.0))
    # Dense, topical and empty topic bitmaps; a shared pool, a shared agent, frames.
    record.topics = _bits(rng, 256, rng.choice([0, 10, 30, 60, 200]))
    record.frames = tuple(rng.sample(gids, rng.randint(0, 3)))
    record.ip_bits = _bits(rng, 8, rng.randint(0, 4)) << rng.choice([0, 100, 250])
    record.ua_bits = 1 << rng.choice([3, 3, 7, 60])
    record.hour, record.hours = int(NOW // 3600.0) - rng.randint(0, 30), _bits(rng, 24, 5)
    choices = [0.0, -0.0, 1.5, -2.0, 3.0] + ([math.nan] if odd else [])
    record.families = tuple(rng.choice(choices) for _ in range(5))
    record.onset = rng.choice([math.nan, NOW - 3600.0, NOW - 7200.0, NOW - 9e6])
    record.rate = rng.choice([0.0, 1.0, 9.0, 300.0])
    return record


def _same(a: Any, b: Any) -> bool:
    # Equal, NaN equal to NaN and 0.0 told from -0.0 (repr says both).
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return repr(a) == repr(b)
    return bool(a == b)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 30), st.booleans())
def test_each_profile_without_one_member_is_the_rebuilt_one(seed: int, n: int, odd: bool) -> None:
    rng = random.Random(seed)
    background = TopicBackground()
    for _ in range(50):
        background.add(_bits(rng, 256, rng.randint(20, 90)), NOW)
    population = Population(6 * 3600.0, 7 * 86400.0, 5.0)
    for i in range(40):
        population.ip.add(f"ordinary{i}", _bits(rng, 8, 2), NOW)
    gids = [11, 12, 13, 14]
    popularity = {11: 0.0, 12: 3.0, 13: 40.0}  # 14: a group already forgotten
    records = [_record(rng, gids, odd) for _ in range(n)]
    loo = LeaveOneOut(records, population, background, popularity, NOW)
    for index in range(n):
        others = records[:index] + records[index + 1 :]
        if not others:
            continue
        expected = build_profile(
            others, population, background, topic_bits(others), popularity, NOW
        )._replace(prompts=())
        got = loo.without(index)
        assert isinstance(got, ClusterProfile)
        assert _same(tuple(got), tuple(expected)), (index, got, expected)
