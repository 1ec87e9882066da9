"""The compiled hot path (native/) returns exactly what the Python reference returns.

Each compiled function is compared with its reference on random inputs (hypothesis),
every constant the Rust code shares with Python is compared with the Python value,
and whole engines are run both ways: in this process (the compiled ``Engine.process``
against ``Engine.process`` over pure-Python parts) and as two ``distillwatch replay``
runs, one with ``DISTILLWATCH_NATIVE=0`` (pipeline/native_switch.py).
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import math
import os
import pickle
import random
import shutil
import subprocess
import sys
import weakref
from array import array
from collections.abc import Iterator
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import (
    attributes,
    campaign_score,
    dedup,
    events,
    fingerprints,
    lexicon,
    native,
    partitioning,
    sharded,
    statecodec,
    summaries,
    timestamps,
)
from detectors.campaign_index import TemplateIndex
from detectors.config import EngineConfig
from detectors.engine import engine
from detectors.events import Event, parse_line
from detectors.native import NATIVE
from detectors.state import keystate
from detectors.state import layout as L
from detectors.state.keystate import KeyState
from detectors.state.prompt_memory import PromptMemory, key_hash, mix64

sys.path.insert(0, str(Path(__file__).parent))
from traffic import small_traffic

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_INPUT = ROOT / "tests" / "golden" / "input.jsonl.gz"

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
    # Every counter and time field of the layout is among them.
    layout = NATIVE.native_layout()["detectors.state.layout"]
    assert {*L.COUNTER_NAMES, *L.T_FIELDS} <= set(layout)
    assert compared > 100


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
@pytest.mark.parametrize(
    "ring_next, item_next",
    [(9.0, 0.0), (-1.0, 0.0), (2.5, 0.0), (math.nan, 0.0), (0.0, 40.0), (0.0, -3.0), (0.0, 70.0)],
)
def test_a_damaged_state_is_counted_by_the_reference(ring_next: float, item_next: float) -> None:
    # Ring positions a forged or damaged snapshot could hold: the compiled code never
    # indexes with them; the reference runs (and writes or raises as Python does).
    event = Event(1_791_000_010.0, "k", 30, 900, prompt_text="Explain entropy step by step.")
    fp = fingerprints._python_fields(event.prompt_text or "")
    outcomes = []
    for add in (lambda s: NATIVE.add_event(s, event, fp), lambda s: s.add(event, fp)):  # type: ignore[union-attr]
        state = KeyState(1_791_000_000.0, 300.0)
        state.prompt_items()
        state.times[L.RING_NEXT], state.times[L.ITEM_NEXT] = ring_next, item_next
        _, error = _both(lambda: add(state))  # noqa: B023
        outcomes.append((type(error), _arrays(state)))
    assert outcomes[0] == outcomes[1]
    engine_state = engine.Engine()
    engine_state.process(event._replace(ts=1_791_000_000.0))
    fast_state = engine_state.key_state("k")
    assert fast_state is not None
    fast_state.times[L.RING_NEXT], fast_state.times[L.ITEM_NEXT] = ring_next, item_next
    with pure_python():
        reference = engine.Engine()
        engine.Engine.process(reference, event._replace(ts=1_791_000_000.0))
    ref_state = reference.key_state("k")
    assert ref_state is not None
    ref_state.times[L.RING_NEXT], ref_state.times[L.ITEM_NEXT] = ring_next, item_next
    _, error = _both(lambda: engine_state.process(event))
    with pure_python():
        _, expected = _both(lambda: engine.Engine.process(reference, event))
    assert type(error) is type(expected)
    assert _arrays(fast_state) == _arrays(ref_state)


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


@needs_native
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1e6, width=32), min_size=L.VALUES_SIZE, max_size=L.VALUES_SIZE),
    st.floats(1.79e9, 1.8e9) | st.just(-0.0) | st.just(math.nan),
    st.integers(0, 2),
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


# -- whole engines ----------------------------------------------------------------------


@contextlib.contextmanager
def pure_python() -> Iterator[None]:
    """Engines built inside run every part on its Python reference."""
    patches = [
        (engine, "NATIVE", None),
        (engine, "fingerprint_fields", fingerprints._python_fields),
        (dedup, "_Impl", dedup._PythonIds),
        (keystate, "_fold_values", keystate.fold_values),
        (keystate, "_horizon_sums", keystate.horizon_sums),
        (sharded, "NATIVE", None),
        (sharded, "router", partitioning.PartitionCache),
        (events, "_checked_ts", events._no_fast_path),
        (attributes, "prefix_bit", attributes._python_prefix_bit),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


_DERIVED = {"config", "_settings", "_seen", "_clock", "_budget", "hot_path", "process"}


def _fields(e: engine.Engine) -> dict[str, bytes]:
    """The engine's snapshot, one encoded field at a time (a mismatch names its field)."""
    import detectors.state_classes  # noqa: F401  (registers what the state holds)

    out = {}
    for name, value in e.__dict__.items():
        if name in _DERIVED:
            continue
        if name == "_keys":
            for key, state in value.items():
                out[f"_keys[{key}]"] = statecodec.encode(state, "field", 1)
            out["_keys order"] = repr(list(value)).encode()
            continue
        out[name] = statecodec.encode(value, "field", 1)
    return out


