"""Policy evaluation: pure, clock-injected decisions about one alert.

:func:`decide` reads nothing but its arguments: the alert, the policy, a
:class:`History` view of what happened before, and ``now`` (processing time,
Unix seconds). The SQLite store implements :class:`History` for production;
:class:`MemoryHistory` implements it for tests and examples.

Two clocks, on purpose: confirmation windows and exemptions follow the
alert's *event* time (what the key did, and when), while cooldowns and the
blast-radius limiter follow *processing* time ``now`` (how many customers we
touch per real hour, even when a backlog of old alerts arrives at once).

The checks run in this order, and the first that applies decides:
duplicate, analyst label benign, allowlisted key, allowlisted account,
exemption, no matching rule, not yet confirmed, ladder exhausted, cooldown,
blast-radius limiter (held), act.

Examples
--------
>>> from pipeline.hook.policy import parse_policy
>>> from pipeline.hook.intake import parse_alert
>>> policy = parse_policy({"policies": [{"name": "p", "confirmations": 2}]})
>>> alert = parse_alert({"alert_id": "a1", "api_key_id": "k", "ts": "2026-10-05T00:00:00Z",
...                      "severity": "critical", "score": 0.9, "detector": "ens"})
>>> history = MemoryHistory()
>>> d = decide(alert, policy, history, now=1_800_000_000.0)
>>> d.outcome, d.reason
('skipped', 'awaiting confirmation: 1 of 2 qualifying alerts within 86400s of event time')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.hook.intake import IncomingAlert
from pipeline.hook.policy import ACTION_STRENGTH, Policy, Rule

__all__ = [
    "HOUR",
    "Decision",
    "History",
    "Label",
    "MemoryHistory",
    "PastAction",
    "SeenAlert",
    "decide",
    "idempotency_key",
]

HOUR = 3600.0


@dataclass(frozen=True)
class SeenAlert:
    """An alert recorded earlier (for confirmations)."""

    alert_id: str
    api_key_id: str
    ts: float
    severity: str
    detector: str
    score: float
    campaign_id: str | None = None


@dataclass(frozen=True)
class PastAction:
    """An action taken (or, in shadow mode, that would have been taken) on a key."""

    action: str
    decided_at: float


@dataclass(frozen=True)
class Label:
    """The latest analyst feedback on a key."""

    label: str  # "benign" | "abuse"
    reason: str = ""


class History(Protocol):
    """What :func:`decide` may know about the past."""

    def seen(self, alert_id: str) -> bool:
        """Whether this alert id was already decided."""
        ...

    def alerts_for_key(self, api_key_id: str, since_ts: float) -> list[SeenAlert]:
        """Earlier alerts on the key with event time >= ``since_ts``."""
        ...

    def actions_for_key(self, api_key_id: str, dry_run: bool) -> list[PastAction]:
        """Actions on the key so far, in the given mode, oldest first."""
        ...

    def actions_since(self, since: float, dry_run: bool) -> int:
        """Number of actions in the given mode decided at or after ``since``."""
        ...

    def holds_since(self, since: float, dry_run: bool) -> int:
        """Number of actions held by the limiter at or after ``since``."""
        ...

    def label(self, api_key_id: str) -> Label | None:
        """The latest analyst label of the key, if any."""
        ...


@dataclass(frozen=True)
class Decision:
    """What to do with one alert, and why (the why goes to the audit log)."""

    outcome: str  # acted | held | shadow-acted | shadow-held | skipped
    reason: str
    rule: str | None = None
    action: str | None = None
    dry_run: bool = True
    page: bool = False  # the limiter just started holding: page a human
    idempotency_key: str | None = None

    @property
    def counts_as_action(self) -> bool:
        """Whether this decision is an action for ladders, cooldowns and the limiter."""
        return self.outcome in ("acted", "shadow-acted")


def idempotency_key(alert_id: str, action: str) -> str:
    """Derive the delivery idempotency key from the alert id and the action.

    Alert ids are deterministic per (key, detector, episode), so re-processing
    the same alerts (a restart, an Alertmanager re-send) yields the same key.

    Examples
    --------
    >>> idempotency_key("a1", "suspend")
    'ed77e081848f64f954d99966775c9119'
    """
    digest = hashlib.sha256(f"distillwatch-hook/v1\x00{alert_id}\x00{action}".encode())
    return digest.hexdigest()[:32]


def decide(alert: IncomingAlert, policy: Policy, history: History, now: float) -> Decision:
    """Decide what the hook does about ``alert`` at processing time ``now``."""
    if history.seen(alert.alert_id):
        return Decision("skipped", "duplicate alert_id: already decided")
    label = history.label(alert.api_key_id)
    if label is not None and label.label == "benign":
        return Decision("skipped", _with_reason("analyst labelled the key benign", label.reason))
    if alert.api_key_id in policy.allow_keys:
        return Decision("skipped", "allowlisted key")
    if alert.account_id is not None and alert.account_id in policy.allow_accounts:
        return Decision("skipped", "allowlisted account")
    for exemption in policy.exemptions:
        if exemption.covers(alert.api_key_id, alert.account_id, alert.ts):
            return Decision("skipped", f"exempt until {exemption.expires_text}: {exemption.reason}")
    rule = policy.rule_for(alert.severity, alert.detector, alert.score, alert.campaign_id)
    if rule is None:
        return Decision(
            "skipped",
            f"no policy matches severity={alert.severity} detector={alert.detector} "
            f"score={alert.score:.3f}",
        )
    confirmed = _confirmation(alert, rule, history, label)
    if confirmed is not None:
        return Decision("skipped", confirmed, rule=rule.name, dry_run=rule.dry_run)
    return _climb(alert, rule, policy, history, now)


def _confirmation(
    alert: IncomingAlert, rule: Rule, history: History, label: Label | None
) -> str | None:
    """Return why the alert is not yet confirmed, or ``None`` when it is."""
    if label is not None and label.label == "abuse":
        return None
    if rule.campaign_confirms and alert.campaign_id:
        return None
    earlier = history.alerts_for_key(alert.api_key_id, alert.ts - rule.window)
    qualifying = 1 + sum(
        1
        for seen in earlier
        if seen.ts <= alert.ts
        and rule.matches(seen.severity, seen.detector, seen.score, seen.campaign_id)
    )
    if qualifying >= rule.confirmations:
        return None
    return (
        f"awaiting confirmation: {qualifying} of {rule.confirmations} qualifying alerts "
        f"within {rule.window:.0f}s of event time"
    )


def _climb(
    alert: IncomingAlert, rule: Rule, policy: Policy, history: History, now: float
) -> Decision:
    """Pick the next rung of the ladder, then apply the cooldown and the limiter."""
    dry = rule.dry_run
    past = history.actions_for_key(alert.api_key_id, dry)
    strongest = max((ACTION_STRENGTH[p.action] for p in past), default=-1)
    action = next((a for a in rule.ladder if ACTION_STRENGTH[a] > strongest), None)
    if action is None:
        top = max(past, key=lambda p: ACTION_STRENGTH[p.action]).action
        return Decision(
            "skipped", f"key already at {top}: nothing stronger on the ladder", rule.name, None, dry
        )
    if past:
        last = past[-1]
        elapsed = now - last.decided_at
        if elapsed < policy.limits.cooldown:
            return Decision(
                "skipped",
                f"cooldown: {last.action} {elapsed:.0f}s ago, "
                f"cooldown {policy.limits.cooldown:.0f}s",
                rule.name,
                action,
                dry,
            )
    key = idempotency_key(alert.alert_id, action)
    taken = history.actions_since(now - HOUR, dry)
    limit = policy.limits.max_actions_per_hour
    if taken >= limit:
        page = history.holds_since(now - HOUR, dry) == 0
        return Decision(
            "shadow-held" if dry else "held",
            f"blast-radius limiter: {taken} actions in the last hour (max {limit})"
            + ("; paging" if page else ""),
            rule.name,
            action,
            dry,
            page=page,
            idempotency_key=key,
        )
    return Decision(
        "shadow-acted" if dry else "acted",
        _confirmed_because(alert, rule),
        rule.name,
        action,
        dry,
        idempotency_key=key,
    )


def _confirmed_because(alert: IncomingAlert, rule: Rule) -> str:
    if rule.campaign_confirms and alert.campaign_id:
        return f"confirmed: member of campaign {alert.campaign_id}"
    return f"confirmed: >= {rule.confirmations} qualifying alerts (policy {rule.name})"


def _with_reason(text: str, reason: str) -> str:
    return f"{text}: {reason}" if reason else text


@dataclass
class MemoryHistory:
    """An in-memory :class:`History` for tests; :meth:`record` mirrors the store."""

    alerts: list[SeenAlert] = field(default_factory=list)
    decisions: list[tuple[float, str, Decision]] = field(default_factory=list)
    labels: dict[str, Label] = field(default_factory=dict)

    def record(self, alert: IncomingAlert, decision: Decision, now: float) -> None:
        """Remember an alert and the decision taken on it."""
        if not self.seen(alert.alert_id):
            self.alerts.append(
                SeenAlert(
                    alert.alert_id,
                    alert.api_key_id,
                    alert.ts,
                    alert.severity,
                    alert.detector,
                    alert.score,
                    alert.campaign_id,
                )
            )
        self.decisions.append((now, alert.api_key_id, decision))

    def seen(self, alert_id: str) -> bool:
        """See :class:`History`."""
        return any(a.alert_id == alert_id for a in self.alerts)

    def alerts_for_key(self, api_key_id: str, since_ts: float) -> list[SeenAlert]:
        """See :class:`History`."""
        return [a for a in self.alerts if a.api_key_id == api_key_id and a.ts >= since_ts]

    def actions_for_key(self, api_key_id: str, dry_run: bool) -> list[PastAction]:
        """See :class:`History`."""
        return [
            PastAction(d.action or "", t)
            for t, k, d in self.decisions
            if k == api_key_id and d.counts_as_action and d.dry_run == dry_run
        ]

    def actions_since(self, since: float, dry_run: bool) -> int:
        """See :class:`History`."""
        return sum(
            1
            for t, _, d in self.decisions
            if t >= since and d.counts_as_action and d.dry_run == dry_run
        )

    def holds_since(self, since: float, dry_run: bool) -> int:
        """See :class:`History`."""
        held = "shadow-held" if dry_run else "held"
        return sum(1 for t, _, d in self.decisions if t >= since and d.outcome == held)

    def label(self, api_key_id: str) -> Label | None:
        """See :class:`History`."""
        return self.labels.get(api_key_id)
