"""Intake: validate an alert, decide, and commit audit + outbox in one transaction.

:class:`Processor` is what both inputs (the Kafka consumer and the
Alertmanager receiver) call. It returns only after everything it decided is
durable, so the caller may then commit its Kafka offset or answer 200.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.hook import audit, outbox
from pipeline.hook.decide import Decision, decide, idempotency_key
from pipeline.hook.intake import AlertRejected, IncomingAlert, decode_alerts, parse_alert
from pipeline.hook.metrics import HookMetrics
from pipeline.hook.policy import Policy
from pipeline.hook.store import Store

__all__ = ["HandleResult", "Processor", "action_body"]


@dataclass
class HandleResult:
    """What happened to one input (a record value or a webhook payload)."""

    decisions: list[Decision] = field(default_factory=list)
    rejected: list[AlertRejected] = field(default_factory=list)
    enqueued: int = 0

    @property
    def duplicates(self) -> int:
        """How many alerts were already decided before."""
        return sum(1 for d in self.decisions if d.reason.startswith("duplicate"))


def alert_summary(raw: Mapping[str, Any]) -> str:
    """The alert's plain-language summary; worded from its reasons for alerts without one."""
    summary = raw.get("summary")
    if isinstance(summary, str) and summary:
        return summary[:1000]
    from detectors.wording import Reason, summarize

    reasons = raw.get("reasons")
    items = (
        [Reason.from_mapping(r) for r in reasons if isinstance(r, Mapping)]
        if isinstance(reasons, list)
        else []
    )
    score = raw.get("score")
    related = raw.get("related_keys")
    return summarize(
        str(raw.get("severity", "")),
        float(score) if isinstance(score, int | float) else 0.0,
        items,
        raw.get("campaign_id") if isinstance(raw.get("campaign_id"), str) else None,
        len(related) if isinstance(related, list) else 0,
    )


def action_body(alert: IncomingAlert, decision: Decision, decided_at: str) -> bytes:
    """The JSON body POSTed to the provider for an action (fixed at decision time)."""
    return orjson.dumps(
        {
            "version": 1,
            "kind": "action",
            "idempotency_key": decision.idempotency_key,
            "action": decision.action,
            "api_key_id": alert.api_key_id,
            "account_id": alert.account_id,
            "policy": decision.rule,
            "reason": decision.reason,
            "decided_at": decided_at,
            "alert": dict(alert.raw),
        },
        option=orjson.OPT_SORT_KEYS,
    )


