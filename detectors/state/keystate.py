"""One key's rolling state: four typed arrays, an O(1) per-event step and a window fold.

Per event, :meth:`KeyState.add` bumps counters of the key's open window and a
few bitmaps and rings. When the window closes, :meth:`KeyState.fold` decays the
long-horizon sums and adds the window to them. :meth:`KeyState.sums` reads the
sums of a horizon as they stand at any event time, the open window included,
so a key can be scored in the middle of a window (early decisions) without
changing its state.

The layout is :mod:`detectors.state.layout`; the compiled hot path
(``native/src/keystate.rs``) implements :meth:`KeyState.add` and :func:`fold_values`
on the same arrays, through their public names and the buffer protocol, and must
give identical results (tests/unit/test_native.py).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from typing import Any

from detectors.native import NATIVE
from detectors.state import layout as L
from detectors.state.layout import (
    ACTIVE_MASK,
    DAY_INDEX,
    FIRST_TS,
    FOLDED_TS,
    FRAME_SIGS,
    FRAME_WEIGHTS,
    FRAMES,
    ITEM_NEXT,
    ITEMS,
    LAST_TS,
    MASK_HOUR,
    STREAK_START,
    TOTAL,
    WINDOW_END,
    WINDOW_EVENTS,
)
from detectors.state.observe import harvest_like, observe
from detectors.state.prompt_memory import mix64

__all__ = ["KeyState", "fold_values", "harvest_like", "horizon_sums", "observe"]

_LOG1P = math.log1p
_MASK64 = (1 << 64) - 1
_LOW32 = 0xFFFFFFFF
_DECAY_TABLES = tuple(L.HORIZONS)


class KeyState:
    """Everything remembered about one API key (about 1.5 KB).

    Parameters
    ----------
    ts
        Event time of the key's first event.
    window_seconds
        Length of the tumbling window the per-event counters fill.

    Examples
    --------
    >>> from detectors.events import Event
    >>> state = KeyState(0.0, 300.0)
    >>> for i in range(4):
    ...     state.add(Event(float(i), "k", 10, 500), None, ip_bit=5)
    >>> state.values[L.N], state.values[L.CTOK]
    (4.0, 2000.0)
    >>> state.fold(300.0)
    >>> round(state.sums(0, 300.0)[L.N], 3)
    4.0
    """

    __slots__ = ("account_id", "bits", "episode", "items", "slice", "times", "values")

    def __init__(self, ts: float, window_seconds: float) -> None:
        self.values = array("f", bytes(4 * L.VALUES_SIZE))
        self.times = array("d", bytes(8 * L.TIMES_SIZE))
        self.bits = array("Q", bytes(8 * L.BITS_SIZE))
        #: Ring of recent prompts' item hashes; allocated with the first prompt text.
        self.items: array | None = None
        self.account_id: str | None = None
        #: Episode of alerts (detectors.alerts.Episode), made when first scored.
        self.episode: Any = None
        #: Its harvest-like requests counted again, for keys where they are a minority
        #: (detectors.state.slices); None for most keys.
        self.slice: KeyState | None = None
        t = self.times
        t[FIRST_TS] = t[LAST_TS] = t[FOLDED_TS] = ts
        t[L.SCORED_TS] = t[L.POP_TS] = -math.inf
        t[L.ACCOUNT_CREATED] = t[L.ELEVATED_SINCE] = math.inf
        t[WINDOW_END] = (math.floor(ts / window_seconds) + 1) * window_seconds
        hour = float(ts // L.HOUR)
        t[MASK_HOUR] = t[STREAK_START] = hour
        t[DAY_INDEX] = float(ts // L.DAY)

    def continue_from(self, other: KeyState) -> None:
        """Start as a copy of ``other``'s history (a key its account minted to carry on
        ``other``: :mod:`detectors.engine.succession`); the alert episode, the account
        and the harvest-like slice stay this key's own."""
        self.values[:] = other.values
        self.times[:] = other.times
        self.bits[:] = other.bits
        self.items = None if other.items is None else array("I", other.items)

    # -- per event ------------------------------------------------------------------------

    @property
    def first_ts(self) -> float:
        return self.times[FIRST_TS]

    @property
    def last_ts(self) -> float:
        return self.times[LAST_TS]

    @property
    def window_end(self) -> float:
        return self.times[WINDOW_END]

    @property
    def total_events(self) -> int:
        return int(self.times[TOTAL])

    def add(
        self,
        event: Any,
        fp: tuple[int, tuple[int, ...], int, int, int] | None,
        ip_bit: int = -1,
        ua_bit: int = -1,
        model_bit: int = -1,
        seen: tuple[bool, bool] = (False, False),
        harvestlike: bool = False,
    ) -> None:
        """Count one event into the open window (the reference for the compiled path).

        ``ip_bit`` (0-255), ``ua_bit`` and ``model_bit`` (0-63) are the event's IP
        prefix, user agent and model as bitmap positions; -1 when absent. ``fp`` is
        the prompt's fingerprint fields (detectors.fingerprints) or None; ``seen``
        says whether the prompt is in the partition's sample and whether only other
        keys sent it before (:class:`~detectors.state.prompt_memory.PromptMemory`);
        ``harvestlike`` whether
        the request on its own looks like harvesting (:func:`harvest_like`).
        """
        text = event.prompt_text
        visible = len(text) // L.TURN_CHARS_PER_TOKEN if text is not None else 0
        turn = observe(self, event.ts, event.prompt_tokens, event.completion_tokens,
                       event.reasoning_tokens, event.n, ip_bit, ua_bit,
                       model_bit, visible)  # fmt: skip
        if harvestlike:
            self.values[L.HARVESTLIKE] += 1
        created = event.account_created
        if created is not None and created < self.times[L.ACCOUNT_CREATED]:
            self.times[L.ACCOUNT_CREATED] = created
        if fp is not None:
            self._add_prompt(fp, event.prompt_tokens, seen, turn > 0.0)

    def _add_prompt(
        self,
        fp: tuple[int, tuple[int, ...], int, int, int],
        prompt_tokens: int,
        seen: tuple[bool, bool],
        turn: bool = False,
    ) -> None:
        signature, items, cues, exact, tokens = fp
        v = self.values
        v[L.FP] += 1
        if seen[0]:
            v[L.SAMPLED] += 1
            if seen[1]:
                v[L.SHARED] += 1
        if cues & 15:
            v[L.CUE] += 1
        if cues & 16:
            v[L.LIMIT] += 1
        hidden = math.log(max(prompt_tokens - tokens, 0) + L.HIDDEN_FLOOR)
        v[L.HIDDEN] += hidden
        v[L.HIDDEN2] += hidden * hidden
        # A few fixed contexts (personas rotated per request, per-tool templates) recur
        # at a handful of sizes; history and retrieved passages vary continuously.
        size = min(math.floor(hidden * L.CONTEXT_BINS + 0.5), 0xFFFF)
        recent = self.bits[L.CONTEXT_RECENT]
        for j in range(L.CONTEXT_SLOTS):
            slot = recent >> (16 * j) & 0xFFFF
            if slot and abs(size - slot) <= L.CONTEXT_MATCH:
                v[L.SAME_CONTEXT] += 1
                break
        self.bits[L.CONTEXT_RECENT] = (recent << 16 | size) & _MASK64
        ring = self.items
        if ring is None:
            ring = self.prompt_items()
        # A follow-up in a conversation ("give a second method", "go on") is sent again
        # on every conversation it continues: that is no retry, and no run of the same
        # items again, so its text is not tracked for repeats.
        if not turn:
            self._track(ring, min(exact, L.SKETCH_EMPTY - 1))
        new = 0
        if items:
            identity = 0
            words = 0
            for item in items:
                if item not in ring[:ITEMS]:
                    if item >= L.IDENTITY_FLOOR and words < L.IDENTITY_WORDS:
                        identity = mix64(identity ^ item)
                        words += 1
                    new += 1
            if words >= L.IDENTITY_MIN_WORDS:
                self._identify(ring, min(identity & _LOW32, L.SKETCH_EMPTY - 1))
            b = self.bits
            for item in items:
                bit = item & 255
                b[L.TOPIC_TODAY + (bit >> 6)] |= 1 << (bit & 63)
            t = self.times
            slot = int(t[ITEM_NEXT])
            for item in items:
                ring[slot] = item
                slot = slot + 1 if slot + 1 < ITEMS else 0
            t[ITEM_NEXT] = slot
        if signature and self._add_frame(signature) and new:
            v[L.SWEEP] += 1

    def prompt_items(self) -> array:
        """The ring of item hashes and the prompt sketch (``items``), made on first use."""
        if self.items is None:
            empty = array("I", [L.SKETCH_EMPTY])
            self.items = array("I", bytes(4 * ITEMS)) + empty * (L.SKETCH + L.IDENTITIES)
        return self.items

    def _track(self, ring: array, exact: int) -> None:
        # The key's bottom-k sketch of prompt hashes: a prompt whose hash is in the range
        # the sketch covers is tracked, and a repeat when the sketch holds it already. The
        # range only narrows, so the same prompts are tracked every time they come back.
        held = _bottom_k(ring, ITEMS, L.SKETCH, exact)
        if held is None:
            return
        v = self.values
        v[L.TRACKED] += 1
        if held:
            v[L.REPEAT] += 1

    def _identify(self, ring: array, identity: int) -> None:
        # The key's bottom-k sketch of item identities (a MinHash sample of the items it
        # asked for): two keys running the same items share most of theirs.
        _bottom_k(ring, ITEMS + L.SKETCH, L.IDENTITIES, identity)

    def identities(self) -> tuple[int, ...]:
        """The smallest item identities the key sent, ascending (at most ``IDENTITIES``)."""
        ring = self.items
        if ring is None:
            return ()
        start = ITEMS + L.SKETCH
        return tuple(h for h in ring[start : start + L.IDENTITIES] if h != L.SKETCH_EMPTY)

    def _add_frame(self, signature: int) -> bool:
        """File ``signature`` under the key's frames; True when it matched one."""
        bits = self.bits
        weights = self.values
        best, best_sim, empty, lightest = -1, 0.0, -1, -1
        for i in range(FRAMES):
            weight = weights[FRAME_WEIGHTS + i]
            if weight == 0.0:
                if empty < 0:
                    empty = i
                continue
            if lightest < 0 or weight < weights[FRAME_WEIGHTS + lightest]:
                lightest = i
            cluster = bits[FRAME_SIGS + i]
            union = (cluster | signature).bit_count()
            sim = (cluster & signature).bit_count() / union if union else 0.0
            if sim > best_sim:
                best, best_sim = i, sim
        if best >= 0 and best_sim >= L.FRAME_MATCH:
            weights[FRAME_WEIGHTS + best] += 1.0
            return True
        # A new frame goes to a free slot, else replaces the lightest: recurring frames
        # keep their weight, one-off prompts churn through the lightest slot.
        slot = empty if empty >= 0 else lightest
        bits[FRAME_SIGS + slot] = signature
        weights[FRAME_WEIGHTS + slot] = 1.0
        return False

    # -- windows --------------------------------------------------------------------------

    def fold(self, now: float) -> None:
        """Close the open window at event time ``now``: decay the sums, add the window."""
        if _fold_state is None or not _fold_state(self, now):
            self.fold_reference(now)

    def fold_reference(self, now: float) -> None:
        """:meth:`fold` in Python (``native/src/fold.rs`` must leave the same arrays)."""
        t = self.times
        v = self.values
        elapsed = max(now - t[FOLDED_TS], 0.0)
        events = v[L.N]
        hour = int((now - 1e-9) // L.HOUR)
        self._roll_hours(hour, events)
        day = int(now // L.DAY)
        if day != int(t[DAY_INDEX]):
            self._roll_day(day)
        # The week keeps two counts only (the key's own history of harvest-like requests).
        decay = math.exp(-elapsed / L.WEEK)
        t[L.WEEK_N] = t[L.WEEK_N] * decay + v[L.N]
        t[L.WEEK_HARVESTLIKE] = t[L.WEEK_HARVESTLIKE] * decay + v[L.HARVESTLIKE]
        _fold_values(v, elapsed, hour % 24)
        t[FOLDED_TS] = now
        t[WINDOW_EVENTS] = 0.0

    def open_window(self, ts: float, window_seconds: float) -> None:
        """Start the window holding ``ts`` (after :meth:`fold`); a new day starts here."""
        self.times[WINDOW_END] = (math.floor(ts / window_seconds) + 1) * window_seconds
        day = int(ts // L.DAY)
        if day != int(self.times[DAY_INDEX]):
            self._roll_day(day)

    def _roll_day(self, day: int) -> None:
        # History learns only at day boundaries, so "new prefix" means new this day; it
        # learns the ending day before the bitmaps roll, so a gap of days forgets nothing.
        b = self.bits
        for i in range(L.IP_WORDS):
            b[L.IP_HISTORY + i] |= b[L.IP_TODAY + i]
        b[L.UA_HISTORY] |= b[L.UA_TODAY]
        keep = day == int(self.times[DAY_INDEX]) + 1
        for today, yesterday, words in (
            (L.IP_TODAY, L.IP_YESTERDAY, L.IP_WORDS),
            (L.UA_TODAY, L.UA_YESTERDAY, 1),
            (L.MODEL_TODAY, L.MODEL_YESTERDAY, 1),
            (L.TOPIC_TODAY, L.TOPIC_YESTERDAY, L.TOPIC_WORDS),
        ):
            for i in range(words):
                b[yesterday + i] = b[today + i] if keep else 0
                b[today + i] = 0
        self.times[DAY_INDEX] = float(day)

    def _roll_hours(self, hour: int, events: float) -> None:
        # Bit 0 of the mask is the hour MASK_HOUR; bit i is i hours earlier.
        t = self.times
        mask = int(t[ACTIVE_MASK])
        shift = hour - int(t[MASK_HOUR])
        if shift > 0:
            mask = (mask << shift) & 0xFFFFFF if shift < 24 else 0
            t[MASK_HOUR] = float(hour)
        if events and not mask & 1:
            if not mask & 2:
                t[STREAK_START] = float(hour)  # the hour before was idle: a new streak
            mask |= 1
        t[ACTIVE_MASK] = float(mask)

    # -- read-outs ------------------------------------------------------------------------

    def sums(self, horizon: int, now: float) -> list[float]:
        """Counters of ``horizon`` (0 hour, 1 day) decayed to ``now``, window included."""
        return _horizon_sums(self.values, self.times[FOLDED_TS], horizon, now)

    def week(self, now: float) -> tuple[float, float]:
        """(requests, harvest-like requests) over the week, decayed to ``now``, window included."""
        t, v = self.times, self.values
        decay = math.exp(-max(now - t[FOLDED_TS], 0.0) / L.WEEK)
        return (
            t[L.WEEK_N] * decay + v[L.N],
            t[L.WEEK_HARVESTLIKE] * decay + v[L.HARVESTLIKE],
        )

    @property
    def hour_profile(self) -> memoryview:
        """Decayed events per hour of day (a writable view into ``values``)."""
        return memoryview(self.values)[L.PROFILE : L.PROFILE + 24]

    def frames(self, min_weight: float = 2.0) -> tuple[int, ...]:
        """Signatures of the key's recurring frames (weight at least ``min_weight``)."""
        v, b = self.values, self.bits
        return tuple(b[FRAME_SIGS + i] for i in range(FRAMES) if v[FRAME_WEIGHTS + i] >= min_weight)

    def bitmap(self, today: int, yesterday: int, words: int = 1) -> int:
        """Union of a two-generation bitmap's days, as one int."""
        b = self.bits
        if words == 1:  # the loop's one step (the same int): every summary reads three
            return b[today] | b[yesterday]
        total = 0
        for i in range(words):
            total |= (b[today + i] | b[yesterday + i]) << (64 * i)
        return total


def _bottom_k(ring: array, start: int, size: int, value: int) -> bool | None:
    """Offer ``value`` to the ascending bottom-k sketch ``ring[start : start + size]``.

    None when it is above the sketch's range (the sketch is left as it is), True when
    the sketch holds it already, False when it was inserted (the largest drops out).

    >>> ring = array("I", [3, 7, L.SKETCH_EMPTY])
    >>> _bottom_k(ring, 0, 3, 5), _bottom_k(ring, 0, 3, 5), list(ring)
    (False, True, [3, 5, 7])
    >>> _bottom_k(ring, 0, 3, 9), list(ring)
    (None, [3, 5, 7])
    """
    top = start + size - 1
    if value > ring[top]:
        return None
    at = start
    while ring[at] < value:
        at += 1
    if ring[at] == value:
        return True
    ring[at + 1 : top + 1] = ring[at:top]
    ring[at] = value
    return False


def fold_values(v: array, elapsed: float, slot: int) -> None:
    """Decay the horizons and the hour-of-day profile by ``elapsed``, add the window, clear it."""
    for h, horizon in enumerate(_DECAY_TABLES, start=1):
        decay = math.exp(-elapsed / horizon)
        base = L.COUNTERS * h
        for i in range(L.COUNTERS):
            v[base + i] = v[base + i] * decay + v[i]
    events = v[L.N]
    if events:
        decay = math.exp(-elapsed / L.PROFILE_TAU)
        for i in range(L.PROFILE, L.PROFILE + 24):
            v[i] *= decay
        v[L.PROFILE + slot] += events
    for i in range(L.COUNTERS):
        v[i] = 0.0


def horizon_sums(values: array, folded_ts: float, horizon: int, now: float) -> list[float]:
    """The counters of ``horizon`` decayed from ``folded_ts`` to ``now``, the window added."""
    decay = math.exp(-max(now - folded_ts, 0.0) / L.HORIZONS[horizon])
    base = L.COUNTERS * (horizon + 1)
    return [values[base + i] * decay + values[i] for i in range(L.COUNTERS)]


# Compiled where available (``native/src/keystate.rs``); the functions above are the reference.
_fold_values = NATIVE.fold_values if NATIVE is not None else fold_values
_horizon_sums = NATIVE.horizon_sums if NATIVE is not None else horizon_sums
#: ``KeyState.fold`` compiled; it declines (False) states it cannot fold exactly.
_fold_state: Callable[[KeyState, float], bool] | None = (
    NATIVE.fold_state if NATIVE is not None else None
)
