"""The summary of a key that the campaign stage reads, made when the key is scored."""

from __future__ import annotations

from detectors.engine.scoring import Verdict
from detectors.state import layout as L
from detectors.state.keystate import KeyState
from detectors.summaries import KeySummary

__all__ = ["summary_of"]


def summary_of(
    key: str, state: KeyState, verdict: Verdict, now: float, first_seen: float
) -> KeySummary:
    """``key``'s :class:`~detectors.summaries.KeySummary` at event time ``now``: what its
    state shows (frames, topics, item identities, addresses, clients, active hours), what
    its verdict found (total, family evidence, timing support, score), and when the key
    itself was ``first_seen`` (its state may carry a chain of its account's keys)."""
    families = {e.family: e.value for e in verdict.families}
    frames = state.frames(2.0)
    times = state.times
    day = verdict.day
    return KeySummary(
        key,
        state.account_id,
        now,
        first_seen,
        times[L.ACCOUNT_CREATED],
        day.n,
        day.n / max(min(now - state.first_ts, 86400.0) / 3600.0, 1.0),
        frames,
        () if frames else state.frames(1.0),
        state.bitmap(L.TOPIC_TODAY, L.TOPIC_YESTERDAY, L.TOPIC_WORDS),
        state.identities(),
        state.bitmap(L.IP_TODAY, L.IP_YESTERDAY, L.IP_WORDS),
        state.bitmap(L.UA_TODAY, L.UA_YESTERDAY),
        int(times[L.ACTIVE_MASK]),
        verdict.total,
        families.get("yield", 0.0),
        families.get("elicitation", 0.0),
        families.get("coverage", 0.0),
        families.get("structure", 0.0),
        families.get("quantity", 0.0),
        verdict.support.timing,
        verdict.score,
    )
