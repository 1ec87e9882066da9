"""The metadata part of one request in a key's state: counters, the turn test, bitmaps.

Every event pays for :func:`observe` (:meth:`KeyState.add
<detectors.state.keystate.KeyState.add>` calls it before the prompt's own part);
the compiled hot path (``native/src/keystate.rs``) implements the same step on the
same arrays and must leave the same bytes. :func:`harvest_like` judges one request
alone against the scorer's thresholds.
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

from detectors.state import layout as L
from detectors.state.layout import (
    FIRST_TS,
    LAST_TS,
    RING,
    RING_NEXT,
    RING_START,
    TOTAL,
    WINDOW_EVENTS,
)

if TYPE_CHECKING:
    from detectors.state.keystate import KeyState

__all__ = ["carried_weight", "delivered", "harvest_like", "observe", "typical_answer"]

_LOG1P = math.log1p


def delivered(completion_tokens: int, reasoning_tokens: int) -> float:
    """Output the key received: hidden reasoning is billed, never delivered.

    Gateways log completion tokens with the reasoning inside (OpenAI's usage) or beside
    it; when the reasoning fits inside the completion it is taken to be inside (the
    reading that credits the key with less output), else beside.

    >>> delivered(900, 600), delivered(300, 600), delivered(300, 0)
    (300.0, 300.0, 300.0)
    """
    c = float(completion_tokens)
    if 0 < reasoning_tokens <= completion_tokens:
        c -= reasoning_tokens
    return c


def harvest_like(
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    n: int,
    thresholds: tuple[float, float],
) -> bool:
    """Whether one request's output per input and answer length both pass ``thresholds``.

    ``thresholds`` are (log output per input, log answer length), from the population
    scales (:meth:`detectors.engine.scoring.Scorer.thresholds`); output is what was
    delivered (see :func:`observe`).

    >>> harvest_like(50, 2000, 0, 1, (2.0, 6.0)), harvest_like(2000, 50, 0, 1, (2.0, 6.0))
    (True, False)
    """
    c = delivered(completion_tokens, reasoning_tokens)
    lp = _LOG1P(float(prompt_tokens))
    return _LOG1P(c) - lp >= thresholds[0] and _LOG1P(c / n) >= thresholds[1]


def typical_answer(v: array) -> float:
    """The key's typical answer in tokens: output-weighted over its day and open window.

    The weights are ``1 + delivered`` (see :func:`observe`), so pings and fillers
    weigh next to nothing. 0 before the key has an answer. Decay is left out: it
    scales the day's numerator and denominator alike.

    >>> v = array("f", bytes(4 * L.VALUES_SIZE))
    >>> v[L.N], v[L.CTOK], v[L.ANS] = 1.0, 99.0, 100.0 * math.log(100.0)
    >>> round(typical_answer(v))
    99
    """
    day = L.COUNTERS * 2
    weight = v[L.N] + v[L.CTOK] + v[day + L.N] + v[day + L.CTOK]
    if weight <= 0.0:
        return 0.0
    return math.expm1((v[L.ANS] + v[day + L.ANS]) / weight)


def carried_weight(answer: float, typical: float) -> float:
    """How much a continuation counts as a turn, by the answer it carries back.

    A conversation carries back answers like the ones the key collects; a key
    whose long answers never come back, only short ones (a ping answered in 33
    tokens just before the harvest prompts, so that their sizes line up with it),
    is not conversing about what it collects. ``min(1, answer / typical)``; 1
    while the key has no typical answer yet.

    >>> carried_weight(400.0, 400.0), carried_weight(33.0, 1100.0), carried_weight(9.0, 0.0)
    (1.0, 0.03, 1.0)
    """
    if typical <= answer:
        return 1.0
    return answer / typical


def observe(
    state: KeyState,
    ts: float,
    prompt_tokens: int,
    completion_tokens: int,
    reasoning_tokens: int,
    n: int,
    ip_bit: int,
    ua_bit: int,
    model_bit: int,
    visible: int = 0,
) -> float:
    """The metadata part of :meth:`KeyState.add` (every event pays for it).

    ``visible`` is the prompt text's estimated tokens (0 without text): a
    conversation's next turn carries the new message beside the previous exchange.
    Returns how much the request counted as such a turn (0 when it continues nothing).
    """
    v = state.values
    t = state.times
    b = state.bits
    p = float(prompt_tokens)
    c = delivered(completion_tokens, reasoning_tokens)
    per_choice = c / n
    ans = _LOG1P(per_choice)
    lp = _LOG1P(p)
    yld = _LOG1P(c) - lp
    # Weighted by what was delivered: the key's typical answer is that of its output,
    # not of its request count (fillers and pings weigh next to nothing).
    w = 1.0 + c
    v[L.N] += 1
    v[L.CTOK] += c  # delivered
    v[L.ANS] += w * ans
    v[L.ANS2] += w * ans * ans
    v[L.YLD] += w * yld
    v[L.YLD2] += w * yld * yld
    v[L.W2] += w * w
    if reasoning_tokens:
        v[L.REASONED] += 1
    # A conversation's next turn sends the previous prompt and answer back with a new
    # message. The placebo pairs each remembered prompt with the *next* slot's answer:
    # how often sizes line up by chance for this key's mix of prompts.
    first = t[TOTAL] == 0
    minute = (ts - t[FIRST_TS]) / 60.0
    cont = placebo = 0.0
    low = L.TURN_NEW_SHARE * visible
    high = L.TURN_SLACK + visible
    typical = -1.0  # read on the first match only: most requests continue nothing
    for j in range(RING):
        at = RING_START + 3 * j
        base_p = v[at]
        if base_p == 0.0 or minute - v[at + 2] > L.TURN_MINUTES:
            continue
        base = base_p + v[at + 1]
        if base + low <= p <= base + high:
            if typical < 0.0:
                typical = typical_answer(v)
            cont = max(cont, carried_weight(v[at + 1], typical))
        other = RING_START + 3 * ((j + 1) % RING)
        wrong = base_p + v[other + 1]
        if v[other] != 0.0 and wrong != base and wrong + low <= p <= wrong + high:
            if typical < 0.0:
                typical = typical_answer(v)
            placebo = max(placebo, carried_weight(v[other + 1], typical))
    if cont:
        v[L.CONT] += cont
    if placebo:
        v[L.PLACEBO] += placebo
    # A conversation goes on from one of the ``n`` choices, so the ring remembers one
    # choice's answer: with the sum over choices no turn of an n > 1 conversation fits.
    if per_choice >= L.TURN_MIN_ANSWER:  # only an answer worth carrying back can be a turn
        slot = int(t[RING_NEXT])
        at = RING_START + 3 * slot
        v[at] = p if p > 0 else 0.5  # 0 marks an empty slot
        v[at + 1] = per_choice
        v[at + 2] = minute
        t[RING_NEXT] = float(slot + 1 if slot + 1 < RING else 0)
    gap = ts - t[LAST_TS]
    if gap >= 0.0:
        if not first:
            v[L.GAP_N] += 1
            v[L.GAP_SUM] += gap
            v[L.GAP_SQ] += gap * gap
        t[LAST_TS] = ts
    t[TOTAL] += 1
    t[WINDOW_EVENTS] += 1
    if ip_bit >= 0:
        word, bit = ip_bit >> 6, 1 << (ip_bit & 63)
        b[L.IP_TODAY + word] |= bit
        history = b[L.IP_HISTORY] | b[L.IP_HISTORY + 1] | b[L.IP_HISTORY + 2] | b[L.IP_HISTORY + 3]
        if history and not b[L.IP_HISTORY + word] & bit:
            v[L.NEW_IP] += 1
    if ua_bit >= 0:
        bit = 1 << ua_bit
        b[L.UA_TODAY] |= bit
        if b[L.UA_HISTORY] and not b[L.UA_HISTORY] & bit:
            v[L.NEW_UA] += 1
    if model_bit >= 0:
        b[L.MODEL_TODAY] |= 1 << model_bit
    return cont
