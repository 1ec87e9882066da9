"""Per-key outcomes: was the key alerted, when, and was that in time.

An alert counts for an abusive key only at or after the key's attack start
(earlier alerts on that key are false positives: the key was still behaving).
A benign key with any alert is a false positive.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipeline.evaluate.inputs import EventIndex
from pipeline.evaluate.records import (
    ABUSE,
    LEVELS,
    AlertRecord,
    LabelRecord,
    at_or_above,
    severity_rank,
)


@dataclass(frozen=True, slots=True)
class LevelOutcome:
    """A key's outcome at one severity level (warning-or-above, or critical).

    Attributes
    ----------
    alerted
        The key has any alert at this level (a "positive" for precision).
    detected
        Abusive key with an alert at this level at/after its attack start.
    first_ts
        Event time of the first such alert.
    ttd_minutes
        Minutes of event time from the start of abuse to ``first_ts`` (``None``
        when the start is unknown: no ``attack_start`` and no events file).
    requests_before
        Requests the key sent from the start of abuse up to and including the
        alert's event time (``None`` without an events file).
    """

    alerted: bool
    detected: bool
    first_ts: float | None = None
    ttd_minutes: float | None = None
    requests_before: int | None = None


@dataclass(frozen=True, slots=True)
class KeyOutcome:
    """Everything the evaluation knows about one labelled key.

    Attributes
    ----------
    active
        The key sent at least one request (abusive: at/after its attack start);
        ``None`` without an events file.
    served
        Per level, the share of the attacker's requests (from the attack start)
        served up to its first alert at that level; 1.0 when never detected;
        ``None`` without events or without attacker requests.
    peak_hour
        Most attacker requests within any 60 minutes (``None`` without events).
    top_alert
        The alert that best explains the outcome: for an abusive key its highest
        scoring alert at/after the attack start (else any alert), for a benign key
        its most severe, highest scoring alert; ``None`` when the key has none.
    """

    label: LabelRecord
    start: float | None
    levels: dict[str, LevelOutcome]
    alerts: int
    alerts_before_start: int
    attacker_requests: int | None
    active: bool | None = None
    served: dict[str, float | None] = field(default_factory=dict)
    peak_hour: int | None = None
    top_alert: AlertRecord | None = None

    @property
    def is_abuse(self) -> bool:
        """Whether the key is labelled abusive."""
        return self.label.label == ABUSE


def alerts_by_key(alerts: Iterable[AlertRecord]) -> dict[str, list[AlertRecord]]:
    """Group alerts per key, each list in event-time order (ties by alert id)."""
    grouped: dict[str, list[AlertRecord]] = defaultdict(list)
    for alert in alerts:
        grouped[alert.api_key_id].append(alert)
    for items in grouped.values():
        items.sort(key=lambda alert: (alert.ts, alert.alert_id))
    return dict(grouped)


def abuse_start(label: LabelRecord, events: EventIndex | None) -> float | None:
    """When abuse starts: ``attack_start``, else the key's first event, else unknown."""
    if label.attack_start is not None:
        return label.attack_start
    if events is not None:
        return events.first_ts(label.api_key_id)
    return None


def qualifies(alert_ts: float, label: LabelRecord) -> bool:
    """Whether an alert at ``alert_ts`` is a true detection of ``label``'s key.

    >>> qualifies(5.0, LabelRecord("k", "abuse", "s", attack_start=10.0))
    False
    >>> qualifies(10.0, LabelRecord("k", "abuse", "s", attack_start=10.0))
    True
    >>> qualifies(99.0, LabelRecord("k", "benign", "s"))
    False
    """
    if label.label != ABUSE:
        return False
    return label.attack_start is None or alert_ts >= label.attack_start


def _count_between(times: list[float], start: float, end: float) -> int:
    return bisect_right(times, end) - bisect_left(times, start)


def peak_hour(times: list[float], start: float) -> int:
    """Most requests in any 60 minutes at/after ``start`` (``times`` sorted).

    >>> peak_hour([0.0, 10.0, 3599.0, 3600.0, 7300.0], 5.0)
    3
    """
    first = bisect_left(times, start)
    best = 0
    low = first
    for high in range(first, len(times)):
        while times[high] - times[low] >= 3600.0:
            low += 1
        best = max(best, high - low + 1)
    return best


def _top_alert(label: LabelRecord, alerts: list[AlertRecord]) -> AlertRecord | None:
    if not alerts:
        return None
    if label.label == ABUSE:
        hits = [alert for alert in alerts if qualifies(alert.ts, label)] or alerts
        return max(hits, key=lambda a: (a.score, severity_rank(a.severity), -a.ts))
    return max(alerts, key=lambda a: (severity_rank(a.severity), a.score, -a.ts))


def key_outcome(
    label: LabelRecord, alerts: list[AlertRecord], events: EventIndex | None
) -> KeyOutcome:
    """Outcome of one key given its alerts (time-ordered) and, optionally, its events."""
    start = abuse_start(label, events) if label.label == ABUSE else None
    times = events.times.get(label.api_key_id, []) if events is not None else None
    levels: dict[str, LevelOutcome] = {}
    for level in LEVELS:
        at_level = [alert for alert in alerts if at_or_above(alert.severity, level)]
        hits = [alert for alert in at_level if qualifies(alert.ts, label)]
        if not hits:
            levels[level] = LevelOutcome(alerted=bool(at_level), detected=False)
            continue
        first = hits[0].ts
        ttd = None if start is None else round(max(first - start, 0.0) / 60.0, 6)
        before = None
        if times is not None and start is not None:
            before = _count_between(times, start, first)
        levels[level] = LevelOutcome(True, True, first, ttd, before)
    early = 0
    if label.label == ABUSE:
        early = sum(1 for alert in alerts if not qualifies(alert.ts, label))
    attacker_requests = None
    if label.label == ABUSE and times is not None and start is not None:
        attacker_requests = len(times) - bisect_left(times, start)
    active: bool | None = None
    served: dict[str, float | None] = dict.fromkeys(LEVELS)
    peak = None
    if events is not None:
        if label.label == ABUSE:
            active = bool(attacker_requests)
        else:
            active = label.api_key_id in events.active
    if attacker_requests and times is not None and start is not None:
        peak = peak_hour(times, start)
        for level in LEVELS:
            lv = levels[level]
            before = lv.requests_before if lv.detected else attacker_requests
            served[level] = round((before or 0) / attacker_requests, 6)
    return KeyOutcome(
        label, start, levels, len(alerts), early, attacker_requests, active, served, peak,
        _top_alert(label, alerts),
    )  # fmt: skip


def key_outcomes(
    labels: Mapping[str, LabelRecord],
    alerts: Iterable[AlertRecord],
    events: EventIndex | None = None,
) -> dict[str, KeyOutcome]:
    """Outcome of every labelled key, keyed by ``api_key_id`` in sorted order."""
    grouped = alerts_by_key(alerts)
    return {key: key_outcome(labels[key], grouped.get(key, []), events) for key in sorted(labels)}


def unlabelled(labels: Mapping[str, LabelRecord], alerts: Iterable[AlertRecord]) -> dict[str, int]:
    """Alerts on keys the labels do not know (left out of precision and recall).

    >>> unlabelled({}, [AlertRecord("a", "k", 0.0, "warning", 0.5, "d")])
    {'keys': 1, 'alerts': 1}
    """
    keys: set[str] = set()
    count = 0
    for alert in alerts:
        if alert.api_key_id not in labels:
            keys.add(alert.api_key_id)
            count += 1
    return {"keys": len(keys), "alerts": count}
