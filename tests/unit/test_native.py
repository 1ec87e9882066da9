"""The compiled hot path (native/) returns exactly what the Python reference returns.

Each compiled function is compared with its reference on random inputs (hypothesis),
and every constant the Rust code shares with Python with the Python value. Whole
engines both ways: tests/unit/test_native_engine.py.
"""

from __future__ import annotations

import math
import os
import pickle
import random
import re
import shutil
from array import array
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import (
    attributes,
    dedup,
    events,
    fingerprints,
    lexicon,
    native,
    partitioning,
    summaries,
    timestamps,
)
from detectors.campaign_index import TemplateIndex
from detectors.engine import engine
from detectors.events import Event
from detectors.native import NATIVE
from detectors.state import keystate
from detectors.state import layout as L
from detectors.state.keystate import KeyState
from detectors.state.prompt_memory import PromptMemory, key_hash, mix64

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

# Text that exercises every branch: stopwords, cues of every group and limit cues (some
# of them overlapping), punctuation that breaks words, every ASCII whitespace byte
# bytes.split() knows and some it does not (\x1c-\x1f, \x85, NBSP, U+2028), and
# characters whose lower-casing or encoding is special (Kelvin sign, dotted capital I,
# final sigma, sharp s, a lone surrogate).
PIECES = [
    *fingerprints.STOPWORDS[:12],
    *[group[i] for group in lexicon.CUE_GROUPS.values() for i in (0, -1, 3)],
    *lexicon.LIMIT_CUES[:6],
    "Step-By-Step",
    "REASONING",
    "EXPLAIN WHY ",
    "thin\u212a carefully",
    "photosynthesis",
    "topic:",
    "x",
    "\u0130stanbul",
    "stra\u00dfe",
    "\u03a3\u0399\u03a3",
    "\u03a3",
    "\U0001f600",
    "\ud800",
    "\udfff",
    "\u00e9tape",
    "E\u0301TAPE",
    *(chr(b) for b in range(0, 33)),
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    ",",
    "...",
    "'",
    "?",
]


def test_the_compiled_path_is_built_where_a_rust_toolchain_is() -> None:
    # make setup builds native/ whenever cargo is on PATH; a missing build there is a
    # broken install step, not a reason to quietly run several times slower.
    if shutil.which("cargo") is None:
        pytest.skip("no cargo here: the pure-Python path is the expected one")
    if os.environ.get("DISTILLWATCH_NATIVE", "1") == "0":
        pytest.skip("DISTILLWATCH_NATIVE=0: the pure-Python path was asked for")
    assert NATIVE is not None, "distillwatch_native is missing: run `make setup`"


# -- constants --------------------------------------------------------------------------

# Rust names whose Python counterpart is not a plain module attribute of the same name.
_SPECIAL: dict[tuple[str, str], Any] = {
    ("detectors.events", "EVENT_FIELDS"): list(Event._fields),
    ("detectors.lexicon", "CUE_GROUPS"): [list(g) for g in lexicon.CUE_GROUPS.values()],
    ("detectors.engine.engine", "MILESTONES"): sorted(engine.MILESTONES),
}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


@needs_native
def test_every_shared_constant_matches_its_python_module() -> None:
    assert NATIVE is not None
    compared = 0
    for module_name, constants in NATIVE.native_layout().items():
        module = import_module(module_name)
        for name, value in constants.items():
            if (module_name, name) in _SPECIAL:
                expected = _SPECIAL[module_name, name]
            else:
                assert hasattr(module, name), f"{module_name}.{name} is not in Python"
                expected = getattr(module, name)
            assert _plain(value) == _plain(expected), f"{module_name}.{name}"
            compared += 1
    # Every counter is among them (the compiled code names its index constants).
    layout = NATIVE.native_layout()["detectors.state.layout"]
    assert set(L.COUNTER_NAMES) <= set(layout)
    assert compared >= len(L.COUNTER_NAMES) + len(L.T_FIELDS) + 40


