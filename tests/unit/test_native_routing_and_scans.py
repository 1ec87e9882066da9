"""Compiled routing (Kafka's partitioner) and the campaign stage's template-index scans."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import partitioning
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
