"""Compiled request-id deduplication: the same hashes, answers and checkpoint format."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import dedup
from detectors.native import NATIVE

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


@needs_native
def test_recent_ids_match_the_reference_and_share_a_pickle_format() -> None:
    assert NATIVE is not None
    rng = random.Random(7)
    ids = [(f"key-{rng.randrange(5)}", f"r{rng.randrange(60)}") for _ in range(2_000)]
    native, python = NATIVE.RecentIds(25, b""), dedup._PythonIds(25)
    assert [native.seen(*i) for i in ids] == [python.seen(*i) for i in ids]
    assert native.order_bytes() == python.order_bytes()
    assert len(native) == len(python) == 25
    # A checkpoint written by one implementation restores into the other.
    resumed = dedup._PythonIds(25, native.order_bytes())
    rebuilt = NATIVE.RecentIds(25, python.order_bytes())
    probe = [(f"key-{rng.randrange(5)}", f"r{rng.randrange(60)}") for _ in range(200)]
    assert [resumed.seen(*i) for i in probe] == [rebuilt.seen(*i) for i in probe]


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=200))
def test_request_id_hash_matches_the_reference(key: str, request_id: str) -> None:
    assert NATIVE is not None
    try:
        expected = dedup.id_hash(key, request_id)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            NATIVE.request_id_hash(key, request_id)
        return
    assert NATIVE.request_id_hash(key, request_id) == expected


def test_recent_ids_survive_a_pickle_round_trip() -> None:
    ids = dedup.RecentIds(capacity=3)
    for rid in ("a", "b", "c", "d"):
        ids.seen("k", rid)
    restored = pickle.loads(pickle.dumps(ids))
    assert len(restored) == 3
    assert [restored.seen("k", r) for r in ("b", "c", "d")] == [True, True, True]
    assert not restored.seen("k", "a")  # forgotten before the checkpoint