@needs_native
def test_a_build_with_another_layout_or_lexicon_is_not_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A counter or cue edited on one side only: detectors.native runs pure Python.
    assert NATIVE is not None
    assert native._mismatch(NATIVE.native_layout()) is None
    monkeypatch.setattr(lexicon, "LIMIT_CUES", (*lexicon.LIMIT_CUES, "answer in one line"))
    assert native._mismatch(NATIVE.native_layout()) == "detectors.lexicon.LIMIT_CUES"
    monkeypatch.setattr(L, "COUNTER_NAMES", (*L.COUNTER_NAMES, "NEW"))
    assert native._mismatch(NATIVE.native_layout()) == "detectors.state.layout.COUNTER_NAMES"


def test_no_cue_contains_the_replacement_character() -> None:
    # The compiled cue search runs on UTF-8 with lone surrogates replaced by "?".
    cues = [c for group in lexicon.CUE_GROUPS.values() for c in group] + list(lexicon.LIMIT_CUES)
    assert not any("?" in cue for cue in cues)


# -- fingerprints -----------------------------------------------------------------------


@needs_native
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_fingerprint_matches_the_reference_on_tricky_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fingerprint_matches_the_reference_on_any_text(text: str) -> None:
    assert NATIVE is not None
    assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text)


@needs_native
def test_fingerprint_matches_the_reference_on_every_byte_and_case() -> None:
    assert NATIVE is not None
    for code in [*range(0, 0x250), *range(0x370, 0x400), 0x130, 0x212A, 0x1E9E, 0x2028, 0xFEFF]:
        c = chr(code)
        for text in (f"word{c}word step{c}by step", f"{c}WHY {c}", c * 5, f"a{c}"):
            assert NATIVE.fingerprint_fields(text) == fingerprints._python_fields(text), hex(code)


def test_public_fingerprint_is_the_named_tuple() -> None:
    fp = fingerprints.fingerprint("Explain entropy step by step.")
    assert isinstance(fp, fingerprints.PromptFingerprint)
    assert fp == fingerprints._python_fields("Explain entropy step by step.")
    assert fp.cues == 2


# -- request ids ------------------------------------------------------------------------


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


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.text(max_size=40))
def test_keyed_prompt_hash_matches_the_reference(exact: int, secret: str) -> None:
    from detectors.state.prompt_memory import keyed_exact, prompt_salt

    assert NATIVE is not None
    salt = prompt_salt(secret)
    assert NATIVE.keyed_exact(exact, salt) == keyed_exact(exact, salt)


def test_the_prompt_key_decides_which_prompts_a_key_tracks() -> None:
    from detectors.engine import Engine
    from detectors.events import Event

    tracked = []
    for secret in ("one", "two"):
        engine = Engine(prompt_key=secret)
        for i in range(200):
            engine.process(Event(1_791_000_000.0 + i, "k", 20, 900, prompt_text=f"task {i} now"))
        state = engine.key_state("k")
        assert state is not None and state.items is not None
        tracked.append(sorted(state.items[-32:]))
    assert tracked[0] != tracked[1]


def test_recent_ids_survive_a_pickle_round_trip() -> None:
    ids = dedup.RecentIds(capacity=3)
    for rid in ("a", "b", "c", "d"):
        ids.seen("k", rid)
    restored = pickle.loads(pickle.dumps(ids))
    assert len(restored) == 3
    assert [restored.seen("k", r) for r in ("b", "c", "d")] == [True, True, True]
    assert not restored.seen("k", "a")  # forgotten before the checkpoint


# -- one key's state --------------------------------------------------------------------


def _arrays(state: KeyState) -> tuple[bytes, ...]:
    items = b"" if state.items is None else state.items.tobytes()
    return state.values.tobytes(), state.times.tobytes(), state.bits.tobytes(), items


