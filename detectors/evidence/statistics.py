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
from typing import NamedTuple

from detectors.state import layout as L

__all__ = [
    "Bounded",
    "KeyStatistics",
    "key_statistics",
    "mean_bounds",
    "share_bounds",
    "weighted_bounds",
]

#: Standard errors between a statistic and its bounds.
Z = 2.0


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


def key_statistics(s: list[float]) -> KeyStatistics:
    """Statistics from one horizon's sums (:meth:`KeyState.sums`)."""
    n = s[L.N]
    fp = s[L.FP]
    cont, placebo = s[L.CONT], s[L.PLACEBO]
    if n >= 1.0:
        excess = (cont - placebo) / n
        half = Z * math.sqrt(cont + placebo + 1.0) / n
        turns = Bounded(excess, excess - half, excess + half)
    else:
        turns = NOTHING
    gap_n = s[L.GAP_N]
    gap_cv = 0.0
    if gap_n >= 3:
        mean = s[L.GAP_SUM] / gap_n
        var = max(s[L.GAP_SQ] / gap_n - mean * mean, 0.0)
        gap_cv = math.sqrt(var) / mean if mean > 0 else 0.0
    per = 1.0 / n if n > 0 else 0.0
    weight = n + s[L.CTOK] if n >= 1.0 else 0.0  # each request weighs 1 + what it delivered
    return KeyStatistics(
        n=n,
        answer=weighted_bounds(s[L.ANS], s[L.ANS2], weight, s[L.W2], 0.5),
        yield_=weighted_bounds(s[L.YLD], s[L.YLD2], weight, s[L.W2], 0.5),
        turns=turns,
        harvestlike_share=share_bounds(s[L.HARVESTLIKE], n),
        reasoned_share=s[L.REASONED] * per,
        prompts=fp,
        cue_share=share_bounds(s[L.CUE], fp),
        repeat_share=share_bounds(s[L.REPEAT], s[L.TRACKED]),
        shared_share=share_bounds(s[L.SHARED], s[L.SAMPLED]),
        sweep_share=share_bounds(s[L.SWEEP], fp),
        limit_share=share_bounds(s[L.LIMIT], fp),
        hidden=mean_bounds(s[L.HIDDEN], s[L.HIDDEN2], fp, 0.5),
        hidden_sd=_sd(s[L.HIDDEN], s[L.HIDDEN2], fp),
        same_context=share_bounds(s[L.SAME_CONTEXT], fp),
        output_tokens=s[L.CTOK],
        gap_cv=gap_cv,
        gaps=gap_n,
    )