class Processor:
    """Thread-safe intake bound to one policy and one database."""

    def __init__(
        self,
        policy: Policy,
        db_path: str | Path,
        metrics: HookMetrics,
        clock: Callable[[], float],
        *,
        after_outbox_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.policy = policy
        self.metrics = metrics
        self.clock = clock
        # Called with the number of rows just committed; the CLI uses it to
        # wake the delivery thread (and the crash test to die at that point).
        self.after_outbox_commit = after_outbox_commit
        self._store = Store(db_path, shared=True)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._store.close()

    def handle_bytes(self, data: bytes, source: str) -> HandleResult:
        """Decode a record value (an alert object or an array of them) and handle it."""
        try:
            objects = decode_alerts(data)
        except AlertRejected as exc:
            self.reject(exc, source, data)
            return HandleResult(rejected=[exc])
        return self.handle_objects(objects, source, raw=data)

    def reject(self, exc: AlertRejected, source: str, raw: bytes) -> None:
        """Keep an input that is not an alert, with the reason, and audit it."""
        with self._lock, self._store.transaction() as conn:
            self._reject(conn, exc, source, raw)

    def handle_objects(
        self, objects: Iterable[object], source: str, raw: bytes | None = None
    ) -> HandleResult:
        """Validate and decide each alert object; all of it commits in one transaction."""
        result = HandleResult()
        source_kind = source.split(":", 1)[0]
        with self._lock:
            with self._store.transaction() as conn:
                for index, obj in enumerate(objects):
                    self.metrics.alerts_received.labels(source=source_kind).inc()
                    try:
                        alert = parse_alert(obj)
                    except AlertRejected as exc:
                        # Keep the offending object itself, not the whole batch.
                        self._reject(conn, exc, f"{source}#{index}", _dump(obj, raw))
                        result.rejected.append(exc)
                        continue
                    decision, queued = self._decide_one(conn, alert, source)
                    result.decisions.append(decision)
                    result.enqueued += queued
            for decision in result.decisions:
                self.metrics.decisions.labels(outcome=decision.outcome).inc()
                if decision.counts_as_action:
                    mode = "shadow" if decision.dry_run else "enforce"
                    self.metrics.actions.labels(action=decision.action, mode=mode).inc()
                if decision.outcome in ("held", "shadow-held"):
                    mode = "shadow" if decision.dry_run else "enforce"
                    self.metrics.limiter_holds.labels(mode=mode).inc()
        if result.enqueued and self.after_outbox_commit is not None:
            self.after_outbox_commit(result.enqueued)
        return result

    def _decide_one(
        self, conn: sqlite3.Connection, alert: IncomingAlert, source: str
    ) -> tuple[Decision, int]:
        now = self.clock()
        decision = decide(alert, self.policy, self._store, now)
        duplicate = decision.reason.startswith("duplicate")
        if not duplicate:
            conn.execute(
                "INSERT INTO alerts_seen (alert_id, api_key_id, ts, severity, detector, score,"
                " campaign_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.alert_id,
                    alert.api_key_id,
                    alert.ts,
                    alert.severity,
                    alert.detector,
                    alert.score,
                    alert.campaign_id,
                    now,
                ),
            )
            conn.execute(
                "INSERT OR IGNORE INTO alert_summaries (alert_id, summary) VALUES (?, ?)",
                (alert.alert_id, alert_summary(alert.raw)),
            )
        queued = 0
        outbox_id: int | None = None
        decided_at = audit.rfc3339(now)
        if not decision.dry_run and decision.outcome in ("acted", "held"):
            assert decision.idempotency_key is not None and decision.action is not None
            outbox_id = outbox.enqueue(
                conn,
                idempotency_key=decision.idempotency_key,
                target="action",
                body=action_body(alert, decision, decided_at),
                status="pending" if decision.outcome == "acted" else "held",
                now=now,
                alert_id=alert.alert_id,
                api_key_id=alert.api_key_id,
                action=decision.action,
            )
            queued += int(decision.outcome == "acted" and outbox_id is not None)
        if decision.page and not decision.dry_run and self.policy.delivery.page_url:
            page_id = outbox.enqueue(
                conn,
                idempotency_key=idempotency_key(alert.alert_id, "page"),
                target="page",
                body=_page_body(alert, decision, decided_at, self.policy),
                status="pending",
                now=now,
                alert_id=alert.alert_id,
                api_key_id=alert.api_key_id,
                action="page",
            )
            queued += int(page_id is not None)
        audit.append(
            conn,
            audit.AuditRow(
                decided_at=now,
                outcome=decision.outcome,
                reason=decision.reason,
                source=source,
                alert_id=alert.alert_id,
                api_key_id=alert.api_key_id,
                account_id=alert.account_id,
                severity=alert.severity,
                detector=alert.detector,
                score=alert.score,
                policy=decision.rule,
                mode=None
                if decision.rule is None
                else ("shadow" if decision.dry_run else "enforce"),
                action=decision.action,
                idempotency_key=decision.idempotency_key,
                outbox_id=outbox_id,
            ),
        )
        return decision, queued

    def _reject(
        self, conn: sqlite3.Connection, exc: AlertRejected, source: str, raw: bytes
    ) -> None:
        now = self.clock()
        conn.execute(
            "INSERT INTO rejected (received_at, source, code, message, raw) VALUES (?, ?, ?, ?, ?)",
            (now, source, exc.code, exc.message, raw),
        )
        audit.append(
            conn, audit.AuditRow(decided_at=now, outcome="rejected", reason=str(exc), source=source)
        )
        self.metrics.rejected.labels(code=exc.code).inc()
        self.metrics.decisions.labels(outcome="rejected").inc()

    def label(self, api_key_id: str, label: str, reason: str, at_text: str, at: float) -> bool:
        """Apply an analyst label (from the feedback file or topic)."""
        with self._lock:
            changed = self._store.apply_label(api_key_id, label, reason, at_text, at)
        if changed:
            self.metrics.feedback.labels(label=label).inc()
        return changed


def _page_body(alert: IncomingAlert, decision: Decision, decided_at: str, policy: Policy) -> bytes:
    return orjson.dumps(
        {
            "version": 1,
            "kind": "page",
            "idempotency_key": idempotency_key(alert.alert_id, "page"),
            "summary": "distillwatch hook: blast-radius limiter is holding actions",
            "reason": decision.reason,
            "max_actions_per_hour": policy.limits.max_actions_per_hour,
            "held_action": decision.action,
            "api_key_id": alert.api_key_id,
            "decided_at": decided_at,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def _dump(obj: object, raw: bytes | None) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:
        return raw or b""
