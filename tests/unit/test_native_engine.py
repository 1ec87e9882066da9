"""The compiled engine step (native/) leaves every engine exactly as the reference does.

Whole engines run both ways: in this process (the compiled ``Engine.process`` and
``ShardedEngine.process`` against the references over pure-Python parts), on fixed
traffic, random event streams and damaged states, and as two ``distillwatch
replay`` runs, one with ``DISTILLWATCH_NATIVE=0`` (pipeline/native_switch.py).
Snapshots are compared field by field. The compiled functions one by one:
tests/unit/test_native_*.py.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import math
import os
import random
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import attributes, dedup, events, fingerprints, partitioning, sharded, statecodec
from detectors.config import EngineConfig
from detectors.engine import engine
from detectors.events import Event, parse_line
from detectors.native import NATIVE
from detectors.state import keystate
from detectors.state import layout as L
from detectors.state.keystate import KeyState

sys.path.insert(0, str(Path(__file__).parent))
from traffic import small_traffic

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_INPUT = ROOT / "tests" / "golden" / "input.jsonl.gz"

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")


def _arrays(state: KeyState) -> tuple[bytes, ...]:
    items = b"" if state.items is None else state.items.tobytes()
    return state.values.tobytes(), state.times.tobytes(), state.bits.tobytes(), items


def _both(call: Any) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # compared by type with the other side's
        return None, exc


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


_DERIVED = engine._DERIVED


def _fields(e: engine.Engine) -> dict[str, bytes]:
    """The engine's snapshot, one encoded field at a time (a mismatch names its field)."""
    import detectors.state_classes  # noqa: F401  (registers what the state holds)

    out = {}
    for name, value in e.__dict__.items():
        if name in _DERIVED:
            continue
        if name == "_table":
            for key, state in value.states.items():
                out[f"_keys[{key!r}]"] = statecodec.encode(state, "field", 1)
            out["_keys order"] = repr(list(value.states)).encode()
            continue
        try:
            out[name] = statecodec.encode(value, "field", 1)
        except UnicodeEncodeError:  # a generated key with a lone surrogate (repr is exact)
            out[name] = repr(value).encode()
    return out


def _run(e: engine.Engine, stream: list[Event], reference: bool) -> list[dict[str, Any]]:
    step = (lambda event: engine.Engine.process(e, event)) if reference else e.process
    return [alert.to_dict() for event in stream for alert in step(event).alerts]


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
        emitted = step(event)
        # What the merger released so far, event by event: a merge skipped wrongly
        # would release later (and campaign alerts would carry another time).
        trail.append(
            ([a.to_dict() for a in emitted.alerts], emitted.scores, merger.stats.released,
             merger.pending)
        )  # fmt: skip
    trail.append(([a.to_dict() for a in replayed.finish()], (), merger.stats.released, 0))
    return trail, merger.snapshot(), stage.snapshot()


@needs_native
def test_sharded_path_merges_summaries_as_the_reference_does() -> None:
    stream = small_traffic(hours=8.0)
    compiled = _sharded_run(stream, reference=False)
    with pure_python():
        python = _sharded_run(stream, reference=True)
    assert compiled[0][-1][2] > 100, "summaries flowed; compare something"
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
