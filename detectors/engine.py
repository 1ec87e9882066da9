"""The Engine: events in, alerts out; event time only; snapshot/restore of all state.

Every driver (replay, the faust worker, the demo, the benchmarks) wraps this
class. Per event it de-duplicates, updates the key's open window and, when the
window closes, scores the key.
"""

from __future__ import annotations

import heapq
import math
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detectors import statecodec
from detectors.alerts import Alert, Episode, EpisodeTracker, Reason, alert_id
from detectors.attributes import prefix_bit
from detectors.clock import EARLY, LATE, EventClock
from detectors.config import EngineConfig
from detectors.dedup import RecentIds
from detectors.ensemble import ExtractionEnsemble, ramp
from detectors.events import Event, format_ts
from detectors.features import (
    COUNTERS,
    FEATURE_NAMES,
    AttributeBits,
    KeyState,
    both_days,
    key_features,
)
from detectors.fingerprints import fingerprint_fields
from detectors.keybudget import KeyBudget
from detectors.models import (
    KeyChangeDetector,
    PopulationBaseline,
    PopulationModel,
    scale_features,
    unscale,
)
from detectors.native import NATIVE
from detectors.slices import HIGH_MAX_TOKENS, PREFIX, slice_trust, wants_slice
from detectors.state_size import key_state_bytes
from detectors.summaries import IP_PREFIX_BITS, KeySummary

__all__ = ["DETECTOR", "Engine", "EngineStats"]

DETECTOR = "extraction_ensemble"
# 2: per-key counters gained reasoned-output tokens (a longer array per key).
# 3: per-key high-max_tokens slice (detectors/slices.py).
# 4: detectors/statecodec.py instead of pickle (nothing read can execute).
# 5: request ids de-duplicated by a 64-bit BLAKE2b hash (was two CRC-32s: 32 bits).
SNAPSHOT_VERSION = 5
# Content, harvesting and infrastructure features a stolen or resold key changes.
# Volume is left out on purpose: diurnal apps swing in volume every night and
# must not look like a takeover.
CHANGE_FEATURES = (
    "template_share",
    "reasoning_prompt_share",
    "reasoning_share",
    "multi_sample_share",
    "capped_output_share",
    "output_tokens_mean",
    "output_input_ratio",
    "temperatures_distinct",
    "user_agents",
    "new_ip_share",
)
#: ``KeyState.add`` as the hot path calls it: compiled where available (same results).
add_event: Callable[..., None] = NATIVE.add_event if NATIVE is not None else KeyState.add
MAX_REASONS = 5
EXPIRY_EVERY = 4096
#: Unexpired keys an expiry pass may look past: one key with a recent last event at the
#: front of the order must not shield the expired keys behind it.
EXPIRY_SCAN = 1024
_NO_ALERTS: list[Alert] = []
# Attributes rebuilt from config and state on restore (see ``Engine._bind``), never pickled.
_DERIVED = frozenset(
    {"config", "_settings", "_seen", "_ip_bit", "_text_bits", "process", "hot_path", "_clock",
     "_budget"}
)  # fmt: skip


@dataclass
class EngineStats:
    """Counters a driver exports as metrics. Plain data; cheap to read."""

    events_valid: int = 0
    events_duplicate: int = 0
    events_late: int = 0
    #: events more than ``allowed_skew_seconds`` ahead of the watermark (detectors/clock.py)
    events_early: int = 0
    keys_tracked: int = 0
    keys_expired: int = 0
    windows_folded: int = 0
    windows_scored: int = 0
    anomalous_keys: int = 0
    population_warm: bool = False
    alerts_by_severity: dict[str, int] = field(
        default_factory=lambda: {"warning": 0, "critical": 0}
    )
    state_bytes: int = 0


