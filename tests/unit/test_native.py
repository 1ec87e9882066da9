"""The compiled hot path (native/) returns exactly what the Python reference returns."""

from __future__ import annotations

import gc
import gzip
import pickle
import random
import shutil
import weakref
from array import array
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import (
    attributes,
    campaign_score,
    dedup,
    engine,
    events,
    features,
    fingerprints,
    partitioning,
    sharded,
    slices,
    summaries,
    timestamps,
    window_values,
)
from detectors.campaign_index import TemplateIndex
from detectors.events import Event, parse_line
from detectors.native import NATIVE

GOLDEN_INPUT = Path(__file__).resolve().parents[1] / "golden" / "input.jsonl.gz"

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

# Words that exercise every branch: stopwords, reasoning cues and their anchors,
# punctuation that must break words, every ASCII whitespace bytes.split() knows
# (and \x1c, which it does not), and characters whose lower-casing or encoding is
# special (Kelvin sign -> "k", dotted capital I -> two code points, a lone surrogate).
PIECES = [
    *fingerprints._STOPWORDS[:12],
    "step by step",
    "Step-By-Step",
    "REASONING",
    "show your work",
    "let's think",
    "thin\u212a carefully",
    "photosynthesis",
    "topic:",
    "x",
    "\u0130stanbul",
    "stra\u00dfe",
    "\u03a3\u0399\u03a3",
    "\U0001f600",
    "\ud800",
    " ",
    "\t",
    "\n",
    "\x0b",
    "\x0c",
    "\r",
    "\x1c",
    ",",
    "...",
    "\u00a0",
]


def test_the_compiled_path_is_built_where_a_rust_toolchain_is() -> None:
    # make setup builds native/ whenever cargo is on PATH; a missing build there is a
    # broken install step, not a reason to quietly run ~20 % slower.
    if shutil.which("cargo") is None:
        pytest.skip("no cargo here: the pure-Python path is the expected one")
    assert NATIVE is not None, "distillwatch_native is missing: run `make setup`"


@needs_native
def test_word_lists_match_the_reference() -> None:
    assert NATIVE is not None
    assert NATIVE.stopwords() == fingerprints._STOPWORDS
    assert tuple(NATIVE.reasoning_cues()) == fingerprints.REASONING_CUES


@needs_native
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_fingerprint_matches_the_reference_on_tricky_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == tuple(fingerprints._python_fields(text))


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fingerprint_matches_the_reference_on_any_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == tuple(fingerprints._python_fields(text))


def test_public_fingerprint_is_the_named_tuple() -> None:
    fp = fingerprints.fingerprint("Explain entropy step by step.")
    assert isinstance(fp, fingerprints.PromptFingerprint)
    assert fp == fingerprints._python_fields("Explain entropy step by step.")
    assert fp.asks_reasoning


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


def test_recent_ids_survive_a_pickle_round_trip() -> None:
    ids = dedup.RecentIds(capacity=3)
    for rid in ("a", "b", "c", "d"):
        ids.seen("k", rid)
    restored = pickle.loads(pickle.dumps(ids))
    assert len(restored) == 3
    assert [restored.seen("k", r) for r in ("b", "c", "d")] == [True, True, True]
    assert not restored.seen("k", "a")  # forgotten before the checkpoint


def _golden_alerts() -> tuple[list[dict[str, Any]], bytes]:
    with gzip.open(GOLDEN_INPUT, "rb") as f:
        events = [e for e in map(parse_line, f.read().splitlines()) if isinstance(e, Event)]
    replayed = sharded.ShardedEngine()
    alerts = [a for e in events for a in replayed.process(e)]
    alerts += replayed.finish()
    return [a.to_dict() for a in alerts], replayed.engines[0].snapshot()


@needs_native
def test_engine_alerts_and_state_do_not_depend_on_the_implementation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    native_alerts, native_state = _golden_alerts()
    assert "process" in engine.Engine().__dict__, "the compiled per-event path is bound"
    monkeypatch.setattr(engine, "fingerprint_fields", fingerprints._python_fields)
    monkeypatch.setattr(dedup, "_Impl", dedup._PythonIds)
    monkeypatch.setattr(engine, "add_event", features.KeyState.add)
    monkeypatch.setattr(attributes, "prefix_bit", attributes._python_prefix_bit)
    monkeypatch.setattr(engine, "prefix_bit", attributes._python_prefix_bit)
    monkeypatch.setattr(sharded, "router", partitioning.PartitionCache)
    monkeypatch.setattr(events, "_checked_ts", events._no_fast_path)
    python_alerts, python_state = _golden_alerts()
    assert native_alerts, "the golden input raises alerts; compare something"
    assert native_alerts == python_alerts
    assert native_state == python_state


@needs_native
def test_keystate_layout_matches_the_reference() -> None:
    assert NATIVE is not None
    layout = NATIVE.keystate_layout()
    assert tuple(layout.pop("EVENT_FIELDS")) == Event._fields
    for name, value in layout.items():
        owner = window_values if hasattr(window_values, name) else features
        assert getattr(owner, name) == value, name


