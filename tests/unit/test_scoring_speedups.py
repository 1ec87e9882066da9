"""Scoring's hot helpers, rewritten for speed, return exactly what their plain forms return.

``mean_bounds``, ``share_bounds`` and ``PopulationScale.position`` run a few dozen
times per scoring; they spell out ``min``/``max`` and build tuples without a call.
The plain forms below are how they read before; results must match bit for bit
(NaN, infinities and signed zeros included), or alerts would change.
"""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.evidence.population import PopulationScale
from detectors.evidence.statistics import NOTHING, Bounded, Z, mean_bounds, share_bounds


def plain_mean_bounds(total: float, squares: float, n: float, min_sd: float) -> Bounded:
    if n < 1.0:
        return NOTHING
    mean = total / n
    var = max(squares / n - mean * mean, 0.0)
    se = Z * max(math.sqrt(var), min_sd) / math.sqrt(n)
    return Bounded(mean, mean - se, mean + se)


def plain_share_bounds(k: float, n: float) -> Bounded:
    if n < 1.0:
        return NOTHING
    p = min(max(k / n, 0.0), 1.0)
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Bounded(p, max(centre - half, 0.0), min(centre + half, 1.0))


def plain_position(scale: PopulationScale, x: float) -> float:
    if not scale.warm:
        return 0.0
    spread = min(max(scale.median - scale.lower, scale.min_spread), scale.max_spread)
    return (x - scale.median) / spread


def bits(values: tuple[float, ...]) -> bytes:
    return struct.pack(f"{len(values)}d", *values)


NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0])
COUNTS = st.floats(0.0, 1e7) | st.sampled_from([0.0, 0.5, 1.0, 3.0, math.inf, math.nan])


@settings(max_examples=600, deadline=None)
@given(NUMBERS, NUMBERS, COUNTS, st.sampled_from([0.5, 0.0, math.nan]))
def test_mean_bounds_is_its_plain_form(total: float, squares: float, n: float, sd: float) -> None:
    try:
        expected = plain_mean_bounds(total, squares, n, sd)
    except (ValueError, ZeroDivisionError) as exc:  # sqrt of a negative, n inf...
        try:
            mean_bounds(total, squares, n, sd)
        except type(exc):
            return
        raise AssertionError("the plain form raised, the fast one did not") from exc
    assert bits(mean_bounds(total, squares, n, sd)) == bits(expected)


@settings(max_examples=600, deadline=None)
@given(NUMBERS, COUNTS)
def test_share_bounds_is_its_plain_form(k: float, n: float) -> None:
    try:
        expected = plain_share_bounds(k, n)
    except (ValueError, ZeroDivisionError) as exc:
        try:
            share_bounds(k, n)
        except type(exc):
            return
        raise AssertionError("the plain form raised, the fast one did not") from exc
    assert bits(share_bounds(k, n)) == bits(expected)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-20.0, 40.0), max_size=40),
    st.sampled_from([0.0, 0.1, 1.0]),
    st.sampled_from([math.inf, 0.5, 2.0]),
    NUMBERS,
)
def test_position_is_its_plain_form(
    lessons: list[float], min_spread: float, max_spread: float, x: float
) -> None:
    scale = PopulationScale(0.0, 12.0, min_spread, max_spread, min_weight=5)
    for i, value in enumerate(lessons):
        scale.learn_one(value, now=float(i))
        try:
            expected = plain_position(scale, x)
        except ZeroDivisionError:
            continue
        assert bits((scale.position(x),)) == bits((expected,))