class Engine:
    """Detect output harvesting per key.

    Parameters
    ----------
    config
        Engine settings; defaults when omitted.

    Examples
    --------
    >>> from detectors.events import Event
    >>> engine = Engine()
    >>> engine.process(Event(1_791_000_000.0, "key-1", 20, 800, request_id="r1"))
    []
    >>> engine.process(Event(1_791_000_001.0, "key-1", 20, 800, request_id="r1"))  # retry
    []
    >>> engine.stats.events_valid, engine.stats.events_duplicate
    (1, 1)
    """

    def __init__(self, config: EngineConfig | None = None) -> None:
        self.config = config or EngineConfig()
        c = self.config
        self._keys: OrderedDict[str, KeyState] = OrderedDict()
        self._recent_ids = RecentIds(c.dedup_capacity)
        self._max_ts = -math.inf
        self._population = PopulationModel(warmup=c.population_warmup, seed=c.seed)
        self._baseline = PopulationBaseline(FEATURE_NAMES, every=4)
        self._change = KeyChangeDetector(CHANGE_FEATURES, alpha=0.02)
        self._ensemble = ExtractionEnsemble()
        self._episodes = EpisodeTracker(
            c.warning_threshold, c.critical_threshold, c.recover_threshold, c.recovery_seconds
        )
        self._bits = AttributeBits()
        self._hot: dict[str, float] = {}
        self._scores: list[float] = []
        self._trace: list[tuple[str, float, float]] | None = None
        self._summaries: list[KeySummary] | None = None
        self._since_expiry = 0
        self._stats = EngineStats()
        #: (event time, events_valid) of the last early event (detectors/clock.py)
        self._early: tuple[float, int] | None = None
        self._budget: KeyBudget | None = None
        self._bind()

    # -- the hot path -------------------------------------------------------------------

    def process(self, event: Event) -> list[Alert]:
        """Feed one valid event; return the alerts it raised (usually none)."""
        # The hot path: every attribute read here is paid per event, so settings and
        # memo tables come from locals and bound methods (see ``_bind``).
        stats = self._stats
        if event.request_id is not None and self._seen(event.api_key_id, event.request_id):
            stats.events_duplicate += 1
            return _NO_ALERTS
        stats.events_valid += 1
        lateness, full_events, stride, skew = self._settings
        ts = event.ts
        max_ts = self._max_ts
        if max_ts - lateness <= ts <= max_ts + skew:
            if ts > max_ts:
                self._max_ts = ts
        else:  # the first event, a late or an early one: the clock rule decides
            event = self._place(event)
            ts = event.ts
        key = event.api_key_id
        state = self._keys.get(key)
        alerts = _NO_ALERTS
        if state is None or ts >= state.window_end:
            state, alerts = self._open_state(key, state, ts)
        if event.account_id is not None:
            state.account_id = event.account_id
        fp = None
        if event.prompt_text is not None:
            seen = state.window_events - full_events
            if seen < 0 or seen % stride == 0:
                fp = fingerprint_fields(event.prompt_text)
        ip, agent, model = event.client_ip, event.user_agent, event.model
        ip_bit = self._ip_bit(ip) if ip is not None else 0
        agent_bit = self._text_bits.get(agent, 0) if agent is not None else 0
        if agent_bit == 0 and agent is not None:
            agent_bit = self._bits.text(agent)
        model_bit = self._text_bits.get(model, 0) if model is not None else 0
        if model_bit == 0 and model is not None:
            model_bit = self._bits.text(model)
        add_event(state, event, fp, ip_bit, agent_bit, model_bit)
        high_slice = state.high_slice
        if high_slice is not None and (event.max_tokens or 0) >= HIGH_MAX_TOKENS:
            add_event(high_slice, event, fp, ip_bit, agent_bit, model_bit)
        self._since_expiry += 1
        if self._since_expiry >= EXPIRY_EVERY:
            self._expire()
        return alerts

    def _place(self, event: Event) -> Event:
        """Put an event outside the usual band on the partition's clock (detectors/clock.py)."""
        stats = self._stats
        early = self._early
        previous = early[0] if early is not None and early[1] == stats.events_valid - 1 else None
        self._max_ts, ts, verdict = self._clock.place(self._max_ts, event.ts, previous)
        if verdict == LATE:
            stats.events_late += 1
        elif verdict == EARLY:
            stats.events_early += 1
            self._early = (event.ts, stats.events_valid)
            return event._replace(ts=ts)
        return event

    def _open_state(
        self, key: str, state: KeyState | None, ts: float
    ) -> tuple[KeyState, list[Alert]]:
        """A new key's state, or the key's window closed (and maybe scored) before ``ts``."""
        if state is not None:
            return state, self._close_window(key, state, ts)
        state = self._keys[key] = KeyState(ts, self.config.window_seconds)
        budget = self._budget
        if budget is None:
            if len(self._keys) > self.config.max_keys:
                self._evict(next(iter(self._keys)))
        elif budget.take() and len(self._keys) > 1:  # over the process's one cap
            self._evict(next(iter(self._keys)))
        return state, _NO_ALERTS

    def _bind(self) -> None:
        """Hot-path shortcuts derived from config and state (rebuilt on restore, never saved)."""
        c = self.config
        lateness, skew = c.allowed_lateness_seconds, c.allowed_skew_seconds
        self._settings = (lateness, c.content_full_events, c.content_stride, skew)
        self._clock = EventClock(skew, lateness)
        self._seen = self._recent_ids.seen
        # Compiled, an address's bit costs less than looking it up in the memo (which
        # misses on every new IPv6 caller); the pure-Python path keeps the memo.
        self._ip_bit = prefix_bit if NATIVE is not None else self._bits.ip
        self._text_bits = self._bits.text_table
        #: The compiled per-event path (native/src/engine.rs), or None; ``process`` below
        #: stays the reference, and the path it takes for anything but a parsed Event.
        self.hot_path: Any = None
        if NATIVE is not None and isinstance(self._recent_ids.ids, NATIVE.RecentIds):
            self.hot_path = NATIVE.HotPath(
                self, self._recent_ids.ids, self._keys, self._text_bits, self._bits,
                self._stats, _NO_ALERTS, c.allowed_lateness_seconds, c.content_full_events,
                c.content_stride, KeyState, c.allowed_skew_seconds,
            )  # fmt: skip
            self.process = self.hot_path.process  # type: ignore[method-assign]

    # -- windows and scoring ------------------------------------------------------------

    def _close_window(self, key: str, state: KeyState, ts: float) -> list[Alert]:
        c = self.config
        window_end = state.window_end
        events = state.window_events
        state.fold(window_end)
        high_slice = state.high_slice
        if high_slice is not None:
            high_slice.fold(window_end)
        elif wants_slice(state):
            high_slice = state.high_slice = KeyState(window_end, c.window_seconds)
        self._stats.windows_folded += 1
        state.open_window(ts, c.window_seconds)
        if high_slice is not None:
            high_slice.open_window(ts, c.window_seconds)
        self._keys.move_to_end(key)
        since = window_end - state.last_scored_ts
        due = (events >= c.min_window_events and since >= c.score_interval_seconds) or (
            events > 0 and since >= c.idle_score_seconds
        )
        if not due:
            return _NO_ALERTS
        return self._score(key, state, window_end, ts)

    def _evaluate(
        self, state: KeyState, now: float
    ) -> tuple[float, dict[str, float], dict[str, float], dict[str, Any]]:
        """Score a key at event time ``now``: (score, raw features, scaled features, families)."""
        features = key_features(state, now)
        scaled = scale_features(features)
        anomaly = self._population.score_one(scaled)
        if state.change_state is None:
            state.change_state = self._change.new_state()
        change_raw = self._change.score_one(state.change_state, scaled)
        # A content shift counts double when the key also moved to new infrastructure
        # (a stolen or resold key); alone it may be a customer's new feature.
        infra_shift = max(
            ramp(features["new_ip_share"], 0.2, 0.6),
            ramp(features["new_user_agent_share"], 0.2, 0.6),
        )
        change = change_raw * (0.5 + 0.5 * infra_shift)
        families = self._ensemble.families(
            features, anomaly=ramp(anomaly, 0.9, 0.999), change=change
        )
        score = self._warm(self._ensemble.score(families), state.first_ts, now)
        return score, features, scaled, families

    def _warm(self, score: float, first_ts: float, now: float) -> float:
        """``score``, held below recovery while its key (or slice) is in its warm-up."""
        if now - first_ts < self.config.key_warmup_seconds:
            return min(score, self.config.recover_threshold * 0.99)
        return score

    def _evaluate_slice(
        self, high_slice: KeyState, now: float, change: float
    ) -> tuple[float, dict[str, float], dict[str, Any]]:
        """Score a key's high-max_tokens slice as a key of its own (detectors/slices.py).

        The ensemble's rules judge it with the whole key's ``change``: when a key is
        taken over, the slice is the new traffic the change is about. The population
        model learns whole keys, and a slice is not one.
        """
        features = key_features(high_slice, now)
        families = self._ensemble.families(features, anomaly=0.0, change=change)
        score = self._warm(self._ensemble.score(families), high_slice.first_ts, now)
        return score, features, families

    def _score(self, key: str, state: KeyState, now: float, ts: float) -> list[Alert]:
        c = self.config
        state.last_scored_ts = now
        self._stats.windows_scored += 1
        score, features, scaled, families = self._evaluate(state, now)
        # The key's own families feed learning and the campaign summary; the reasons
        # follow whichever scored higher, the key or its slice.
        reason_families, reason_features, prefix = families, features, ""
        if state.high_slice is not None:
            slice_score, slice_features, slice_families = self._evaluate_slice(
                state.high_slice, now, families["change"][0]
            )
            # Judged only when the slice outscores its key: most scorings stop here.
            if slice_score > score and (trust := slice_trust(slice_families["content"][0])) > 0:
                score += (slice_score - score) * trust
                prefix, reason_families, reason_features = PREFIX, slice_families, slice_features
        self._scores.append(score)
        if self._trace is not None:
            self._trace.append((key, now, score))
        if len(self._scores) > 100_000:
            del self._scores[:50_000]
        if score < c.warning_threshold:
            self._population.learn_one(scaled)
            # A key that just changed must not teach its baseline the new behaviour
            # before the change has been judged.
            if families["change"][0] < 0.3:
                self._change.learn_one(state.change_state, scaled)
        self._baseline.learn_one(features)

        if self._summaries is not None:
            templates = state.templates(2.0)
            self._summaries.append(
                KeySummary(
                    key,
                    state.account_id,
                    now,
                    state.first_ts,
                    state.values[COUNTERS * 2],
                    features["requests_per_hour"],
                    templates,
                    both_days(state.ip_bits, IP_PREFIX_BITS),
                    both_days(state.ua_bits),
                    features["reasoning_prompt_share"],
                    features["template_share"],
                    features["output_tokens_mean"],
                    families["harvest"][0],
                    families["content"][0],
                    families["pacing"][0],
                    score,
                    () if templates else state.templates(1.0),
                )
            )
        if state.episode is None:
            state.episode = Episode()
        episode: Episode = state.episode
        was_open = episode.severity is not None
        severity = self._episodes.update(episode, score, now)
        is_open = episode.severity is not None
        if is_open:
            self._hot[key] = score
        elif was_open:
            self._hot.pop(key, None)
        if severity is None:
            return _NO_ALERTS
        self._stats.alerts_by_severity[severity] += 1
        reasons = self._reasons(reason_families, reason_features, scaled, state, prefix)
        alert = Alert(
            alert_id=alert_id(key, DETECTOR, episode.number, severity),
            api_key_id=key,
            account_id=state.account_id,
            ts=format_ts(ts),
            severity=severity,
            score=score,
            detector=DETECTOR,
            reasons=reasons,
        )
        return [alert]

    def _reasons(
        self,
        families: dict[str, Any],
        features: dict[str, float],
        scaled: dict[str, float],
        state: KeyState,
        prefix: str = "",
    ) -> tuple[Reason, ...]:
        """Strongest first; a slice's features are named ``prefix + feature``."""
        reasons: list[Reason] = []
        change_value = families["change"][0]
        if change_value > 0.2 and state.change_state is not None:
            z = self._change.deviations(state.change_state, scaled)
            name = max(z, key=lambda n: (z[n], n))
            own = unscale(name, self._change.baseline(state.change_state, name))
            reasons.append(Reason(name, features[name], own))
        for _, part in self._ensemble.contributions(families):
            if len(reasons) >= MAX_REASONS:
                break
            name = prefix + part.feature
            if any(r.feature == name for r in reasons):
                continue
            reasons.append(Reason(name, part.value, self._baseline.get(part.feature)))
        return tuple(reasons)

    # -- housekeeping ---------------------------------------------------------------------

    def _evict(self, key: str) -> None:
        state = self._keys.pop(key)
        if state.episode is not None and state.episode.severity is not None:
            self._hot.pop(key, None)
        self._stats.keys_expired += 1
        if self._budget is not None:
            self._budget.give()

    def _expire(self) -> None:
        """Forget keys idle past the TTL, whatever their place in the order.

        Keys are roughly in order of last activity, so expired ones sit at the front;
        up to ``EXPIRY_SCAN`` unexpired keys are looked past, so one key whose last
        event is recent (a late or clamped one) cannot shield those behind it.
        """
        self._since_expiry = 0
        horizon = self._max_ts - self.config.key_ttl_seconds
        expired = []
        kept = 0
        for key, state in self._keys.items():
            if state.last_ts < horizon:
                expired.append(key)
            else:
                kept += 1
                if kept > EXPIRY_SCAN:
                    break
        for key in expired:
            self._evict(key)

    # -- read-outs for drivers ----------------------------------------------------------

    @property
    def watermark(self) -> float:
        """Largest event time seen (``-inf`` before the first event); never goes down."""
        return self._max_ts

    @property
    def stats(self) -> EngineStats:
        """Current counters (``state_bytes`` is estimated from a sample of keys)."""
        s = self._stats
        s.keys_tracked = len(self._keys)
        s.anomalous_keys = len(self._hot)
        s.population_warm = self._population.warm
        s.state_bytes = self._estimate_state_bytes()
        return s

    def _estimate_state_bytes(self, sample: int = 32) -> int:
        if not self._keys:
            return 0
        taken = 0
        total = 0
        for key, state in self._keys.items():
            total += sys.getsizeof(key) + key_state_bytes(state)
            taken += 1
            if taken >= sample:
                break
        return int(total / taken * len(self._keys))

    def drain_scores(self) -> list[float]:
        """Scores computed since the last call (for score histograms)."""
        scores, self._scores = self._scores, []
        return scores

    def share_key_budget(self, budget: KeyBudget | None) -> None:
        """Count this engine's keys against one cap shared by the process's engines.

        ``max_keys`` is a cap per process, not per partition: a worker holding eight
        partitions tracks at most ``max_keys`` keys in all. ``None`` detaches (a
        revoked partition's keys leave the budget).
        """
        if self._budget is not None:
            self._budget.give(len(self._keys))
        self._budget = budget
        if budget is not None:
            budget.take(len(self._keys))

    def enable_summaries(self) -> None:
        """Start collecting per-key summaries for a campaign stage (off by default)."""
        if self._summaries is None:
            self._summaries = []

    def drain_summaries(self) -> list[KeySummary]:
        """Per-key summaries of the windows scored since the last call (for the campaign stage)."""
        if not self._summaries:
            return []
        summaries, self._summaries = self._summaries, []
        return summaries

    def enable_trace(self) -> None:
        """Record every (key, event time, score); for analysts' score timelines."""
        if self._trace is None:
            self._trace = []

    def drain_trace(self) -> list[tuple[str, float, float]]:
        """Scored windows since the last call, as (key, event time, score)."""
        if not self._trace:
            return []
        trace, self._trace = self._trace, []
        return trace

    def top_keys(self, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` keys with an open episode and the highest latest score."""
        return heapq.nlargest(k, self._hot.items(), key=lambda item: (item[1], item[0]))

    def key_state(self, api_key_id: str) -> KeyState | None:
        return self._keys.get(api_key_id)

    # -- persistence ----------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """All state as bytes. Restoring it and continuing gives the same alerts as never stopping.

        The format is :mod:`detectors.statecodec`: data only, classes from
        :mod:`detectors.state_classes`; restoring never runs code named in the blob.
        """
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        state = {k: v for k, v in self.__dict__.items() if k not in _DERIVED}
        return statecodec.encode(state, "engine", SNAPSHOT_VERSION)

    @classmethod
    def restore(cls, blob: bytes, config: EngineConfig | None = None) -> Engine:
        """Rebuild an engine from :meth:`snapshot` output.

        Raises :class:`~detectors.statecodec.StateError` (a ``ValueError``) on an old,
        forged or damaged snapshot: start the workers on a new checkpoint topic (or
        delete the old one) and replay the history they need.
        """
        import detectors.state_classes  # noqa: F401  (registers what the state holds)

        state = statecodec.decode(blob, "engine", SNAPSHOT_VERSION)
        if type(state) is not dict or any(type(k) is not str or k in _DERIVED for k in state):
            raise statecodec.StateError("engine snapshot: not an engine's state")
        engine = cls.__new__(cls)
        engine.__dict__.update(state)
        engine.config = config or EngineConfig()
        engine._budget = None
        engine._bind()
        return engine