def _slots(state: features.KeyState) -> dict[str, Any]:
    out = {name: getattr(state, name) for name in features.KeyState.__slots__}
    for name in ("values", "clusters", "cluster_weights"):
        out[name] = None if out[name] is None else out[name].tolist()
    return out


EVENTS = st.builds(
    Event,
    ts=st.floats(1_791_000_000.0, 1_791_050_000.0),
    api_key_id=st.just("k"),
    prompt_tokens=st.integers(0, 2**60),
    completion_tokens=st.integers(0, 9_000),
    status=st.sampled_from([200, 200, 400, 429, 500]),
    reasoning_tokens=st.integers(0, 3_000),
    n=st.integers(1, 4),
    temperature=st.none() | st.floats(0.0, 2.0) | st.just(1e300),
    max_tokens=st.none() | st.integers(1, 8_000),
)
PROMPTS = st.none() | st.sampled_from(
    [
        "Explain entropy step by step.",
        "Explain inflation step by step.",
        "Translate good morning into Japanese",
        "walk me through recursion",
        "what should I cook tonight",
        "summarise this contract clause",
        "list ten facts about volcanoes",
        "rewrite the paragraph in a formal tone",
    ]
)
BITS = st.sampled_from([0, 1 << 3, 1 << 200, 1 << 255])


@needs_native
@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(EVENTS, PROMPTS, BITS, BITS, BITS), min_size=1, max_size=60))
def test_add_event_leaves_the_state_the_reference_leaves(
    steps: list[tuple[Event, str | None, int, int, int]],
) -> None:
    assert NATIVE is not None
    ours, reference = (
        features.KeyState(steps[0][0].ts, 300.0),
        features.KeyState(steps[0][0].ts, 300.0),
    )
    for state in (ours, reference):
        state.ip_history, state.ua_history = 1 << 3, 1 << 255  # some prefixes are new
    for event, prompt, ip_bit, ua_bit, model_bit in steps:
        fp = fingerprints.fingerprint_fields(prompt) if prompt is not None else None
        NATIVE.add_event(ours, event, fp, ip_bit, ua_bit, model_bit)
        reference.add(event, fp, ip_bit, ua_bit, model_bit)
        assert _slots(ours) == _slots(reference)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(0.0, 1e6),
        min_size=window_values.PROFILE + 24,
        max_size=window_values.PROFILE + 24,
    ),
    st.floats(0.0, 30 * 86400.0),
    st.integers(0, 23),
)
def test_fold_values_matches_the_reference(start: list[float], elapsed: float, slot: int) -> None:
    assert NATIVE is not None
    ours, reference = array("f", start), array("f", start)
    if slot % 5 == 0:
        ours[window_values.N] = reference[window_values.N] = (
            0.0  # an empty window skips the profile
        )
    NATIVE.fold_values(ours, elapsed, slot)
    window_values._fold_values(reference, elapsed, slot)
    assert ours.tobytes() == reference.tobytes()


DIGITS = st.sampled_from("0123456789")
STAMPS = st.builds(
    "{}-{}-{}{}{}:{}:{}{}{}".format,
    st.sampled_from(["2000", "2023", "2024", "2026", "2099", "2100", "1999"])
    | st.text(DIGITS, min_size=4, max_size=4),
    st.sampled_from(["01", "02", "02", "04", "12", "13", "00"]),
    st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
    st.sampled_from(["T", "t", " ", "X"]),
    st.sampled_from(["00", "09", "23", "24"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "5\u0661"]),
    st.sampled_from(["", ".250", ".000", ".999", ".2\u00b2", "+00"]),
    st.sampled_from(["Z", "z", "", "+00:00"]),
)


@needs_native
def test_checked_ts_uses_the_python_range() -> None:
    assert NATIVE is not None
    assert NATIVE.ts_range() == (timestamps.MIN_TS, timestamps.MAX_TS)


@needs_native
@settings(max_examples=600, deadline=None)
@given(STAMPS | st.floats(allow_nan=True, allow_infinity=True))
def test_checked_ts_agrees_with_parse_ts_wherever_it_answers(ts: str | float) -> None:
    assert NATIVE is not None
    fast = NATIVE.checked_ts(ts, None)
    if fast is None:
        return  # the Python checks decide
    assert fast == timestamps.parse_ts(ts)


@needs_native
@settings(max_examples=200, deadline=None)
# hypothesis takes naive bounds; the text built from them is UTC by construction
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))  # noqa: DTZ001
def test_checked_ts_answers_for_the_common_shape(moment: datetime) -> None:
    assert NATIVE is not None
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert NATIVE.checked_ts(text, None) == timestamps.parse_ts(text)


@needs_native
@settings(max_examples=600, deadline=None)
@given(
    st.text(st.sampled_from("0123456789abcdefABCDEF:.%\u0661 "), max_size=45)
    | st.ip_addresses().map(str)
)
def test_checked_ts_accepts_only_addresses_python_accepts(client_ip: str) -> None:
    assert NATIVE is not None
    if NATIVE.checked_ts(1_791_000_000.0, client_ip) is not None:
        assert events._is_ip(client_ip), client_ip


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.ip_addresses())
def test_checked_ts_answers_for_plain_addresses(address: Any) -> None:
    assert NATIVE is not None
    assert NATIVE.checked_ts(1_791_000_000.0, str(address)) == 1_791_000_000.0


