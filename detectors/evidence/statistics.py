"""A key's statistics at one horizon, each with the confidence its request count allows.

:func:`key_statistics` turns the decayed sums of :meth:`KeyState.sums
<detectors.state.keystate.KeyState.sums>` into means and shares with lower and
upper bounds (about two standard errors). The families read the lower bound
when they look for evidence of harvesting and the upper bound when they look
for evidence against it, so a key with a handful of requests gives evidence
neither way (missing evidence is neutral) and one with thousands is judged on
its values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from detectors.native import NATIVE
from detectors.state import layout as L

__all__ = [
    "Bounded",
    "KeyStatistics",
    "key_statistics",
    "mean_bounds",
    "python_key_statistics",
    "share_bounds",
    "weighted_bounds",
]

#: Standard errors between a statistic and its bounds.
Z = 2.0
#: The per-request spread :func:`key_statistics` assumes at least for its token means.
MIN_SD = 0.5


class Bounded(NamedTuple):
    """A statistic and its lower and upper bounds."""

    value: float
    low: float
    high: float


NOTHING = Bounded(0.0, -math.inf, math.inf)
_Z2 = Z * Z
_sqrt = math.sqrt
_new = tuple.__new__


def mean_bounds(total: float, squares: float, n: float, min_sd: float) -> Bounded:
    """Mean of a per-request quantity from its sum and sum of squares, with bounds.

    ``min_sd`` floors the per-request spread: three identical requests are not
    proof that the fourth will be the same.

    >>> b = mean_bounds(40.0, 164.0, 10.0, 0.5)
    >>> round(b.value, 2), round(b.low, 2), round(b.high, 2)
    (4.0, 3.6, 4.4)
    >>> mean_bounds(0.0, 0.0, 0.0, 0.5) == NOTHING
    True
    """
    # Runs ~20 times per scoring: the builtins' max() is spelled out (same result,
    # NaN included: max(a, b) is a unless b > a), the tuple built without a call.
    if n < 1.0:
        return NOTHING
    mean = total / n
    return _around(mean, squares / n - mean * mean, n, min_sd)


def weighted_bounds(
    total: float, squares: float, weight: float, squared_weights: float, min_sd: float
) -> Bounded:
    """:func:`mean_bounds` of a weighted mean, with its effective count.

    ``total`` and ``squares`` are sums of ``w * x`` and ``w * x**2``; the bounds widen
    with the effective number of observations, ``weight**2 / squared_weights``: one
    heavy request among a thousand light ones is one observation, not a thousand.

    >>> b = weighted_bounds(40.0, 164.0, 10.0, 10.0, 0.5)  # unit weights
    >>> b == mean_bounds(40.0, 164.0, 10.0, 0.5)
    True
    >>> wide = weighted_bounds(40.0, 164.0, 10.0, 100.0, 0.5)  # effectively one request
    >>> round(wide.low, 2), round(wide.high, 2)
    (2.74, 5.26)
    """
    if weight <= 0.0 or squared_weights <= 0.0:
        return NOTHING
    n = weight * weight / squared_weights
    if n < 1.0:
        # A single heavy observation: its own value, nothing about spread yet.
        n = 1.0
    mean = total / weight
    return _around(mean, squares / weight - mean * mean, n, min_sd)


def _around(mean: float, var: float, n: float, min_sd: float) -> Bounded:
    """``mean`` give or take ``Z`` standard errors of ``n`` observations of variance
    ``var`` (floored at 0, the deviation at ``min_sd``)."""
    if var < 0.0:
        var = 0.0
    sd = _sqrt(var)
    if min_sd > sd:
        sd = min_sd
    se = Z * sd / _sqrt(n)
    return _new(Bounded, (mean, mean - se, mean + se))


def share_bounds(k: float, n: float) -> Bounded:
    """A share ``k / n`` with its Wilson score interval.

    >>> b = share_bounds(9.0, 10.0)
    >>> round(b.value, 2), round(b.low, 2), round(b.high, 2)
    (0.9, 0.59, 0.98)
    """
    # As mean_bounds: min()/max() spelled out (min(a, b) is a unless b < a).
    if n < 1.0:
        return NOTHING
    p = k / n
    if p < 0.0:
        p = 0.0
    if p > 1.0:
        p = 1.0
    z2 = _Z2
    scale = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / scale
    half = Z * _sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / scale
    low = centre - half
    high = centre + half
    return _new(Bounded, (p, 0.0 if low < 0.0 else low, 1.0 if high > 1.0 else high))


def _sd(total: float, squares: float, n: float) -> float:
    if n < 2.0:
        return 0.0
    mean = total / n
    return math.sqrt(max(squares / n - mean * mean, 0.0))


class KeyStatistics(NamedTuple):
    """What a key did over one horizon (decayed counts, so ``n`` is fractional).

    Token statistics are natural logs of ``1 + tokens``; shares are in [0, 1].
    """

    n: float
    answer: Bounded  # log1p(delivered tokens per choice), weighted by delivered output
    yield_: Bounded  # log1p(delivered) - log1p(prompt), weighted the same way
    turns: Bounded  # share of requests continuing a recent one, beyond chance
    harvestlike_share: Bounded  # requests that each look like harvesting
    reasoned_share: float
    prompts: float  # fingerprinted prompts
    cue_share: Bounded
    repeat_share: Bounded  # tracked prompts this key sent before
    shared_share: Bounded  # sampled prompts other keys of the partition sent before
    sweep_share: Bounded  # prompts in a known frame with new items
    limit_share: Bounded  # prompts that constrain the answer
    hidden: Bounded  # log(32 + prompt tokens beyond the visible prompt)
    hidden_sd: float  # its spread across prompts
    same_context: Bounded  # prompts whose hidden context recurs (a few fixed contexts)
    output_tokens: float  # delivered output tokens over the horizon
    gap_cv: float  # coefficient of variation of inter-arrival gaps (0 when unknown)
    gaps: float


#: :meth:`KeyState.sums` unpacks into these names in this order (checked against the
#: layout at import, so a new counter cannot shift them silently).
_SUMS_ORDER = (
    "N", "CTOK", "ANS", "ANS2", "YLD", "YLD2", "CONT", "PLACEBO", "REASONED", "GAP_N",
    "GAP_SUM", "GAP_SQ", "NEW_IP", "NEW_UA", "FP", "CUE", "HIDDEN", "HIDDEN2", "REPEAT",
    "TRACKED", "SHARED", "SAMPLED", "SWEEP", "LIMIT", "HARVESTLIKE", "W2", "SAME_CONTEXT",
)  # fmt: skip
if tuple(L.COUNTER_NAMES) != _SUMS_ORDER:  # pragma: no cover (a layout change)
    raise ImportError("detectors.state.layout.COUNTER_NAMES changed: update key_statistics")


def key_statistics(s: list[float]) -> KeyStatistics:
    """Statistics from one horizon's sums (:meth:`KeyState.sums`).

    >>> stats = key_statistics([0.0] * L.COUNTERS)
    >>> stats.n, stats.answer == NOTHING, stats.gap_cv
    (0.0, True, 0.0)
    """
    if _native_statistics is not None:
        made = _native_statistics(s, _new, Bounded, KeyStatistics, NOTHING)
        if made is not None:
            return made
    return python_key_statistics(s)


def python_key_statistics(s: list[float]) -> KeyStatistics:
    """:func:`key_statistics` in Python: the reference for ``native/src/statistics.rs``."""
    # Runs twice per scoring: the sums are unpacked in one step (not ~40 lookups of
    # ``L.<name>``) and the tuples built without the keyword-argument ``__new__``; the
    # arithmetic is the same, operation for operation.
    if len(s) != L.COUNTERS:  # as the indexed reads were: the first COUNTERS, or IndexError
        if len(s) < L.COUNTERS:
            raise IndexError("list index out of range")
        s = s[: L.COUNTERS]
    (
        n, ctok, ans, ans2, yld, yld2, cont, placebo, reasoned, gap_n, gap_sum, gap_sq, _,
        _, fp, cue, hidden, hidden2, repeat, tracked, shared, sampled, sweep, limit,
        harvestlike, w2, same_context,
    ) = s  # fmt: skip
    if n >= 1.0:
        excess = (cont - placebo) / n
        half = Z * _sqrt(cont + placebo + 1.0) / n
        turns = _new(Bounded, (excess, excess - half, excess + half))
    else:
        turns = NOTHING
    gap_cv = 0.0
    if gap_n >= 3:
        mean = gap_sum / gap_n
        var = gap_sq / gap_n - mean * mean
        if var < 0.0:  # max(var, 0.0), written out (the same value, NaN included)
            var = 0.0
        gap_cv = _sqrt(var) / mean if mean > 0 else 0.0
    per = 1.0 / n if n > 0 else 0.0
    weight = n + ctok if n >= 1.0 else 0.0  # each request weighs 1 + what it delivered
    return _new(
        KeyStatistics,
        (
            n,
            weighted_bounds(ans, ans2, weight, w2, MIN_SD),
            weighted_bounds(yld, yld2, weight, w2, MIN_SD),
            turns,
            share_bounds(harvestlike, n),
            reasoned * per,
            fp,
            share_bounds(cue, fp),
            share_bounds(repeat, tracked),
            share_bounds(shared, sampled),
            share_bounds(sweep, fp),
            share_bounds(limit, fp),
            mean_bounds(hidden, hidden2, fp, MIN_SD),
            _sd(hidden, hidden2, fp),
            share_bounds(same_context, fp),
            ctok,
            gap_cv,
            gap_n,
        ),
    )


#: Compiled where available (``native/src/statistics.rs``): the same tuples, built in
#: one call; it declines (None) what only the reference decides.
_native_statistics: Callable[..., KeyStatistics | None] | None = (
    NATIVE.key_statistics if NATIVE is not None else None
)
