"""Per-key rolling state and the feature vector a key is scored on.

Per event, :meth:`KeyState.add` only bumps counters of the key's open window
(O(1), no allocation beyond a few ints). When the window closes,
:meth:`KeyState.fold` decays the key's long-horizon sums (one hour, one day,
seven days) and its hour-of-day profile, and :func:`key_features` reads a
fixed-size feature vector out of them. Distinct counts (IP prefixes, user
agents, models, temperatures, vocabulary) are bitmaps in plain ints.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

from detectors.attributes import AttributeBits, ip_prefix
from detectors.events import Event
from detectors.fingerprints import VOCAB_BITS, FingerprintFields
from detectors.native import NATIVE
from detectors.pacing import hourly_flatness
from detectors.sketches import linear_count
from detectors.summaries import IP_PREFIX_BITS
from detectors.window_values import (
    CAPPED,
    COUNTERS,
    CTOK,
    DAY,
    ERR,
    FP,
    GAP_N,
    GAP_SQ,
    GAP_SUM,
    HIMAX,
    HOUR,
    MULTI,
    NEW_IP,
    NEW_UA,
    PROFILE,
    PTOK,
    REASONED_CTOK,
    REASONING,
    RTOK,
    TEMPLATE,
    THROTTLED,
    N,
    fold_values,
)

__all__ = [
    "COUNTERS",
    "FEATURE_NAMES",
    "HIMAX",
    "AttributeBits",
    "KeyState",
    "N",
    "ip_prefix",
    "key_features",
]

HIGH_MAX_TOKENS = 4000
MAX_TEMPLATES = 6
TEMPLATE_MATCH = 0.5

FEATURE_NAMES: tuple[str, ...] = (
    "requests_per_hour",
    "output_tokens_per_hour",
    "output_input_ratio",
    "output_tokens_mean",
    "reasoning_share",
    "multi_sample_share",
    "capped_output_share",
    "high_max_tokens_share",
    "temperatures_distinct",
    "template_share",
    "templates_active",
    "reasoning_prompt_share",
    "reasoned_output_mean",
    "vocabulary_breadth",
    "active_hours_24h",
    "hour_of_day_evenness",
    "hourly_volume_cv",
    "observed_hours",
    "sustained_hours",
    "interarrival_cv",
    "ip_prefixes",
    "user_agents",
    "models_distinct",
    "error_share",
    "throttled_share",
    "new_ip_share",
    "new_user_agent_share",
    "volume_vs_own_week",
    "content_observed",
)


class KeyState:
    """Everything remembered about one API key; a few hundred bytes.

    Examples
    --------
    >>> from detectors.events import Event
    >>> state = KeyState(0.0, 300.0)
    >>> for i in range(4):
    ...     state.add(Event(float(i), "k", 10, 500), None, ip_bit=1 << 5)
    >>> state.window[N], state.window[CTOK]
    (4.0, 2000.0)
    >>> state.fold(300.0)
    >>> round(state.horizon(0)[N], 3)
    4.0
    """

    __slots__ = (
        "account_id",
        "active_mask",
        "change_state",
        "cluster_weights",
        "clusters",
        "day_index",
        "episode",
        "first_ts",
        "folded_ts",
        "high_slice",
        "ip_bits",
        "ip_history",
        "last_scored_ts",
        "last_ts",
        "mask_hour",
        "model_bits",
        "streak_start",
        "temperature_bits",
        "total_events",
        "ua_bits",
        "ua_history",
        "values",
        "vocab_bits",
        "window_end",
        "window_events",
    )

    def __init__(self, ts: float, window_seconds: float) -> None:
        self.first_ts = ts
        self.last_ts = ts
        self.window_end = (math.floor(ts / window_seconds) + 1) * window_seconds
        # One array for the open window's counters, the three decayed horizons and the
        # hour-of-day profile: [window | hour | day | week | 24 hours], one header, not
        # five (7 significant digits are plenty for rates and shares).
        self.values = array("f", bytes(4 * (PROFILE + 24)))
        self.window_events = 0
        self.folded_ts = ts
        self.last_scored_ts = -math.inf
        self.total_events = 0
        self.account_id: str | None = None
        self.active_mask = 0
        self.mask_hour = int(ts // HOUR)
        self.streak_start = self.mask_hour
        self.day_index = int(ts // DAY)
        # Daily distinct-value bitmaps hold two generations in one int: today's bits
        # in the low ``width`` bits, yesterday's above them (see ``_roll_day``).
        self.ip_bits = 0
        self.ua_bits = 0
        self.model_bits = 0
        self.temperature_bits = 0
        self.vocab_bits = 0
        self.ip_history = 0
        self.ua_history = 0
        # Template clusters, allocated on the first fingerprinted prompt only.
        self.clusters: array | None = None
        self.cluster_weights: array | None = None
        self.episode: Any = None
        self.change_state: Any = None
        # The key's high-max_tokens requests counted again (detectors/slices.py); only
        # keys where those are a minority of the traffic ever get one.
        self.high_slice: KeyState | None = None

    @property
    def hour_profile(self) -> memoryview:
        """Decayed events per hour of day (a writable view into the key's array)."""
        return memoryview(self.values)[PROFILE : PROFILE + 24]

    @property
    def window(self) -> array:
        """The open window's counters (a copy; for inspection and tests)."""
        return self.values[:COUNTERS]

    def horizon(self, index: int) -> array:
        """Decayed sums of horizon ``index`` (0: hour, 1: day, 2: week), as a copy."""
        start = COUNTERS * (index + 1)
        return self.values[start : start + COUNTERS]

    def add(
        self,
        event: Event,
        fp: FingerprintFields | None,
        ip_bit: int = 0,
        ua_bit: int = 0,
        model_bit: int = 0,
    ) -> None:
        """Count one event into the open window (hot path: keep it branch-light).

        The reference for ``native/src/keystate.rs``, which the engine calls instead
        where it is built (``detectors.engine.add_event``); change both together.

        ``ip_bit``, ``ua_bit`` and ``model_bit`` are the event's IP prefix, user agent
        and model as bitmap bits (see :class:`AttributeBits`); 0 when absent.
        """
        w = self.values
        w[N] += 1
        w[PTOK] += event.prompt_tokens
        w[CTOK] += event.completion_tokens
        if event.reasoning_tokens:
            w[RTOK] += event.reasoning_tokens
        if event.n > 1:
            w[MULTI] += 1
        max_tokens = event.max_tokens
        if max_tokens is not None:
            if event.completion_tokens >= 0.95 * max_tokens:
                w[CAPPED] += 1
            if max_tokens >= HIGH_MAX_TOKENS:
                w[HIMAX] += 1
        status = event.status
        if status >= 400:
            w[ERR] += 1
            if status == 429:
                w[THROTTLED] += 1
        gap = event.ts - self.last_ts
        if gap >= 0.0:
            if self.total_events:
                w[GAP_N] += 1
                w[GAP_SUM] += gap
                w[GAP_SQ] += gap * gap
            self.last_ts = event.ts
        self.total_events += 1
        self.window_events += 1
        if ip_bit:
            self.ip_bits |= ip_bit
            if self.ip_history and not self.ip_history & ip_bit:
                w[NEW_IP] += 1
        if ua_bit:
            self.ua_bits |= ua_bit
            if self.ua_history and not self.ua_history & ua_bit:
                w[NEW_UA] += 1
        if model_bit:
            self.model_bits |= model_bit
        if event.temperature is not None:
            self.temperature_bits |= 1 << (int(event.temperature * 20) & 63)
        if fp is not None:
            self._add_fingerprint(fp, event.completion_tokens)

    def _add_fingerprint(self, fp: FingerprintFields, completion_tokens: int) -> None:
        # A plain tuple from the compiled fingerprint or a PromptFingerprint: unpack by position.
        signature, vocab_bits, asks_reasoning, _ = fp
        w = self.values
        w[FP] += 1
        if asks_reasoning:
            w[REASONING] += 1
            w[REASONED_CTOK] += completion_tokens
        self.vocab_bits |= vocab_bits
        clusters = self.clusters
        weights = self.cluster_weights
        if clusters is None or weights is None:
            clusters = self.clusters = array("Q", bytes(8 * MAX_TEMPLATES))
            weights = self.cluster_weights = array("f", bytes(4 * MAX_TEMPLATES))
        if signature in clusters:  # exact repeat: skip the similarity scan
            i = clusters.index(signature)
            if weights[i] > 0.0:
                w[TEMPLATE] += 1
                weights[i] += 1.0
                return
        best, best_sim, empty = -1, 0.0, -1
        for i, cluster in enumerate(clusters):
            if weights[i] == 0.0:
                if empty < 0:
                    empty = i
                continue
            # fingerprints.similarity, inlined: this scan runs for most sampled prompts
            union = (cluster | signature).bit_count()
            sim = (cluster & signature).bit_count() / union if union else 0.0
            if sim > best_sim:
                best, best_sim = i, sim
        if best >= 0 and best_sim >= TEMPLATE_MATCH:
            w[TEMPLATE] += 1
            weights[best] += 1.0
            return
        # A new cluster goes to a free slot, else replaces the lightest: recurring
        # templates keep their weight, one-off prompts churn through the last slot.
        slot = empty if empty >= 0 else min(range(MAX_TEMPLATES), key=weights.__getitem__)
        clusters[slot] = signature
        weights[slot] = 1.0

    def templates(self, min_weight: float = 2.0) -> tuple[int, ...]:
        """Signatures of the key's recurring templates (weight at least ``min_weight``)."""
        if self.clusters is None or self.cluster_weights is None:
            return ()
        if NATIVE is not None:  # compiled: ~0.1 µs against ~1.5 (it runs at every scoring)
            found: tuple[int, ...] = NATIVE.templates(
                self.clusters, self.cluster_weights, min_weight
            )
            return found
        return tuple(
            sig
            for sig, weight in zip(self.clusters, self.cluster_weights, strict=True)
            if weight >= min_weight
        )

    def fold(self, now: float) -> None:
        """Close the open window at event time ``now``: decay long sums and add the window."""
        elapsed = max(now - self.folded_ts, 0.0)
        events = self.values[N]
        hour = int((now - 1e-9) // HOUR)
        self._roll_hours(hour, events)
        day = int(now // DAY)
        if day != self.day_index:
            self._roll_day(day)
        fold_values(self.values, elapsed, hour % 24)
        self.folded_ts = now
        self.window_events = 0

    def open_window(self, ts: float, window_seconds: float) -> None:
        """Start the window holding event time ``ts`` (call after :meth:`fold`).

        A new day starts here, before the event is added, not at the next fold: a key
        back from an overnight pause on new prefixes (a takeover) must read them as new.
        """
        self.window_end = (math.floor(ts / window_seconds) + 1) * window_seconds
        day = int(ts // DAY)
        if day != self.day_index:
            self._roll_day(day)

    def _roll_day(self, day: int) -> None:
        # History only learns at day boundaries, so "new prefix" means new this day.
        # It learns the ending day before the bitmaps roll: after a gap of days they
        # are dropped, and the last active day must not be forgotten with them.
        self.ip_history |= self.ip_bits & _TODAY_IP
        self.ua_history |= self.ua_bits & _TODAY_64
        keep = day == self.day_index + 1
        self.ip_bits = _next_generation(self.ip_bits, IP_PREFIX_BITS, keep)
        self.ua_bits = _next_generation(self.ua_bits, 64, keep)
        self.model_bits = _next_generation(self.model_bits, 64, keep)
        self.temperature_bits = _next_generation(self.temperature_bits, 64, keep)
        self.vocab_bits = _next_generation(self.vocab_bits, VOCAB_BITS, keep)
        self.day_index = day

    def _roll_hours(self, hour: int, events: float) -> None:
        # Bit 0 of active_mask is the hour ``mask_hour``; bit i is i hours earlier.
        shift = hour - self.mask_hour
        if shift > 0:
            self.active_mask = (self.active_mask << shift) & 0xFFFFFF
            self.mask_hour = hour
        if events and not self.active_mask & 1:
            if not self.active_mask & 2:
                self.streak_start = hour  # the hour before was idle: a new streak
            self.active_mask |= 1


_TODAY_IP = (1 << IP_PREFIX_BITS) - 1
_TODAY_64 = (1 << 64) - 1


def _next_generation(bits: int, width: int, keep: bool) -> int:
    """Today's bits become yesterday's (or are dropped after a gap of days)."""
    return (bits & ((1 << width) - 1)) << width if keep else 0


def both_days(bits: int, width: int = 64) -> int:
    """Union of today's and yesterday's generation of a two-generation bitmap."""
    return (bits & ((1 << width) - 1)) | (bits >> width)


def _bits(bits: int, width: int = 64) -> float:
    return linear_count(both_days(bits, width), width)


def key_features(state: KeyState, now: float) -> dict[str, float]:
    """Feature vector of a key from its decayed sums (call right after :meth:`KeyState.fold`).

    Content features read 0 and ``content_observed`` is 0 when no prompt text was seen.
    """
    hour_sums = state.horizon(0)
    day_sums = state.horizon(1)
    week_sums = state.horizon(2)
    events = hour_sums[N] or 1e-9
    ctok = hour_sums[CTOK]
    # Content shares from the last hour when it saw enough prompts (reacts fast to a
    # takeover), else from the last day (light keys, sampled fingerprints).
    content_sums = hour_sums if hour_sums[FP] >= 12 else day_sums
    fingerprinted = content_sums[FP]
    age_hours = max((now - state.first_ts) / HOUR, 1.0 / 12)
    hour_rate = hour_sums[N] / min(age_hours, 1.0)
    week_rate = week_sums[N] / min(age_hours, 7 * 24.0)
    gap_n = day_sums[GAP_N]
    gap_cv = 0.0
    if gap_n >= 3:
        mean = day_sums[GAP_SUM] / gap_n
        var = max(day_sums[GAP_SQ] / gap_n - mean * mean, 0.0)
        gap_cv = math.sqrt(var) / mean if mean > 0 else 0.0
    profile = state.hour_profile
    total = sum(profile)
    evenness = 0.0
    if total > 0:
        entropy = -sum((p / total) * math.log(p / total) for p in profile if p > 0)
        evenness = entropy / math.log(24)
    volume_cv, observed_hours = hourly_flatness(state, now)
    sustained = 0.0
    if state.active_mask & 1:
        sustained = float(state.mask_hour - state.streak_start + 1)
    templates_active = float(len(state.templates(3.0)))
    return {
        "requests_per_hour": hour_rate,
        "output_tokens_per_hour": ctok / min(age_hours, 1.0),
        "output_input_ratio": ctok / max(hour_sums[PTOK], 1.0),
        "output_tokens_mean": ctok / events,
        "reasoning_share": hour_sums[RTOK] / max(ctok + hour_sums[RTOK], 1.0),
        "multi_sample_share": hour_sums[MULTI] / events,
        "capped_output_share": hour_sums[CAPPED] / events,
        "high_max_tokens_share": hour_sums[HIMAX] / events,
        "temperatures_distinct": _bits(state.temperature_bits),
        "template_share": content_sums[TEMPLATE] / fingerprinted if fingerprinted else 0.0,
        "templates_active": templates_active,
        "reasoning_prompt_share": (
            content_sums[REASONING] / fingerprinted if fingerprinted else 0.0
        ),
        # A few reasoning asks are needed before their answers' length means anything.
        "reasoned_output_mean": (
            content_sums[REASONED_CTOK] / content_sums[REASONING]
            if content_sums[REASONING] >= 3.0
            else 0.0
        ),
        "vocabulary_breadth": _bits(state.vocab_bits, VOCAB_BITS),
        "active_hours_24h": float(state.active_mask.bit_count()),
        "hour_of_day_evenness": evenness,
        "hourly_volume_cv": volume_cv,
        "observed_hours": observed_hours,
        "sustained_hours": sustained,
        "interarrival_cv": gap_cv,
        "ip_prefixes": _bits(state.ip_bits, IP_PREFIX_BITS),
        "user_agents": _bits(state.ua_bits),
        "models_distinct": _bits(state.model_bits),
        "error_share": hour_sums[ERR] / events,
        "throttled_share": hour_sums[THROTTLED] / events,
        "new_ip_share": day_sums[NEW_IP] / max(day_sums[N], 1e-9) if state.ip_history else 0.0,
        "new_user_agent_share": (
            day_sums[NEW_UA] / max(day_sums[N], 1e-9) if state.ua_history else 0.0
        ),
        "volume_vs_own_week": hour_rate / week_rate if week_rate > 0 else 1.0,
        "content_observed": 1.0 if day_sums[FP] >= 1.0 else 0.0,
    }