COUNTS = st.integers(0, 5_000) | st.integers(0, 2**53) | st.integers(2**53, 2**64)
EVENTS = st.builds(
    Event,
    ts=st.floats(1_791_000_000.0, 1_791_050_000.0) | st.integers(1_791_000_000, 1_791_050_000),
    api_key_id=st.just("k"),
    prompt_tokens=COUNTS,
    completion_tokens=st.integers(0, 9_000) | COUNTS,
    status=st.sampled_from([200, 200, 400, 429, 500]),
    reasoning_tokens=st.integers(0, 3_000) | COUNTS,
    n=st.integers(1, 4) | st.integers(1, 2**60),
    temperature=st.none()
    | st.floats(0.0, 2.0)
    | st.sampled_from([3.15, 3.2, 1e300, 0, 2, 10**30, math.inf, math.nan, -1.0]),
    max_tokens=st.none() | st.integers(1, 8_000) | st.integers(1, 2**62),
    account_created=st.none()
    | st.floats(1.6e9, 1.8e9)
    | st.sampled_from([2**53 + 1, 1_700_000_000]),
)
PROMPTS = (
    st.none()
    | st.sampled_from(
        [
            "Explain entropy step by step.",
            "Explain inflation step by step.",
            "Translate good morning into Japanese",
            "walk me through recursion",
            "what should I cook tonight",
            "Pick one. A) 3 B) 4. Answer:",
            "list ten facts about volcanoes",
            "",
            "the a an",
        ]
    )
    | st.text(max_size=80)
)
POSITIONS = st.sampled_from([-1, 0, 3, 63]) | st.integers(-1, 63)


def _both(call: Any) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # compared by type with the other side's
        return None, exc


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            EVENTS,
            PROMPTS,
            st.integers(-1, 255),
            POSITIONS,
            POSITIONS,
            st.tuples(st.booleans(), st.booleans()),
            st.booleans(),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_add_event_leaves_the_arrays_the_reference_leaves(steps: list[Any]) -> None:
    assert NATIVE is not None
    first = float(steps[0][0].ts)
    ours, reference = KeyState(first, 300.0), KeyState(first, 300.0)
    for state in (ours, reference):
        state.bits[L.IP_HISTORY] = 1 << 3  # some prefixes and agents are new
        state.bits[L.UA_HISTORY + 0] = 1 << 63
    for event, prompt, ip, agent, model, seen, hit in steps:
        fp = fingerprints._python_fields(prompt) if prompt is not None else None
        args = (fp, ip, agent, model, seen, hit)
        _, error = _both(lambda: NATIVE.add_event(ours, event, *args))  # noqa: B023
        _, expected = _both(lambda: reference.add(event, *args))  # noqa: B023
        assert type(error) is type(expected)
        if expected is not None:
            return  # the reference raised (a NaN temperature): so did this
        assert _arrays(ours) == _arrays(reference)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.floats(0.0, 30 * 86400.0),
    st.integers(0, 23),
)
def test_fold_values_matches_the_reference(start: list[float], elapsed: float, slot: int) -> None:
    assert NATIVE is not None
    ours, reference = array("f", start), array("f", start)
    if slot % 5 == 0:
        ours[L.N] = reference[L.N] = 0.0  # an empty window skips the profile
    NATIVE.fold_values(ours, elapsed, slot)
    keystate.fold_values(reference, elapsed, slot)
    assert ours.tobytes() == reference.tobytes()


