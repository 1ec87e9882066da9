"""The triage's own audit log: labels and releases done through the page."""

from __future__ import annotations

from typing import Any

from pipeline.hook.audit import rfc3339
from pipeline.triage.queries.filters import MAX_LIMIT
from pipeline.triage.store import TriageStore


def audit_log(
    store: TriageStore, api_key_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The triage's own audit: labels and releases done through the page, newest first."""
    sql = "SELECT seq, at, actor, action, api_key_id, outbox_id, detail, outcome FROM actions"
    params: list[Any] = []
    if api_key_id is not None:
        sql += " WHERE api_key_id = ?"
        params.append(api_key_id)
    sql += " ORDER BY seq DESC LIMIT ?"
    params.append(max(1, min(limit, MAX_LIMIT)))
    with store.lock:
        rows = store.conn.execute(sql, params).fetchall()
    return [
        {
            "seq": r[0],
            "at": rfc3339(r[1]),
            "actor": r[2],
            "action": r[3],
            "api_key_id": r[4],
            "outbox_id": r[5],
            "detail": r[6],
            "outcome": r[7],
        }
        for r in rows
    ]
