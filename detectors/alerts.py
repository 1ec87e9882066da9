"""Alerts (ALERTS.md v1) and episodes: when a key is alerted, and under which id.

An episode is one continuous stretch of anomalous behaviour of a key. It opens
when the score crosses the warning threshold, may escalate once to critical, and
closes after the score has stayed under the recovery threshold for a while (event
time). One alert per (episode, severity), with an id derived from key, detector,
episode number and severity, so re-processing the same input gives the same ids
and consumers can de-duplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["Alert", "Episode", "EpisodeTracker", "Reason", "alert_id"]

SEVERITY_RANK = {None: 0, "warning": 1, "critical": 2}


def _round(value: float) -> float:
    # Fixed precision keeps alerts.jsonl byte-identical across platforms' float printing.
    return round(float(value), 4)


@dataclass(frozen=True)
class Reason:
    """One feature behind an alert: the key's value and the baseline it is compared with."""

    feature: str
    value: float
    baseline: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": _round(self.value),
            "baseline": _round(self.baseline),
        }


@dataclass(frozen=True)
class Alert:
    """One alert object, identical in every output (topic, alerts.jsonl, hook body)."""

    alert_id: str
    api_key_id: str
    account_id: str | None
    ts: str
    severity: str
    score: float
    detector: str
    reasons: tuple[Reason, ...]
    campaign_id: str | None = None
    related_keys: tuple[str, ...] = field(default_factory=tuple)
    #: The reasons in one or two plain sentences (``detectors.wording.summarize``).
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Fields in ALERTS.md order; ``summary`` and the campaign fields only when set."""
        out: dict[str, Any] = {
            "alert_id": self.alert_id,
            "api_key_id": self.api_key_id,
            "account_id": self.account_id,
            "ts": self.ts,
            "severity": self.severity,
            "score": _round(self.score),
            "detector": self.detector,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        if self.summary:
            out["summary"] = self.summary
        if self.campaign_id is not None:
            out["campaign_id"] = self.campaign_id
            out["related_keys"] = list(self.related_keys)
        return out

    def to_json(self) -> bytes:
        """One line of JSON (no trailing newline)."""
        return orjson.dumps(self.to_dict())


def alert_id(api_key_id: str, detector: str, episode: int, severity: str) -> str:
    """Deterministic id for one (key, detector, episode, severity).

    Severity is part of the id: an escalation inside an episode is a new alert that
    de-duplicating consumers must not drop.

    Examples
    --------
    >>> alert_id("k1", "extraction_ensemble", 1, "critical") == alert_id(
    ...     "k1", "extraction_ensemble", 1, "critical")
    True
    >>> len(alert_id("k1", "extraction_ensemble", 1, "warning"))
    32
    """
    raw = "\x1f".join((api_key_id, detector, str(episode), severity)).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:32]


class Episode:
    """Episode state of one key: a few slots."""

    __slots__ = ("calm_since", "number", "opened", "peak_score", "severity")

    def __init__(self) -> None:
        self.number = 0
        self.severity: str | None = None
        self.calm_since: float | None = None
        self.peak_score = 0.0
        #: Event time the open episode began (inf while none is open).
        self.opened = float("inf")


class EpisodeTracker:
    """Decide whether a new score opens, escalates or closes an episode.

    Parameters
    ----------
    warning, critical
        Score thresholds for the two severities.
    recover
        Below this score a key counts as calm.
    recovery_seconds
        Event time a key must stay calm before its episode closes.

    Examples
    --------
    >>> tracker = EpisodeTracker(0.6, 0.85, 0.4, 3600)
    >>> ep = Episode()
    >>> [tracker.update(ep, s, t) for s, t in [(0.7, 0), (0.9, 60), (0.95, 120), (0.1, 180),
    ...                                         (0.1, 4000), (0.7, 4100)]]
    ['warning', 'critical', None, None, None, 'warning']
    >>> ep.number
    2
    """

    def __init__(
        self, warning: float, critical: float, recover: float, recovery_seconds: float
    ) -> None:
        self.warning = warning
        self.critical = critical
        self.recover = recover
        self.recovery_seconds = recovery_seconds

    def severity_of(self, score: float) -> str | None:
        if score >= self.critical:
            return "critical"
        if score >= self.warning:
            return "warning"
        return None

    def update(self, episode: Episode, score: float, ts: float) -> str | None:
        """Apply one score; return the severity to alert at, or None."""
        calm_since = episode.calm_since
        if calm_since is not None and ts - calm_since >= self.recovery_seconds:
            # Calm, then silent (a key is scored only when it has traffic): it has
            # recovered, whatever this score says; a high one opens a new episode.
            episode.severity = None
            episode.calm_since = None
            episode.opened = float("inf")
        severity = self.severity_of(score)
        if episode.severity is None:
            if severity is None:
                return None
            episode.number += 1
            episode.severity = severity
            episode.calm_since = None
            episode.peak_score = score
            episode.opened = ts
            return severity
        episode.peak_score = max(episode.peak_score, score)
        if score < self.recover:
            if episode.calm_since is None:
                episode.calm_since = ts
            return None
        episode.calm_since = None
        if SEVERITY_RANK[severity] > SEVERITY_RANK[episode.severity]:
            episode.severity = severity
            return severity
        return None