HOURS = st.integers(497_000, 500_000)
FOLD_TIMES = (
    st.floats(1.79e9, 1.8e9)
    | HOURS.map(lambda h: h * 3600.0)
    | HOURS.map(lambda h: h * 3600.0 + 1e-9)
    | st.sampled_from([math.nan, math.inf, 0.0, -3600.0])
)


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e4, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.lists(st.integers(0, 2**64 - 1), min_size=L.BITS_SIZE, max_size=L.BITS_SIZE),
    FOLD_TIMES,
    st.integers(0, 2**24 - 1) | st.sampled_from([2**60, -1, 2**24]),
    HOURS | st.sampled_from([0, 10**17]),
    st.integers(20_700, 20_900) | st.just(10**17),
    FOLD_TIMES,
    st.booleans(),
)
def test_fold_matches_the_reference(
    values: list[float],
    bits: list[int],
    folded: float,
    mask: int,
    mask_hour: int,
    day_index: int,
    now: float,
    empty: bool,
) -> None:
    assert NATIVE is not None
    states = [KeyState(1.79e9, 300.0), KeyState(1.79e9, 300.0)]
    for state in states:
        state.values = array("f", values)
        if empty:
            state.values[L.N] = 0.0
        state.bits = array("Q", bits)
        state.times[L.FOLDED_TS] = folded
        state.times[L.ACTIVE_MASK], state.times[L.MASK_HOUR] = mask, mask_hour
        state.times[L.DAY_INDEX] = day_index
    ours, reference = states
    _, error = _both(lambda: ours.fold(now))
    _, expected = _both(lambda: reference.fold_reference(now))
    assert type(error) is type(expected)
    assert _arrays(ours) == _arrays(reference)


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.floats(1.79e9, 1.8e9) | st.just(-0.0) | st.just(math.nan),
    st.integers(0, len(L.HORIZONS) - 1),
    st.floats(1.79e9, 1.8e9),
)
def test_horizon_sums_match_the_reference(
    values: list[float], folded: float, horizon: int, now: float
) -> None:
    assert NATIVE is not None
    v = array("f", values)
    ours = NATIVE.horizon_sums(v, folded, horizon, now)
    expected = keystate.horizon_sums(v, folded, horizon, now)
    assert ours == expected or all(
        a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(ours, expected, strict=True)
    )


@needs_native
@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2**53),
    st.integers(0, 2**53),
    st.integers(0, 2**53),
    st.integers(1, 2**53),
    st.tuples(st.floats(-5, 12), st.floats(0, 12)) | st.just((math.inf, math.inf)),
)
def test_harvest_like_matches_the_reference(
    p: int, c: int, r: int, n: int, thresholds: tuple[float, float]
) -> None:
    assert NATIVE is not None
    assert NATIVE.harvest_like(p, c, r, n, thresholds) == keystate.harvest_like(
        p, c, r, n, thresholds
    )


# -- prompt memory ----------------------------------------------------------------------


def _memory_bytes(memory: PromptMemory) -> tuple[Any, ...]:
    return tuple(
        (bytes(g.current), bytes(g.previous), g.inserted) for g in (memory.own, memory.anyone)
    )


@needs_native
@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["k1", "k2", "k3", "\ud800x"]), st.integers(0, 2**32 - 1)),
        max_size=300,
    ),
    st.sampled_from([10, 11, 12]),
)
def test_prompt_memory_matches_the_reference(steps: list[tuple[str, int]], bits: int) -> None:
    assert NATIVE is not None
    ours, reference = PromptMemory(bits), PromptMemory(bits)
    for key, exact in steps:
        exact -= exact % 8 if exact % 3 else 0  # mostly sampled, so generations roll
        hashed = key_hash(key)  # lone surrogates are replaced, never refused
        assert NATIVE.key_hash(key) == hashed
        assert NATIVE.prompt_memory_observe(ours, hashed, exact) == reference.observe(hashed, exact)
        assert _memory_bytes(ours) == _memory_bytes(reference)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1))
def test_mix64_matches_the_reference(value: int) -> None:
    assert NATIVE is not None
    assert NATIVE.mix64(value) == mix64(value)


# -- parsing, routing and the campaign stage's scans ------------------------------------

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


def test_native_sources_use_no_private_interpreter_names() -> None:
    # Private CPython symbols (a leading underscore) change between releases without
    # notice; the extension must build against the stable, public API only.
    sources = sorted((Path(__file__).resolve().parents[2] / "native" / "src").glob("*.rs"))
    assert sources
    private = [
        f"{path.name}: {match.group(0)}"
        for path in sources
        for match in re.finditer(r"ffi::_\w+|\b_Py\w+", path.read_text())
    ]
    assert private == []
