"""Compiled routing (Kafka's partitioner) and the campaign stage's template-index scans."""

from __future__ import annotations

import pickle
import random
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import campaign_population, partitioning
from detectors.campaign_index import TemplateIndex
from detectors.native import NATIVE

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.binary(max_size=60).map(lambda b: b.hex()), st.integers(1, 64))
def test_router_matches_kafkas_partitioner(api_key_id: str, partitions: int) -> None:
    assert NATIVE is not None
    try:
        expected = partitioning.partition_for(api_key_id, partitions)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            NATIVE.Router(partitions)(api_key_id)
        return
    assert NATIVE.Router(partitions)(api_key_id) == expected
    data = api_key_id.encode()
    assert NATIVE.murmur2(data) == partitioning.murmur2(data)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2**64 - 1), st.sampled_from([(12, 2), (8, 3), (4, 4)]))
def test_band_keys_match_the_reference(signature: int, shape: tuple[int, int]) -> None:
    index = TemplateIndex(*shape, 0.5, 16, 100, seed=3)
    assert index._band_keys(signature) == index._python_band_keys(signature)


def test_template_index_pickles_without_the_derived_table() -> None:
    index = TemplateIndex(12, 2, 0.5, 16, 100, seed=3)
    index.add(0b1111_0000_1111)
    assert "_rank_bytes" not in index.__getstate__()
    restored = pickle.loads(pickle.dumps(index))
    assert restored.find(0b1111_0000_0111) == 0b1111_0000_1111
    assert restored._band_keys(0b1011) == index._python_band_keys(0b1011)


@needs_native
@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 2**64 - 1), min_size=1, max_size=30),
    st.lists(st.integers(1, 2**64 - 1), min_size=1, max_size=10),
    st.randoms(use_true_random=False),
)
def test_bucket_scan_matches_the_reference(
    founders: list[int], probes: list[int], rng: random.Random
) -> None:
    assert NATIVE is not None
    index = TemplateIndex(12, 2, 0.5, 4, 100, seed=3)
    for signature in founders:
        index.add(signature)
    # Near-copies of founders meet them in buckets (and tie on similarity).
    probes += [f ^ (1 << rng.randrange(64)) for f in founders[:5]] + founders[:3]
    for probe in filter(None, probes):  # 0 has no bits to hash (the index never sees it)
        ours = NATIVE.best_in_buckets(probe, index._rank_bytes, index.rows, index._buckets)
        assert ours == index._best_in_buckets(probe)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**256 - 1) | st.sampled_from([0, 1, 2**255]), max_size=12),
    st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=256, max_size=256),
)
def test_topic_marks_match_the_reference(summaries: list[int], start: list[float]) -> None:
    assert NATIVE is not None
    compiled, reference = array("d", start), array("d", start)
    for bits in summaries:
        assert NATIVE.add_topic_marks(compiled, bits.to_bytes(32, "little")) is True
        for offset in range(256):  # the reference's additions, bit by bit
            if bits >> offset & 1:
                reference[offset] += 1.0
    assert compiled.tobytes() == reference.tobytes()


@needs_native
def test_topic_marks_leave_odd_counts_to_the_reference() -> None:
    assert NATIVE is not None
    assert NATIVE.add_topic_marks([0.0] * 256, bytes(32)) is False  # not a buffer
    assert NATIVE.add_topic_marks(array("f", bytes(4 * 256)), bytes(32)) is False
    short = array("d", bytes(8 * 255))
    assert NATIVE.add_topic_marks(short, b"\xff" * 32) is False
    assert short.tobytes() == bytes(8 * 255)  # nothing added
    background = campaign_population.TopicBackground()
    background.counts = [0.0] * 256  # type: ignore[assignment]  # what a restore could hold
    background.add(0b101, 0.0)
    assert background.counts[0] == background.counts[2] == 1.0
