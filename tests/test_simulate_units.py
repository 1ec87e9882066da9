"""Unit and property tests of the simulator's parts: timing, text, roster, delivery."""

from __future__ import annotations

import itertools
import random
import statistics
from datetime import datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.events import Event, parse_line
from pipeline.simulate import SimulationConfig, encode_event, simulate
from pipeline.simulate import timing as tm
from pipeline.simulate.delivery import TsFormatter
from pipeline.simulate.prompts import EXTRACTION_TEMPLATES, paraphrase
from pipeline.simulate.roster import allocate


def test_poisson_is_monotone_even_with_overlapping_segments() -> None:
    r = random.Random(1).random
    segments = [(0.0, 100.0, 2.0), (50.0, 150.0, 2.0), (120.0, 130.0, 5.0)]
    times = list(tm.poisson(r, segments))
    assert times == sorted(times) and len(times) > 100
    assert times[0] >= 0.0 and times[-1] < 150.0


def test_paced_is_regular_and_poisson_is_not() -> None:
    r = random.Random(2).random
    paced = list(tm.paced(r, [(0.0, 3600.0, 1.0)], jitter=0.1))
    gaps = [b - a for a, b in itertools.pairwise(paced)]
    assert abs(statistics.mean(gaps) - 1.0) < 0.05
    assert statistics.pstdev(gaps) < 0.1
    poisson = list(tm.poisson(r, [(0.0, 3600.0, 1.0)]))
    pgaps = [b - a for a, b in itertools.pairwise(poisson)]
    assert statistics.pstdev(pgaps) > 0.7  # exponential gaps: sd close to the mean


def test_daily_quota_respects_bounds_and_window() -> None:
    r = random.Random(3).random
    start = 1_791_158_400.0
    times = list(tm.daily_quota(r, start, start + 3 * 86400, 20, 40, (3600.0, 7200.0)))
    for day in range(3):
        block = [t for t in times if start + day * 86400 <= t < start + (day + 1) * 86400]
        assert 20 <= len(block) <= 40
        assert all(3600.0 <= (t - start) % 86400 < 7200.0 for t in block)


def test_diurnal_profile_shapes_the_day() -> None:
    r = random.Random(4).random
    start = 1_791_158_400.0  # a Monday, 00:00 UTC
    segments = list(tm.diurnal(r, start, start + 86400, 24000, 0.0, tm.CONSUMER, 1.0, 0.0))
    rates = [rate for _, _, rate in segments]
    assert len(rates) == 24
    assert rates[20] > 5 * rates[3]
    assert abs(sum(rate * 3600 for rate in rates) - 24000) < 1


def test_rounds_are_shared_by_campaign_members() -> None:
    start = 1_791_158_400.0

    def member(seed: int) -> list[float]:
        schedule = random.Random("campaign").random
        r = random.Random(seed).random
        return list(tm.rounds(schedule, r, start, start + 7200, 300.0, 0.0, 1, 1.0))

    a, b = member(1), member(2)
    assert len(a) == len(b) == 24
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 3.5


def test_paraphrase_varies_wording_but_keeps_slots() -> None:
    r = random.Random(5).random
    template = EXTRACTION_TEMPLATES[0]
    variants = {paraphrase(r, template) for _ in range(50)}
    assert len(variants) > 30
    assert all("{t}" in v for v in variants)


def test_allocate_sums_and_is_proportional() -> None:
    counts = allocate(400, {"a": 0.28, "b": 0.5, "c": 0.22})
    assert sum(counts.values()) == 400
    assert counts == {"a": 112, "b": 200, "c": 88}


def test_ts_formatter_matches_datetime() -> None:
    fmt = TsFormatter()
    rng = random.Random(6)
    for _ in range(500):
        t = 1_791_158_400.0 + rng.random() * 86400 * 3
        text = fmt(t)
        assert abs(datetime.fromisoformat(text).timestamp() - t) <= 0.0005 + 1e-6


@settings(max_examples=6, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    disorder=st.floats(0.0, 90.0),
    duplicates=st.floats(0.0, 0.05),
)
def test_any_config_gives_valid_bounded_output(
    seed: int, disorder: float, duplicates: float
) -> None:
    config = SimulationConfig(
        seed=seed, days=0.01, benign_keys=12, attack_instances=1, disorder_seconds=disorder,
        duplicate_rate=duplicates, hydra_keys=(2, 3), swarm_keys=(2, 3),
        scenarios=("bulk_harvest", "paraphrased", "hydra", "key_takeover"),
    )  # fmt: skip
    events, _ = simulate(config)
    newest = float("-inf")
    count = 0
    for event in events:
        line = encode_event(event)
        parsed = parse_line(line)
        assert isinstance(parsed, Event), orjson.loads(line)
        assert parsed.ts >= newest - disorder - 0.002
        newest = max(newest, parsed.ts)
        count += 1
    assert count > 0
