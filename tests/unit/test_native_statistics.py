"""Compiled key statistics (native/src/statistics.rs) against the Python reference."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.events import Event
from detectors.evidence import statistics as S
from detectors.native import NATIVE
from detectors.state import layout as L
from detectors.state.keystate import KeyState

needs_native = pytest.mark.skipif(NATIVE is None, reason="distillwatch_native is not built")

# Edge values the bounds treat apart (below one observation, empty, signed zero, NaN,
# infinities, negatives the reference's math.sqrt refuses) next to ordinary ones.
_EDGES = [0.0, -0.0, 0.5, 1.0, 2.0, 3.0, 1e-300, -1.0, math.nan, math.inf, -math.inf, 1e308]
_SUM = st.sampled_from(_EDGES) | st.floats(0.0, 1e7, allow_nan=False)


def _outcome(sums: list[float], native: bool) -> object:
    """What ``key_statistics`` gives: the exact floats and types, or the error's type."""
    try:
        made = S.key_statistics(sums) if native else S.python_key_statistics(sums)
    except Exception as exc:  # the reference's own errors must be the compiled path's too
        return type(exc).__name__
    shape = [type(made).__name__] + [type(v).__name__ for v in made]
    return repr(tuple(made)), shape


@needs_native
@settings(max_examples=500, deadline=None)
@given(st.lists(_SUM, min_size=L.COUNTERS, max_size=L.COUNTERS))
def test_compiled_key_statistics_match_the_reference(sums: list[float]) -> None:
    assert _outcome(sums, native=True) == _outcome(sums, native=False)


@needs_native
def test_compiled_key_statistics_on_a_real_key() -> None:
    state = KeyState(0.0, 300.0)
    for i in range(60):
        fp = (0, (5,), 2, 7, 10) if i % 3 else None
        state.add(Event(float(i), "k", 20 + i, 900 + 7 * i), fp)
    for horizon in (0, 1):
        sums = state.sums(horizon, 120.0)
        assert _outcome(sums, native=True) == _outcome(sums, native=False)
        # No observations: the shared NOTHING where the reference returns it.
        empty = S.key_statistics([0.0] * L.COUNTERS)
        assert empty.turns is S.NOTHING and empty.answer is S.NOTHING


@needs_native
def test_compiled_key_statistics_leave_what_only_the_reference_decides() -> None:
    assert NATIVE is not None
    args = (S._new, S.Bounded, S.KeyStatistics, S.NOTHING)
    ints: list[Any] = [1] * L.COUNTERS  # not floats: the reference computes with them itself
    assert NATIVE.key_statistics(ints, *args) is None
    assert S.key_statistics(ints) == S.python_key_statistics(ints)
    assert NATIVE.key_statistics([0.0] * (L.COUNTERS - 1), *args) is None
    # Longer sums (a test's padding): the first COUNTERS count, as they always did.
    longer = [float(i) for i in range(L.COUNTERS + 13)]
    assert NATIVE.key_statistics(longer, *args) is None
    assert S.key_statistics(longer) == S.python_key_statistics(longer[: L.COUNTERS])
    with pytest.raises(IndexError):
        S.key_statistics([0.0] * (L.COUNTERS - 1))
    negative = [0.0] * L.COUNTERS
    negative[L.N], negative[L.CONT] = 2.0, -5.0  # math.sqrt of a negative number raises
    assert NATIVE.key_statistics(negative, *args) is None
    with pytest.raises(ValueError):
        S.key_statistics(negative)