def _run(e: engine.Engine, stream: list[Event], reference: bool) -> list[dict[str, Any]]:
    step = (lambda event: engine.Engine.process(e, event)) if reference else e.process
    return [alert.to_dict() for event in stream for alert in step(event)]


def _compare(stream: list[Event], config: EngineConfig | None = None) -> list[dict[str, Any]]:
    fast = engine.Engine(config)
    assert fast.hot_path is not None
    fast_alerts = _run(fast, stream, reference=False)
    with pure_python():
        slow = engine.Engine(config)
        assert slow.hot_path is None
        slow_alerts = _run(slow, stream, reference=True)
    assert fast_alerts == slow_alerts
    ours, theirs = _fields(fast), _fields(slow)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == theirs[name], name
    assert fast.snapshot() == slow.snapshot()
    assert fast.hot_path.thresholds == fast.thresholds
    return fast_alerts


@needs_native
def test_engine_alerts_and_state_do_not_depend_on_the_implementation() -> None:
    alerts = _compare(small_traffic(hours=14.0))
    assert any(a["severity"] == "critical" for a in alerts), "compare something"


@needs_native
def test_engine_on_the_golden_input_does_not_depend_on_the_implementation() -> None:
    with gzip.open(GOLDEN_INPUT, "rb") as f:
        stream = [e for e in map(parse_line, f.read().splitlines()) if isinstance(e, Event)]
    _compare(stream)


# A lone surrogate in a key or request id is rare here: both paths refuse such an event.
KEYS = st.sampled_from(["a"] * 4 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2 + ["e\u00e9", "\ud800"])
TEXTS = st.none() | st.sampled_from(
    [
        "Explain entropy step by step, showing all work.",
        "Explain inflation step by step, showing all work.",
        "Derive the result and justify each inference about glaciers.",
        "Classify the sentiment: great product. Answer:",
        "what should I cook tonight",
        "\u0130stanbul'u anlat, ad\u0131m ad\u0131m",
    ]
)
IPS = st.none() | st.sampled_from(["203.0.113.7", "203.0.113.99", "2001:db8:1:2::5", "10.0.0.1"])


