"""Releasing a held (or re-driving a dead-lettered) action: ``hook release`` and the triage page.

One function, :func:`release`, used by both, so the checks (an action on a key only
ever climbs) and the audit row are the same whoever releases.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pipeline.hook import audit, outbox
from pipeline.hook.policy import ACTION_STRENGTH
from pipeline.hook.store import Store

__all__ = ["Released", "release"]


@dataclass(frozen=True)
class Released:
    """What came of one release: ``released``, ``requeued`` or ``refused`` (``message``: why)."""

    outbox_id: int
    outcome: str
    message: str
    api_key_id: str | None = None
    action: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the action will be sent."""
        return self.outcome != "refused"


def release(store: Store, row_id: int, reason: str, who: str, now: float, source: str) -> Released:
    """Release outbox row ``row_id`` (held or dead-lettered), audited as done by ``who``."""
    with store.transaction() as conn:
        before = outbox.get(conn, row_id)
        if before is None:
            return Released(row_id, "refused", "not released (status missing)")
        weaker = _not_stronger(conn, before)
        if weaker is not None:
            # Released now it would reach the provider after a stronger action:
            # an action on a key only ever climbs (docs/HOOK.md).
            return Released(row_id, "refused", f"not released: {weaker}", before.api_key_id)
        row = outbox.release(conn, row_id, now)
        if row is None:
            return Released(
                row_id, "refused", f"not released (status {before.status})", before.api_key_id
            )
        # A held row was never acted on: releasing it is the action. A dead row was
        # already decided and counted: this only retries it.
        outcome = "released" if before.status == "held" else "requeued"
        audit.append(
            conn,
            audit.AuditRow(
                decided_at=now,
                outcome=outcome,
                reason=f"by {who}: {reason}",
                source=source,
                alert_id=row.alert_id,
                api_key_id=row.api_key_id,
                action=row.action,
                idempotency_key=row.idempotency_key,
                outbox_id=row.id,
            ),
        )
    return Released(
        row_id, outcome, f"{outcome}; a running hook sends it now", row.api_key_id, row.action
    )


def _not_stronger(conn: sqlite3.Connection, row: outbox.OutboxRow) -> str | None:
    """Why releasing ``row`` would break the climb, or ``None`` when it would not."""
    if row.target != "action" or row.api_key_id is None:
        return None
    taken = [
        action
        for (action,) in conn.execute(
            "SELECT action FROM audit WHERE api_key_id = ? AND outcome IN ('acted', 'released')"
            " AND (outbox_id IS NOT ? ) AND action IS NOT NULL",
            (row.api_key_id, row.id),
        )
    ]
    if not taken:
        return None
    strongest = max(taken, key=lambda a: ACTION_STRENGTH.get(a, -1))
    if ACTION_STRENGTH.get(row.action or "", -1) > ACTION_STRENGTH.get(strongest, -1):
        return None
    return f"the key already got {strongest}; {row.action} would follow a stronger action"
