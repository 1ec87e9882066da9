"""One campaign: everything its page shows."""

from __future__ import annotations

from typing import Any

import orjson

from detectors.wording import Reason, describe
from pipeline.hook.audit import rfc3339
from pipeline.metrics.topk import key_label
from pipeline.triage.queries.filters import key_state, severity_name
from pipeline.triage.store import TriageStore


def campaign_detail(store: TriageStore, campaign_id: str) -> dict[str, Any] | None:
    """Everything the campaign page shows, or ``None``."""
    with store.lock:
        conn = store.conn
        row = conn.execute(
            "SELECT campaign_id, first_ts, last_ts, score, rank, members, alerts, summary, reasons"
            " FROM campaigns WHERE campaign_id = ?",
            (campaign_id,),
        ).fetchone()
        if row is None:
            return None
        members = conn.execute(
            "SELECT m.api_key_id, m.first_ts, m.score, k.account_id, k.rank, k.label,"
            " k.hook_state FROM members m LEFT JOIN keys k ON k.api_key_id = m.api_key_id"
            " WHERE m.campaign_id = ? ORDER BY m.first_ts, m.api_key_id LIMIT 5000",
            (campaign_id,),
        ).fetchall()
    reasons = [Reason.from_mapping(r) for r in orjson.loads(row[8]) if isinstance(r, dict)]
    growth = [[float(member[1]), seen] for seen, member in enumerate(members, 1)]
    accounts = sorted({m[3] for m in members if m[3]})
    return {
        "campaign_id": row[0],
        "first_alert": rfc3339(row[1]),
        "last_alert": rfc3339(row[2]),
        "score": row[3],
        "severity": severity_name(row[4]),
        "members_count": row[5],
        "alerts": row[6],
        "summary": row[7],
        "links": [describe(r).to_dict() for r in reasons],
        "accounts": accounts,
        "growth": growth,
        "members": [
            {
                "api_key_id": m[0],
                "key_hash": key_label(m[0]),
                "joined": rfc3339(m[1]),
                "score": m[2],
                "account_id": m[3],
                "severity": severity_name(m[4] or 0),
                "state": key_state(m[5], m[6]),
            }
            for m in members
        ],
    }
