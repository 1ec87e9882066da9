"""Ties between a key and a cluster: each channel against chance, common things tie nobody."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from detectors.campaign_clusters import (
    ClusterProfile,
    KeyRecord,
    bit_counts,
    build_profile,
    topic_bits,
)
from detectors.campaign_links import (
    TOPIC_DENSE,
    infra_link,
    onset_link,
    rhythm_link,
    tail_surprise,
    topic_link,
)
from detectors.campaign_population import Population, TopicBackground
from detectors.summaries import KeySummary

NOW = 1_791_158_400.0


def background(rng: random.Random, keys: int = 400) -> TopicBackground:
    bg = TopicBackground()
    for _ in range(keys):
        bits = 0
        for b in rng.sample(range(256), rng.randint(30, 100)):
            bits |= 1 << b
        bg.add(bits, NOW)
    return bg


def member(rng: random.Random, words: list[int], own: int = 40) -> KeyRecord:
    """A key asking its slice of a curriculum: its words plus noise of its own rewording."""
    record = KeyRecord("acct", NOW)
    bits = 0
    for b in rng.sample(words, 25) + rng.sample(range(256), own):
        bits |= 1 << b
    record.topics = bits
    record.total = 3.0
    return record


def profile_of(records: list[KeyRecord], bg: TopicBackground) -> ClusterProfile:
    population = Population(6 * 3600.0, 7 * 86400.0, 5.0)
    return build_profile(records, population, bg, topic_bits(records), {}, NOW)


def test_slices_of_one_curriculum_tie_and_strangers_do_not() -> None:
    rng = random.Random(1)
    bg = background(rng)
    words = rng.sample(range(256), 40)
    cluster = [member(rng, words) for _ in range(20)]
    profile = profile_of(cluster, bg)
    newcomer = member(rng, words)
    assert topic_link(newcomer.topics, profile.topics) >= 1.5
    strangers = [member(rng, rng.sample(range(256), 40)) for _ in range(200)]
    tied = [s for s in strangers if topic_link(s.topics, profile.topics) > 0.0]
    assert len(tied) <= 2  # chance ties are rare, and weak


def test_a_saturated_bitmap_proves_nothing() -> None:
    rng = random.Random(2)
    bg = background(rng)
    words = rng.sample(range(256), 40)
    profile = profile_of([member(rng, words) for _ in range(20)], bg)
    everything = (1 << 256) - 1
    assert everything.bit_count() > TOPIC_DENSE
    assert topic_link(everything, profile.topics) == 0.0


def test_a_platform_egress_used_by_many_ordinary_customers_weighs_little() -> None:
    population = Population(6 * 3600.0, 7 * 86400.0, 5.0)
    egress_bit, pool_bit = 77, 150
    for i in range(300):  # ordinary, established customers, 60 of them on the egress
        bits = 1 << (i % 256) | (1 << egress_bit if i < 60 else 0)
        summary = KeySummary(f"k{i}", None, NOW, NOW - 90 * 86400.0, ip_prefix_bits=bits)
        population.see(summary, ordinary=True)
    assert population.ip_weight(egress_bit, NOW) < 0.15
    assert population.ip_weight(pool_bit, NOW) > 0.6
    # Keys of a campaign (not ordinary) never make their pool look popular.
    for i in range(60):
        summary = KeySummary(f"c{i}", None, NOW, NOW - 90 * 86400.0, ip_prefix_bits=1 << 200)
        population.see(summary, ordinary=False)
    assert population.ip_weight(200, NOW) > 0.6


def test_address_ties_follow_chance() -> None:
    pool = (1 << 20) - 1
    weights = {b: 1.0 for b in range(20)}
    assert infra_link(0b1111 << 3, pool, weights) == 2.0  # four of four in a 20-bit pool
    assert infra_link(0b1 | 1 << 100, pool, weights) == 0.0  # one in it: common
    assert infra_link((1 << 220) - 1, pool, weights) < 0.1  # everywhere: in every pool
    assert tail_surprise(10, 1, 0.1) == 0.0  # as many as expected: no surprise


def test_rhythm_and_cohort_ties() -> None:
    assert rhythm_link(0b111 << 9, 0b111 << 9) > 0.5
    assert rhythm_link(0xFFFFFF, 0b111 << 9) == 0.0  # around the clock: like everyone
    assert onset_link(NOW, True, NOW + 3600.0, 6 * 3600.0) == 1.0
    assert onset_link(NOW, False, NOW + 3600.0, 6 * 3600.0) == 0.25  # assumed: weak
    assert onset_link(NOW, True, NOW + 86400.0, 6 * 3600.0) == 0.0


@given(
    st.lists(st.integers(0, 2**300) | st.integers(0, 255), max_size=60),
    st.sampled_from([8, 24, 64, 256]),
)
def test_bit_counts_are_the_column_sums(values: list[int], width: int) -> None:
    # The bit-plane adder against the plain definition: per bit, how many values hold it
    # (bits at or above ``width`` ignored; repeated values count each time).
    expected = [sum(v >> bit & 1 for v in values) for bit in range(width)]
    assert bit_counts(values, width) == expected
    assert bit_counts(values + values[:3], width) == [
        e + sum(v >> bit & 1 for v in values[:3]) for bit, e in enumerate(expected)
    ]