@st.composite
def event_streams(draw: Any) -> list[Event]:
    """Events of a few keys, mostly in order; late and early ones, retries, odd numbers."""
    ts = 1_791_158_400.0
    stream = []
    for i in range(draw(st.integers(1, 300))):
        ts += draw(st.sampled_from([0.0, 0.5, 3.0, 20.0, 61.0, 400.0]))
        jump = draw(st.sampled_from([0.0] * 20 + [-700.0, 30_000.0, 4e9]))
        stamp: float = ts + jump
        if draw(st.integers(0, 50)) == 0:
            stamp = int(ts)  # an int timestamp (a hand-built event)
        harvest = draw(st.booleans())
        stream.append(
            Event(
                stamp,
                draw(KEYS),
                draw(st.integers(10, 60) if harvest else st.integers(0, 3000)),
                draw(st.integers(1200, 4000) if harvest else st.integers(0, 900)),
                request_id=draw(
                    st.none() | st.sampled_from([f"r{i}"] * 8 + ["r0", "r1", "\ud800"])
                ),
                account_id=draw(st.none() | st.just("acct")),
                model=draw(st.none() | st.sampled_from(["large", "small"])),
                status=draw(st.sampled_from([200, 200, 200, 429, 500])),
                reasoning_tokens=draw(st.integers(0, 900)),
                n=draw(st.sampled_from([1, 1, 1, 3])),
                temperature=draw(st.none() | st.floats(0.0, 2.0)),
                max_tokens=draw(st.none() | st.integers(1, 8192)),
                client_ip=draw(IPS),
                user_agent=draw(st.none() | st.sampled_from(["curl/8", "sdk/1", "x\ud800"])),
                prompt_text=draw(TEXTS),
                account_created=draw(st.none() | st.just(1.7e9)),
            )
        )
    return stream


@needs_native
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_streams())
def test_random_streams_leave_the_same_engine_both_ways(stream: list[Event]) -> None:
    # Scales warm after one lesson and windows are short, so scoring, thresholds and
    # slices come into play within a few hundred events.
    config = EngineConfig(
        window_seconds=60.0,
        population_warmup=1,
        min_window_events=1,
        score_interval_seconds=60.0,
        content_full_events=2,
        content_stride=3,
        prompt_memory_bits=10,
    )
    try:
        _compare(stream, config)
    except UnicodeEncodeError:
        # A lone surrogate in a key or request id: both paths refuse the event alike,
        # at the same point (checked event by event below).
        _compare_raising(stream, config)


def _compare_raising(stream: list[Event], config: EngineConfig) -> None:
    fast = engine.Engine(config)
    outcomes = [_both(lambda: fast.process(e)) for e in stream]  # noqa: B023
    with pure_python():
        slow = engine.Engine(config)
        expected = [_both(lambda: engine.Engine.process(slow, e)) for e in stream]  # noqa: B023
    assert [type(x) for _, x in outcomes] == [type(x) for _, x in expected]
    assert _fields(fast) == _fields(slow)


def mixed_stream(seed: int = 3, hours: float = 6.0) -> list[Event]:
    """Six apps and one key whose requests are 30 % harvest-like: it gets a slice."""
    rng = random.Random(seed)
    ts = 1_791_158_400.0
    out = []
    for i in range(10**6):
        ts += rng.expovariate(0.2)
        if ts >= 1_791_158_400.0 + hours * 3600:
            break
        key = f"app-{rng.randrange(6)}" if rng.random() < 0.7 else "mixed"
        harvest = key == "mixed" and rng.random() < 0.3
        topic = rng.randrange(50)
        out.append(
            Event(
                ts,
                key,
                rng.randint(20, 60) if harvest else rng.randint(200, 1500),
                rng.randint(2000, 4000) if harvest else rng.randint(50, 400),
                request_id=f"r{i}",
                model="m",
                max_tokens=8192 if harvest else 1024,
                client_ip=f"203.0.113.{rng.randrange(9)}",
                user_agent="sdk/1",
                prompt_text=f"Explain topic {topic} step by step, showing all work."
                if harvest
                else f"summarise ticket {rng.randrange(10**6)} for the support queue",
            )
        )
    return out


