"""The ranked lists: keys, alerts and campaigns by score, highest first."""

from __future__ import annotations

from typing import Any

from pipeline.hook.audit import rfc3339
from pipeline.triage.queries.filters import MAX_LIMIT, Filters, key_state, severity_name, state_sql
from pipeline.triage.store import SEVERITY_RANK, TriageStore


def ranked_keys(store: TriageStore, f: Filters) -> list[dict[str, Any]]:
    """Keys by their best alert score, highest first."""
    f = f.clamp()
    where: list[str] = []
    params: list[Any] = []
    if f.severity:
        where.append("k.rank >= ?")
        params.append(SEVERITY_RANK[f.severity])
    if f.detector:
        where.append("instr(',' || k.detectors || ',', ?) > 0")
        params.append(f",{f.detector},")
    if f.since is not None:
        where.append("k.last_ts >= ?")
        params.append(f.since)
    if f.until is not None:
        where.append("k.first_ts <= ?")
        params.append(f.until)
    clause, extra = state_sql(f.state, "k")
    if clause:
        where.append(clause)
        params.extend(extra)
    sql = (
        "SELECT k.api_key_id, k.key_hash, k.account_id, k.first_ts, k.last_ts, k.score, k.rank,"
        " k.alerts, k.detectors, k.campaign_id, k.summary, k.label, k.hook_state FROM keys k"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY k.score DESC, k.api_key_id LIMIT ? OFFSET ?"
    )
    with store.lock:
        rows = store.conn.execute(sql, [*params, f.limit, f.offset]).fetchall()
    return [key_dict(row) for row in rows]


def key_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    (key, key_hash, account, first_ts, last_ts, score, rank, alerts, detectors, campaign,
     summary, label, hook_state) = row  # fmt: skip
    return {
        "api_key_id": key,
        "key_hash": key_hash,
        "account_id": account,
        "first_alert": rfc3339(first_ts),
        "last_alert": rfc3339(last_ts),
        "score": score,
        "severity": severity_name(rank),
        "alerts": alerts,
        "detectors": detectors.split(","),
        "campaign_id": campaign,
        "summary": summary,
        "label": label,
        "hook_state": hook_state,
        "state": key_state(label, hook_state),
    }


#: A time window holding fewer alerts than this is read through the time index and
#: sorted; a wider one is scanned in score order (the first matches come quickly).
NARROW_WINDOW = 20_000


def ranked_alerts(store: TriageStore, f: Filters) -> list[dict[str, Any]]:
    """Alerts by score, highest first, with their key's state.

    Every alert is at least a warning, so ``severity=warning`` filters nothing and
    ``critical`` is an equality on the severity index.
    """
    f = f.clamp()
    where: list[str] = []
    params: list[Any] = []
    if f.severity == "critical":
        where.append("a.rank = 2")
    if f.detector:
        where.append("a.detector = ?")
        params.append(f.detector)
    timed = f.since is not None or f.until is not None
    narrow = timed and _window_size(store, f.since, f.until) < NARROW_WINDOW
    # Unary + keeps SQLite off the time index for a wide window (scan in score order).
    column = "a.ts" if narrow else "+a.ts"
    if f.since is not None:
        where.append(f"{column} >= ?")
        params.append(f.since)
    if f.until is not None:
        where.append(f"{column} <= ?")
        params.append(f.until)
    if f.state == "open":
        clause, extra = state_sql(f.state, "k")
        where.append(clause)
        params.extend(extra)
    elif f.state is not None:
        # A rare state: from its keys (indexed) to their alerts, not a scan of every alert.
        clause, extra = state_sql(f.state, "s")
        where.append(f"a.api_key_id IN (SELECT s.api_key_id FROM keys s WHERE {clause})")
        params.extend(extra)
    sql = (
        "SELECT a.alert_id, a.api_key_id, a.account_id, a.ts, a.severity, a.score, a.detector,"
        " a.campaign_id, a.summary, k.label, k.hook_state FROM alerts a"
        " JOIN keys k ON k.api_key_id = a.api_key_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.score DESC, a.alert_id LIMIT ? OFFSET ?"
    )
    with store.lock:
        rows = store.conn.execute(sql, [*params, f.limit, f.offset]).fetchall()
    return [
        {
            "alert_id": r[0],
            "api_key_id": r[1],
            "account_id": r[2],
            "ts": rfc3339(r[3]),
            "severity": r[4],
            "score": r[5],
            "detector": r[6],
            "campaign_id": r[7],
            "summary": r[8],
            "state": key_state(r[9], r[10]),
        }
        for r in rows
    ]


def _window_size(store: TriageStore, since: float | None, until: float | None) -> int:
    """Alerts in the window, counted up to :data:`NARROW_WINDOW` (an index range, capped)."""
    low = -1e18 if since is None else since
    high = 1e18 if until is None else until
    with store.lock:
        row = store.conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM alerts INDEXED BY alerts_ts"
            " WHERE ts >= ? AND ts <= ? LIMIT ?)",
            (low, high, NARROW_WINDOW),
        ).fetchone()
    return int(row[0])


def ranked_campaigns(store: TriageStore, limit: int = 50) -> list[dict[str, Any]]:
    """Campaigns by their best score."""
    with store.lock:
        rows = store.conn.execute(
            "SELECT campaign_id, first_ts, last_ts, score, rank, members, alerts, summary"
            " FROM campaigns ORDER BY score DESC, campaign_id LIMIT ?",
            (max(1, min(limit, MAX_LIMIT)),),
        ).fetchall()
    return [
        {
            "campaign_id": r[0],
            "first_alert": rfc3339(r[1]),
            "last_alert": rfc3339(r[2]),
            "score": r[3],
            "severity": severity_name(r[4]),
            "members": r[5],
            "alerts": r[6],
            "summary": r[7],
        }
        for r in rows
    ]
