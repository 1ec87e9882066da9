"""The Engine: events in, alerts out; event time only; snapshot/restore of all state.

Every driver (replay, the streaming worker, the demo, the benchmarks) wraps
this class. Per event it de-duplicates, counts the event into its key's open
window and, when the key's evidence may have become decisive (its window
closed, or it just reached one of a few request counts), scores the key.

:meth:`Engine.process` is the reference. Where the compiled module is loaded
(:mod:`detectors.native`), each engine binds its compiled per-event step
(``native/src/engine.rs``, ``HotPath``) as ``engine.process``: it reads and writes
the same objects through their public names (``watermark``, ``since_expiry``,
``thresholds``, the key table, the states' arrays), calls back into this class to
open states, score and expire, and hands every event it is not sure about to
:meth:`Engine.process`. Results are identical (tests/unit/test_native_engine.py).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Any

from detectors import statecodec
from detectors.alerts import Alert, Episode, EpisodeTracker, alert_id
from detectors.attributes import AttributeIndex
from detectors.clock import EARLY, LATE, EventClock
from detectors.config import EngineConfig
from detectors.dedup import RecentIds
from detectors.engine.emitted import NOTHING, Emitted, Scored
from detectors.engine.explain import reasons
from detectors.engine.keytable import KeyTable
from detectors.engine.scoring import Scorer, Verdict
from detectors.engine.succession import Succession
from detectors.engine.summary import summary_of
from detectors.events import Event, format_ts
from detectors.fingerprints import fingerprint_fields, word_key
from detectors.keybudget import KeyBudget
from detectors.native import NATIVE
from detectors.state import layout as L
from detectors.state.keystate import KeyState, harvest_like
from detectors.state.observe import delivered
from detectors.state.prompt_memory import (
    PromptMemory,
    in_context,
    key_hash,
    keyed_exact,
    prompt_salt,
)
from detectors.state.slices import PREFIX, wants_slice
from detectors.summaries import KeySummary
from detectors.wording import summarize

__all__ = ["DETECTOR", "MILESTONES", "Engine", "EngineStats"]

DETECTOR = "extraction_ensemble"
# 4: detectors/statecodec.py instead of pickle (nothing read can execute).
# 5: request ids de-duplicated by a 64-bit BLAKE2b hash (was two CRC-32s: 32 bits).
# 6: evidence families and population scales (detectors/evidence), typed-array key state.
# 7: the watermark and the expiry counter under public names (the compiled step's).
# 8: keys in a KeyTable (detectors/engine/keytable.py); a leaner key state (25 counters).
# 9: answers weighted by delivered output (W2), keyed prompt hashes.
# 10: recurring context sizes, keyed word hashes.
# 11: item identities after a shorter prompt sketch in ``items``.
# 12: the accounts' latest keys (detectors/engine/succession.py).
SNAPSHOT_VERSION = 12
#: Request counts at which a key is scored at once, whatever its window: a heavy
#: harvester is judged minutes after it starts, a drip harvester after a few requests.
MILESTONES = frozenset({6, 10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512})
EXPIRY_EVERY = 4096
_NOT_SEEN = (False, False)
# Attributes rebuilt from config on restore (see ``Engine._bind``), never saved.
_DERIVED = frozenset(
    {
        "config", "_settings", "_seen", "_clock", "_budget", "hot_path", "process", "_keys",
        "_salt", "_word_key",
    }
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
    prompt_key
        The deployment's secret for prompt hashes (:func:`keyed_exact
        <detectors.state.prompt_memory.keyed_exact>`): without it an attacker who
        reads this code can choose which of its prompts the repeat sketch tracks.
        Never saved in snapshots; the same on every worker of a deployment. The
        default (empty) is public: set ``DISTILLWATCH_PROMPT_HASH_KEY``.

    Examples
    --------
    >>> from detectors.events import Event
    >>> engine = Engine()
    >>> engine.process(Event(1_791_000_000.0, "key-1", 20, 800, request_id="r1"))
    Emitted(alerts=(), scores=(), summaries=())
    >>> engine.process(Event(1_791_000_001.0, "key-1", 20, 800, request_id="r1"))  # retry
    Emitted(alerts=(), scores=(), summaries=())
    >>> engine.stats.events_valid, engine.stats.events_duplicate
    (1, 1)
    """

    def __init__(self, config: EngineConfig | None = None, prompt_key: str = "") -> None:
        self.config = config or EngineConfig()
        self._salt = prompt_salt(prompt_key)
        self._word_key = word_key(self._salt)
        c = self.config
        self._table = KeyTable(c.max_keys, c.key_ttl_seconds)
        self._recent_ids = RecentIds(c.dedup_capacity)
        #: Largest event time seen (``-inf`` before the first event); never goes down.
        self.watermark = -math.inf
        self._scorer = Scorer(population_warmup=c.population_warmup)
        self._episodes = EpisodeTracker(
            c.warning_threshold, c.critical_threshold, c.recover_threshold, c.recovery_seconds
        )
        self._attributes = AttributeIndex()
        self._prompts = PromptMemory(c.prompt_memory_bits)
        self._succession = Succession()
        self._hot: dict[str, float] = {}
        #: Whether scorings also emit the key's campaign summary (``enable_summaries``).
        self.summaries = False
        #: Events since the last expiry pass (one every ``EXPIRY_EVERY``).
        self.since_expiry = 0
        self._stats = EngineStats()
        #: (event time, events_valid) of the last early event (detectors/clock.py)
        self._early: tuple[float, int] | None = None
        self._budget: KeyBudget | None = None
        self._bind()

    # -- the per-event step -------------------------------------------------------------

    def process(self, event: Event) -> Emitted:
        """Feed one valid event; return what it caused (usually :data:`NOTHING`)."""
        stats = self._stats
        if event.request_id is not None and self._seen(event.api_key_id, event.request_id):
            stats.events_duplicate += 1
            return NOTHING
        stats.events_valid += 1
        lateness, full_events, stride, skew = self._settings
        ts = event.ts
        max_ts = self.watermark
        if max_ts - lateness <= ts <= max_ts + skew:
            if ts > max_ts:
                self.watermark = ts
        else:  # the first event, a late or an early one: the clock rule decides
            event = self._place(event)
            ts = event.ts
        key = event.api_key_id
        state = self._keys.get(key)
        emitted = NOTHING
        if state is None or ts >= state.times[L.WINDOW_END]:
            state, emitted = self._open_state(key, state, ts, event.account_id)
        if event.account_id is not None:
            state.account_id = event.account_id
        fp = None
        seen = _NOT_SEEN
        if event.prompt_text is not None:
            taken = int(state.times[L.WINDOW_EVENTS]) - full_events
            if taken < 0 or taken % stride == 0:
                signature, items, cues, exact, tokens = fingerprint_fields(
                    event.prompt_text, self._word_key
                )
                exact = keyed_exact(exact, self._salt)
                # "Shared" means another customer sent it: keys of one account (key
                # rotation, a team's keys) do not vouch for each other's prompts.
                owner = key if event.account_id is None else event.account_id
                answer = delivered(event.completion_tokens, event.reasoning_tokens) / event.n
                seen = self._prompts.observe(key_hash(owner), exact, answer)
                if event.system_prompt_hash is not None:
                    # The key's own repeats are read in the context of its system prompt.
                    exact = in_context(exact, event.system_prompt_hash, self._salt)
                fp = (signature, items, cues, exact, tokens)
        index = self._attributes
        ip, agent, model = (
            index.ip(event.client_ip),
            index.text(event.user_agent),
            index.text(event.model),
        )
        hit = harvest_like(
            event.prompt_tokens,
            event.completion_tokens,
            event.reasoning_tokens,
            event.n,
            self._scorer.thresholds,
        )
        state.add(event, fp, ip, agent, model, seen, hit)
        if hit and state.slice is not None:
            state.slice.add(event, fp, ip, agent, model, seen, hit)
        if int(state.times[L.TOTAL]) in MILESTONES and not emitted:
            emitted = self._score(key, state, max(ts, state.last_ts), ts)
        self.since_expiry += 1
        if self.since_expiry >= EXPIRY_EVERY:
            self._expire()
        return emitted

    def _place(self, event: Event) -> Event:
        """Put an event outside the usual band on the partition's clock (detectors/clock.py)."""
        stats = self._stats
        early = self._early
        previous = early[0] if early is not None and early[1] == stats.events_valid - 1 else None
        self.watermark, ts, verdict = self._clock.place(self.watermark, event.ts, previous)
        if verdict == LATE:
            stats.events_late += 1
        elif verdict == EARLY:
            stats.events_early += 1
            self._early = (event.ts, stats.events_valid)
            return event._replace(ts=ts)
        return event

    def _open_state(
        self, key: str, state: KeyState | None, ts: float, account: str | None = None
    ) -> tuple[KeyState, Emitted]:
        """A new key's state, or the key's window closed (and maybe scored) before ``ts``.
        A new key may carry on its account's young key (:mod:`~detectors.engine.succession`):
        that key's window and history, judged at once under the new key when high."""
        if state is not None:
            return state, self._close_window(key, state, ts)
        table = self._table
        state = table.open(key, ts, self.config.window_seconds)
        if self._scorer.start is None:
            self._scorer.start = ts
        budget = self._budget
        if budget is None:
            if table.over_cap():
                self._evict(table.oldest())
        elif budget.take() and len(table) > 1:  # over the process's one cap
            self._evict(table.oldest())
        emitted = NOTHING
        if account is not None and self._succession.opened(account, key, state, self._keys, ts):
            state.account_id = account
            times = state.times
            if ts >= times[L.WINDOW_END]:
                emitted = self._close_window(key, state, ts)
            if times[L.SCORED_TS] < ts and times[L.LAST_SCORE] >= self.config.warning_threshold:
                emitted = emitted.plus(self._score(key, state, ts, ts))
        return state, emitted

    def _bind(self) -> None:
        """Shortcuts derived from config and state (rebuilt on restore, never saved)."""
        c = self.config
        lateness, skew = c.allowed_lateness_seconds, c.allowed_skew_seconds
        self._settings = (lateness, c.content_full_events, c.content_stride, skew)
        self._clock = EventClock(skew, lateness)
        self._seen = self._recent_ids.seen
        self._table.max_keys, self._table.ttl_seconds = c.max_keys, c.key_ttl_seconds
        #: The key states (the table's, looked up directly on the per-event path).
        self._keys = self._table.states
        #: The compiled per-event step (``native/src/engine.rs``), or None.
        self.hot_path: Any = None
        self.__dict__.pop("process", None)
        if NATIVE is not None:
            # The compiled step (see the module docstring); ``Engine.process`` stays the
            # reference it falls back to.
            self.hot_path = NATIVE.HotPath(
                self,
                (Engine.process.__get__(self), self._open_state, self._score, self._expire),
                (self._keys, self._recent_ids.ids, self._prompts, self._stats),
                (
                    lateness,
                    c.content_full_events,
                    c.content_stride,
                    skew,
                    self._salt,
                    self._word_key,
                ),
                Event,
                NOTHING,
            )
            self.process = self.hot_path.process  # type: ignore[method-assign]

    # -- windows and scoring ------------------------------------------------------------

    def _close_window(self, key: str, state: KeyState, ts: float) -> Emitted:
        c = self.config
        times = state.times
        window_end = times[L.WINDOW_END]
        events = times[L.WINDOW_EVENTS]
        state.fold(window_end)
        sliced = state.slice
        if sliced is not None:
            sliced.fold(window_end)
            sliced.open_window(ts, c.window_seconds)
        elif wants_slice(state):
            state.slice = KeyState(ts, c.window_seconds)
        self._stats.windows_folded += 1
        state.open_window(ts, c.window_seconds)
        self._table.touch(key)
        since = window_end - times[L.SCORED_TS]
        # Busy keys are scored every score_interval, every window while their score is up
        # (an episode may be about to open or escalate), quiet keys hourly.
        interval = (
            c.window_seconds
            if times[L.LAST_SCORE] >= c.recover_threshold
            else c.score_interval_seconds
        )
        due = (events >= c.min_window_events and since >= interval) or (
            events > 0 and since >= c.idle_score_seconds
        )
        if not due:
            return NOTHING
        return self._score(key, state, window_end, ts)

    def evaluate(self, key: str, now: float) -> Verdict | None:
        """The verdict on ``key`` at event time ``now`` (read-only; for analysts and tests)."""
        state = self._keys.get(key)
        return None if state is None else self._scorer.evaluate(state, now)

    def _score(self, key: str, state: KeyState, now: float, ts: float) -> Emitted:
        c = self.config
        state.times[L.SCORED_TS] = now
        self._stats.windows_scored += 1
        scorer = self._scorer
        # Without the families' parts: they only name an alert's reasons, and most
        # scorings raise none (the verdict is made again with them below when one does).
        verdict = scorer.evaluate(state, now, explain=False)
        score = verdict.score
        if now - state.first_ts < c.key_warmup_seconds:
            score = min(score, c.recover_threshold * 0.99)
        state.times[L.LAST_SCORE] = score
        evidence = tuple((e.family, e.value) for e in verdict.families)
        horizon = "slice" if verdict.sliced else verdict.horizon
        scored = (
            Scored(key, now, score, verdict.total, horizon,
                   (*evidence, ("support", verdict.support_added))),
        )  # fmt: skip
        summaries: tuple[KeySummary, ...] = ()
        if self.summaries:
            first_seen = self._succession.first_seen(key, state)
            summaries = (summary_of(key, state, verdict, now, first_seen),)
        if state.episode is None:
            state.episode = Episode()
        episode: Episode = state.episode
        was_open = episode.severity is not None
        severity = self._episodes.update(episode, score, now)
        if episode.severity is not None:
            self._hot[key] = score
        elif was_open:
            self._hot.pop(key, None)
        if severity is not None:
            # The same verdict with its parts: read before learn() and remember() change
            # what evaluate() reads (the scales, the key's ELEVATED_SINCE), as the first
            # was; nothing else it reads has changed since (LAST_SCORE it never reads).
            verdict = scorer.evaluate(state, now)
        # The episode does not depend on these two, nor they on it: run after it, so the
        # verdict above can still be made again exactly.
        scorer.learn(state, verdict, now)
        scorer.remember(state, verdict, now)
        if severity is None:
            return Emitted((), scored, summaries)
        self._stats.alerts_by_severity[severity] += 1
        prefix = PREFIX if verdict.sliced else ""
        why = reasons(verdict, prefix, self._scorer.combiner)
        alert = Alert(
            alert_id=alert_id(key, DETECTOR, episode.number, severity),
            api_key_id=key,
            account_id=state.account_id,
            ts=format_ts(ts),
            severity=severity,
            score=score,
            detector=DETECTOR,
            reasons=why,
            summary=summarize(severity, score, why),
        )
        return Emitted((alert,), scored, summaries)

    # -- housekeeping ---------------------------------------------------------------------

    def _evict(self, key: str) -> None:
        state = self._table.remove(key)
        self._succession.forget(state.account_id, key)
        if state.episode is not None and state.episode.severity is not None:
            self._hot.pop(key, None)
        self._stats.keys_expired += 1
        if self._budget is not None:
            self._budget.give()

    def _expire(self) -> None:
        """Forget keys idle past the TTL (:meth:`KeyTable.expired`)."""
        self.since_expiry = 0
        for key in self._table.expired(self.watermark):
            self._evict(key)

    # -- read-outs for drivers ----------------------------------------------------------

    @property
    def thresholds(self) -> tuple[float, float]:
        """From which one request is harvest-like (the scorer's, moved by its lessons)."""
        return self._scorer.thresholds

    @property
    def stats(self) -> EngineStats:
        """Current counters (``state_bytes`` is estimated from a sample of keys)."""
        s = self._stats
        s.keys_tracked = len(self._keys)
        s.anomalous_keys = len(self._hot)
        s.population_warm = self._scorer.scales.answer.warm
        s.state_bytes = self._table.estimate_bytes()
        return s

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
        """Make every scoring also emit the key's campaign summary (off by default)."""
        self.summaries = True

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
    def restore(
        cls, blob: bytes, config: EngineConfig | None = None, prompt_key: str = ""
    ) -> Engine:
        """Rebuild an engine from :meth:`snapshot` output (``prompt_key`` as saved with).

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
        engine._salt = prompt_salt(prompt_key)
        engine._word_key = word_key(engine._salt)
        engine._budget = None
        engine._bind()
        return engine
