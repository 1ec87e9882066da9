"""The snapshot format: round trips of real state, and refusal of anything forged.

Nothing read from a checkpoint topic may execute: a forged record is refused with
a one-line reason (``StateError``), whatever its bytes.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import random
import sys
from array import array
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from traffic import small_traffic

import detectors.state_classes  # noqa: F401  (registers the classes snapshots hold)
from detectors import statecodec
from detectors.campaigns import CampaignStage
from detectors.config import EngineConfig
from detectors.engine import Engine
from detectors.events import Event
from detectors.sharded import ShardedEngine
from detectors.statecodec import MAGIC, StateError, decode, encode
from detectors.summary_merge import SummaryMerger

WARM = EngineConfig(population_warmup=20, key_warmup_seconds=600, partitions=2)


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return small_traffic()


def _same(a: Any, b: Any) -> bool:
    """Equality that also holds for NaN and checks container types."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple | deque):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**600), max_value=2**600)
    | st.floats(allow_nan=True)
    | st.text()
    | st.binary()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text() | st.integers() | st.tuples(st.integers()), inner)
        | st.builds(OrderedDict, st.dictionaries(st.text(), inner))
        | st.frozensets(st.integers() | st.text())
        | st.builds(lambda xs: array("d", xs), st.lists(st.floats(allow_nan=False)))
        | st.builds(lambda xs, n: deque(xs, n), st.lists(inner), st.none() | st.integers(5, 9))
    ),
    max_leaves=30,
)


@given(values)
@settings(max_examples=300, deadline=None)
def test_any_plain_value_round_trips(value: Any) -> None:
    assert _same(decode(encode(value, "t", 1), "t", 1), value)


@given(st.binary(max_size=400))
@settings(max_examples=500, deadline=None)
def test_arbitrary_bytes_are_refused_cleanly(noise: bytes) -> None:
    for blob in (noise, MAGIC + noise):
        with contextlib.suppress(StateError):
            decode(blob, "engine", 4)


@given(values)
@settings(max_examples=200, deadline=None)
def test_damaged_snapshots_are_refused_cleanly(value: Any) -> None:
    blob = encode({"v": value, "r": random.Random(3)}, "t", 1)
    rng = random.Random(len(blob))
    for _ in range(20):
        damaged = bytearray(blob)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(MAGIC), len(damaged))] = rng.randrange(256)
        cut = bytes(damaged[: rng.randrange(len(MAGIC), len(damaged) + 1)])
        for forged in (bytes(damaged), cut):
            with contextlib.suppress(StateError):
                decode(forged, "t", 1)


class _Marker:
    """Unpickling it creates a file: what a forged pickle checkpoint would do."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (Path.touch, (Path(self.path),))


def test_a_forged_pickle_executes_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    blob = pickle.dumps((4, {"_keys": _Marker(str(marker))}))
    for restore in (
        lambda: Engine.restore(blob),
        lambda: CampaignStage.restore(blob),
        lambda: SummaryMerger.restore(blob),
    ):
        with pytest.raises(StateError, match="pickle"):
            restore()
    assert not marker.exists()
    pickle.loads(blob)  # the control: the same bytes, unpickled, do run code
    assert marker.exists()


def test_unregistered_classes_are_refused() -> None:
    forged = encode({"x": 1}, "engine", 4).replace(b"\xa1x", b"\xa1y")  # still readable
    assert decode(forged, "engine", 4) == {"y": 1}
    blob = forged_object("os.system", "touch /tmp/x")
    with pytest.raises(StateError, match=r"'os\.system' is not allowed"):
        decode(blob, "engine", 4)
    with pytest.raises(StateError, match="cannot snapshot"):
        encode({"f": _Marker("x")}, "t", 1)


def forged_object(name: str, state: Any, kind: str = "engine", version: int = 4) -> bytes:
    """A snapshot holding one object record, as a forger would write it."""
    raw = name.encode()
    record = b"\x00" + len(raw).to_bytes(2, "big") + raw + statecodec._encode(state)
    body = statecodec._encode(statecodec.Ext(statecodec._OBJECT, record))
    return MAGIC + statecodec._encode([kind, version, body])


def test_registered_classes_accept_only_their_attributes() -> None:
    from detectors.evidence.population import PopulationScale
    from detectors.state.keystate import KeyState

    good = encode(KeyState(0.0, 300.0), "t", 1)
    assert isinstance(decode(good, "t", 1), KeyState)
    with pytest.raises(StateError, match=f"expected {len(KeyState.__slots__)} slot values"):
        decode(forged_object("detectors.state.keystate.KeyState", [1, 2], "t", 1), "t", 1)
    name = "detectors.evidence.population.PopulationScale"
    with pytest.raises(StateError, match="bad attribute name '__class__'"):
        decode(forged_object(name, {"__class__": 1}, "t", 1), "t", 1)
    assert decode(forged_object(name, {"bins": 3}, "t", 1), "t", 1).bins == 3
    assert isinstance(decode(forged_object(name, {}, "t", 1), "t", 1), PopulationScale)


def test_shared_objects_stay_shared_and_cycles_are_refused() -> None:
    from detectors.evidence.population import PopulationScale

    scale = PopulationScale(0.0, 1.0, 0.1)
    again = decode(encode([scale, {"same": scale}], "t", 1), "t", 1)
    assert again[0] is again[1]["same"]
    shared: list[int] = [1]
    with pytest.raises(StateError, match="reached twice"):
        encode({"a": shared, "b": shared}, "t", 1)
    scale._counts = scale  # type: ignore[assignment]
    with pytest.raises(StateError, match="contains itself"):
        encode(scale, "t", 1)


def test_a_warm_engine_round_trips_and_continues_identically(events: list[Event]) -> None:
    config = EngineConfig(population_warmup=20, key_warmup_seconds=600)
    cut = len(events) // 2
    straight = Engine(config)
    expected = [a.to_json() for e in events for a in straight.process(e).alerts]
    first = Engine(config)
    first.enable_summaries()
    head = [a.to_json() for e in events[:cut] for a in first.process(e).alerts]
    assert first._scorer.scales.answer.warm  # the population scales are inside
    copy = Engine.restore(first.snapshot(), config)
    assert copy.snapshot() == first.snapshot()  # the same state, byte for byte
    tail = [a.to_json() for e in events[cut:] for a in copy.process(e).alerts]
    assert expected and head + tail == expected


def test_campaign_stage_and_merger_round_trip(events: list[Event]) -> None:
    sharded = ShardedEngine(WARM)
    for event in events:
        sharded.process(event)
    stage = sharded.campaigns
    assert stage is not None
    again = CampaignStage.restore(stage.snapshot(), stage.config)
    assert again.snapshot() == stage.snapshot()
    merger = sharded.merger
    assert merger is not None
    assert SummaryMerger.restore(merger.snapshot()).snapshot() == merger.snapshot()