@needs_native
def test_harvest_like_requests_reach_the_slice_the_same_both_ways() -> None:
    config = EngineConfig(population_warmup=3)
    _compare(mixed_stream(), config)
    fast = engine.Engine(config)
    for event in mixed_stream():
        fast.process(event)
    sliced = fast.key_state("mixed")
    assert sliced is not None and sliced.slice is not None, "compare something"
    assert sliced.slice.values[L.FP] > 0 and sliced.slice.items is not None


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
def test_a_restored_engine_binds_a_new_compiled_step() -> None:
    stream = small_traffic(hours=3.0)
    cut = len(stream) // 2
    straight = engine.Engine()
    expected = _run(straight, stream, reference=False)
    first = engine.Engine()
    before = _run(first, stream[:cut], reference=False)
    restored = engine.Engine.restore(first.snapshot())
    assert restored.hot_path is not None and restored.hot_path is not first.hot_path
    assert before + _run(restored, stream[cut:], reference=False) == expected
    assert restored.snapshot() == straight.snapshot()


def _sharded_run(stream: list[Event], reference: bool) -> tuple[list[Any], bytes, bytes]:
    replayed = sharded.ShardedEngine(EngineConfig(partitions=4))
    merger, stage = replayed.merger, replayed.campaigns
    assert merger is not None and stage is not None
    step = (lambda e: sharded.ShardedEngine.process(replayed, e)) if reference else replayed.process
    trail = []
    for event in stream:
        alerts = step(event)
        # What the merger released so far, event by event: a merge skipped wrongly
        # would release later (and campaign alerts would carry another time).
        trail.append(([a.to_dict() for a in alerts], merger.stats.released, merger.pending))
    trail.append(([a.to_dict() for a in replayed.finish()], merger.stats.released, 0))
    return trail, merger.snapshot(), stage.snapshot()


@needs_native
def test_sharded_path_merges_summaries_as_the_reference_does() -> None:
    stream = small_traffic(hours=8.0)
    compiled = _sharded_run(stream, reference=False)
    with pure_python():
        python = _sharded_run(stream, reference=True)
    assert compiled[0][-1][1] > 100, "summaries flowed; compare something"
    assert compiled[0] == python[0]
    assert compiled[1:] == python[1:]


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


def _replay(tmp: Path, source: Path, native: bool) -> dict[str, Any]:
    out = tmp / ("native" if native else "python")
    env = {**os.environ, "DISTILLWATCH_NATIVE": "1" if native else "0"}
    code = (
        "import sys; from pipeline.cli.main import main; rc = main(sys.argv[1:]); "
        "import detectors.native as n; print(n.describe()); sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "replay", str(source), "--out", str(out), "--no-progress"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    summary = orjson.loads((out / "summary.json").read_bytes())
    for volatile in ("wall_seconds", "events_per_second", "inputs"):
        summary.pop(volatile)
    return {
        "ran": done.stdout.decode().strip().splitlines()[-1],
        "alerts": (out / "alerts.jsonl").read_bytes(),
        "rejected": (out / "rejected.jsonl").read_bytes(),
        "summary": summary,
    }


@needs_native
def test_replay_gives_the_same_outputs_with_the_switch_off(tmp_path: Path) -> None:
    # The whole driver both ways: sharded routing, the merge of summaries, the campaign
    # stage, the parser's fast checks; DISTILLWATCH_NATIVE=0 keeps the module out.
    source = tmp_path / "events.jsonl"
    stream = small_traffic(hours=14.0)
    source.write_bytes(
        b"".join(
            orjson.dumps({k: v for k, v in e._asdict().items() if v is not None}) + b"\n"
            for e in stream
        )
        + b'{"ts": "2026-10-05T00:00:00Z", "api_key_id": "x"}\n'
    )
    compiled, python = _replay(tmp_path, source, True), _replay(tmp_path, source, False)
    assert compiled["ran"].startswith("native") and python["ran"] == "pure Python"
    assert compiled["alerts"], "compare something"
    assert compiled["alerts"] == python["alerts"]
    assert compiled["rejected"] == python["rejected"]
    assert compiled["summary"] == python["summary"]


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