@needs_native
@pytest.mark.parametrize("year", ["1999", "2000", "2023", "2024", "2099", "2100"])
def test_checked_ts_knows_the_calendar(year: str) -> None:
    # Month lengths, leap years and the range ends, date by date and at the clock's edges.
    assert NATIVE is not None
    for month in range(0, 14):
        for day in (0, 1, 28, 29, 30, 31, 32):
            for clock in ("00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "23:59:60"):
                text = f"{year}-{month:02d}-{day:02d}T{clock}.500Z"
                fast = NATIVE.checked_ts(text, None)
                try:
                    expected: float | None = timestamps.parse_ts(text)
                except timestamps.EventRejected:
                    expected = None
                if clock == "23:59:60" and expected is not None:
                    assert fast is None, text  # a leap second: left to the reference
                    continue
                assert fast == expected, text


@needs_native
@settings(max_examples=400, deadline=None)
@given(
    st.ip_addresses().map(str)
    | st.text(st.sampled_from("0123456789abcdef:.\u00e9"), max_size=40)
    | st.text(max_size=20)
)
def test_ip_prefix_bit_matches_the_reference(client_ip: str) -> None:
    assert NATIVE is not None
    assert NATIVE.ip_prefix_bits() == summaries.IP_PREFIX_BITS
    try:
        expected = attributes._python_prefix_bit(client_ip)
    except UnicodeEncodeError:  # a lone surrogate: both refuse it alike
        with pytest.raises(UnicodeEncodeError):
            NATIVE.ip_prefix_bit(client_ip)
        return
    assert NATIVE.ip_prefix_bit(client_ip) == expected


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
def test_hot_path_constants_match_the_reference() -> None:
    assert NATIVE is not None
    assert NATIVE.HotPath.constants() == (slices.HIGH_MAX_TOKENS, engine.EXPIRY_EVERY)


@needs_native
def test_hot_path_hands_anything_but_a_parsed_event_to_the_reference() -> None:
    # An Event with an int timestamp (built by hand, not by the parser) takes the
    # Python path and counts exactly as the reference counts it.
    fast, reference = engine.Engine(), engine.Engine()
    for i in range(3):
        event = Event(1_791_000_000 + i, "k", 10, 500, request_id=f"r{i % 2}")
        fast.process(event)
        engine.Engine.process(reference, event)
    assert fast.stats.events_valid == reference.stats.events_valid == 2
    assert fast.stats.events_duplicate == reference.stats.events_duplicate == 1
    assert fast.snapshot() == reference.snapshot()


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


def test_engines_with_compiled_paths_are_collected() -> None:
    # The compiled paths and their engines refer to each other; the cycle must be
    # collectable, or every rebalance in a worker would leak an engine.
    replayed = sharded.ShardedEngine()
    replayed.process(Event(1_791_000_000.0, "k", 10, 500, request_id="r"))
    refs: list[weakref.ref[Any]] = [weakref.ref(replayed)]
    refs += [weakref.ref(e) for e in replayed.engines]
    del replayed
    gc.collect()
    assert all(ref() is None for ref in refs)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**256 - 1) | st.integers(0, 70), max_size=40),
    st.sampled_from([64, 256]),
)
def test_bit_counts_match_the_reference(values: list[int], width: int) -> None:
    assert NATIVE is not None
    fast = NATIVE.bit_counts(values, width)
    if any(v >= 1 << width for v in values):
        assert fast is None  # too wide: the reference decides
        return
    assert fast == campaign_score._python_bit_counts(values, width)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2**64 - 1), st.floats(0, 20, width=32)), min_size=6,
             max_size=6),
    st.sampled_from([1.0, 2.0, 3.0, 2.5]),
)  # fmt: skip
def test_templates_match_the_reference(slots: list[tuple[int, float]], min_weight: float) -> None:
    assert NATIVE is not None
    clusters = array("Q", [c for c, _ in slots])
    weights = array("f", [w for _, w in slots])
    expected = tuple(c for c, w in zip(clusters, weights, strict=True) if w >= min_weight)
    assert NATIVE.templates(clusters, weights, min_weight) == expected


@needs_native
def test_hot_path_leaves_the_state_the_reference_leaves() -> None:
    # HotPath writes KeyState's __slots__ at their offsets; Engine.process (the
    # reference) goes through attributes. Same events, same snapshot, byte for byte.
    with gzip.open(GOLDEN_INPUT, "rb") as f:
        events = [e for e in map(parse_line, f.read().splitlines()[:3000]) if isinstance(e, Event)]
    fast, reference = engine.Engine(), engine.Engine()
    assert fast.hot_path is not None
    for event in events:
        fast.process(event)
        engine.Engine.process(reference, event)
    assert fast.snapshot() == reference.snapshot()
