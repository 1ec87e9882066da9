"""Read-only questions to the triage store, answered as JSON-ready dicts.

The page (:mod:`pipeline.triage.pages`) and the JSON API (:mod:`pipeline.triage.web`)
both call these, so they always show the same thing. Every query is an indexed
lookup or an indexed scan with a ``LIMIT``: the ranked lists and a key's page stay
fast with a million alerts (benchmarks/triage_store.py).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from detectors.wording import Reason, describe
from pipeline.hook.audit import rfc3339
from pipeline.metrics.topk import KEY_HASH_HEX_CHARS, key_label
from pipeline.triage.store import SEVERITY_RANK, TriageStore

__all__ = [
    "STATES",
    "Filters",
    "audit_log",
    "campaign_detail",
    "key_detail",
    "ranked_alerts",
    "ranked_campaigns",
    "ranked_keys",
    "resolve_key",
]

#: Key states an analyst filters on: not yet judged, labelled, or what the hook did.
STATES = ("open", "benign", "abuse", "held", "acted")
_ACTED = ("acted", "shadow-acted", "delivered", "released", "requeued", "dead-lettered")
_HASH = re.compile(rf"[0-9a-f]{{{KEY_HASH_HEX_CHARS}}}")
MAX_LIMIT = 500
TIMELINE_POINTS = 400


@dataclass(frozen=True)
class Filters:
    """Filters of the ranked lists; ``None`` means any."""

    severity: str | None = None
    detector: str | None = None
    since: float | None = None
    until: float | None = None
    state: str | None = None
    limit: int = 50
    offset: int = 0

    def clamp(self) -> Filters:
        """Limits within bounds (a request cannot ask for a million rows)."""
        return Filters(
            self.severity if self.severity in SEVERITY_RANK else None,
            self.detector or None,
            self.since,
            self.until,
            self.state if self.state in STATES else None,
            max(1, min(self.limit, MAX_LIMIT)),
            max(0, min(self.offset, 100_000)),
        )


def _state_sql(state: str | None, alias: str) -> tuple[str, list[Any]]:
    if state is None:
        return "", []
    if state == "open":
        return f"{alias}.label IS NULL AND coalesce({alias}.hook_state, '') <> 'held'", []
    if state in ("benign", "abuse"):
        return f"{alias}.label = ?", [state]
    if state == "held":
        return f"{alias}.hook_state = 'held'", []
    marks = ",".join("?" * len(_ACTED))
    return f"{alias}.hook_state IN ({marks})", list(_ACTED)


def _key_state(label: str | None, hook_state: str | None) -> str:
    if label:
        return label
    if hook_state == "held":
        return "held"
    if hook_state in _ACTED:
        return "acted"
    return "open"


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
    clause, extra = _state_sql(f.state, "k")
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
    return [_key_dict(row) for row in rows]


def _key_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    (key, key_hash, account, first_ts, last_ts, score, rank, alerts, detectors, campaign,
     summary, label, hook_state) = row  # fmt: skip
    return {
        "api_key_id": key,
        "key_hash": key_hash,
        "account_id": account,
        "first_alert": rfc3339(first_ts),
        "last_alert": rfc3339(last_ts),
        "score": score,
        "severity": _severity(rank),
        "alerts": alerts,
        "detectors": detectors.split(","),
        "campaign_id": campaign,
        "summary": summary,
        "label": label,
        "hook_state": hook_state,
        "state": _key_state(label, hook_state),
    }


def _severity(rank: int) -> str:
    return "critical" if rank >= 2 else "warning"


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
        clause, extra = _state_sql(f.state, "k")
        where.append(clause)
        params.extend(extra)
    elif f.state is not None:
        # A rare state: from its keys (indexed) to their alerts, not a scan of every alert.
        clause, extra = _state_sql(f.state, "s")
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
            "state": _key_state(r[9], r[10]),
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
            "severity": _severity(r[4]),
            "members": r[5],
            "alerts": r[6],
            "summary": r[7],
        }
        for r in rows
    ]


def resolve_key(store: TriageStore, text: str) -> str | None:
    """The key id for ``text``: a key id, or the hashed id Grafana's top-K panel shows."""
    with store.lock:
        row = store.conn.execute("SELECT 1 FROM keys WHERE api_key_id = ?", (text,)).fetchone()
        if row is not None:
            return text
        if _HASH.fullmatch(text):
            found = store.conn.execute(
                "SELECT api_key_id FROM keys WHERE key_hash = ? LIMIT 2", (text,)
            ).fetchall()
            if len(found) == 1:
                return str(found[0][0])
    return None


def key_detail(store: TriageStore, api_key_id: str) -> dict[str, Any] | None:
    """Everything the key page shows, or ``None`` for a key the store never saw."""
    with store.lock:
        conn = store.conn
        row = conn.execute(
            "SELECT api_key_id, key_hash, account_id, first_ts, last_ts, score, rank, alerts,"
            " detectors, campaign_id, summary, label, hook_state FROM keys WHERE api_key_id = ?",
            (api_key_id,),
        ).fetchone()
        if row is None:
            return None
        key = _key_dict(row)
        alerts = _key_alerts(conn, api_key_id)
        key["alerts_list"] = alerts
        key["reasons"] = _strongest_reasons(alerts)
        key["timeline"] = _timeline(conn, api_key_id, alerts)
        key["features"] = _feature_timeline(alerts)
        key["related"] = _related(conn, api_key_id, key["account_id"])
        key["campaigns"] = _campaigns_of(conn, api_key_id)
        key["label_detail"] = _label(conn, api_key_id)
        key["hook"] = _hook(conn, api_key_id)
        key["actions"] = audit_log(store, api_key_id=api_key_id, limit=50)
    return key


def _key_alerts(conn: sqlite3.Connection, api_key_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT body, ts FROM alerts WHERE api_key_id = ? ORDER BY ts DESC LIMIT 200",
        (api_key_id,),
    ).fetchall()
    out = []
    for body, _ in reversed(rows):
        alert = orjson.loads(body)
        alert.setdefault("summary", "")
        out.append(alert)
    return out


def _strongest_reasons(alerts: list[dict[str, Any]]) -> list[dict[str, object]]:
    if not alerts:
        return []
    best = max(alerts, key=lambda a: (float(a.get("score", 0.0)), str(a.get("ts", ""))))
    raw = best.get("reasons") or []
    return [describe(Reason.from_mapping(r)).to_dict() for r in raw if isinstance(r, dict)]


def _timeline(
    conn: sqlite3.Connection, api_key_id: str, alerts: list[dict[str, Any]]
) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT ts, score FROM scores WHERE api_key_id = ? ORDER BY ts", (api_key_id,)
    ).fetchall()
    source = "scores"
    if not rows:
        source = "alerts"
        rows = [(a["ts"], a["score"]) for a in alerts]
        points = [[_ts(t), float(s)] for t, s in rows]
    else:
        step = max(1, len(rows) // TIMELINE_POINTS)
        points = [[float(t), float(s)] for t, s in rows[::step]]
    return {"source": source, "points": points}


def _ts(text: str) -> float:
    from detectors.timestamps import parse_ts

    return parse_ts(text)


def _feature_timeline(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The main features' values at each alert (the strongest four features overall)."""
    weight: dict[str, int] = {}
    for alert in alerts:
        for i, r in enumerate(alert.get("reasons") or []):
            if isinstance(r, dict) and isinstance(r.get("feature"), str):
                weight[r["feature"]] = weight.get(r["feature"], 0) + (10 - min(i, 9))
    main = sorted(weight, key=lambda f: (-weight[f], f))[:4]
    out = []
    for alert in alerts:
        values = {
            r["feature"]: r.get("value")
            for r in alert.get("reasons") or []
            if isinstance(r, dict) and r.get("feature") in main
        }
        out.append({"ts": alert.get("ts"), "score": alert.get("score"), "values": values})
    return [{"features": main, "rows": out}]


def _related(
    conn: sqlite3.Connection, api_key_id: str, account_id: str | None
) -> list[dict[str, Any]]:
    why: dict[str, str] = {}
    for (other,) in conn.execute(
        "SELECT other FROM related WHERE api_key_id = ? LIMIT 100", (api_key_id,)
    ):
        why.setdefault(other, "campaign member (related key)")
    for (other,) in conn.execute(
        "SELECT api_key_id FROM related WHERE other = ? LIMIT 100", (api_key_id,)
    ):
        why.setdefault(other, "names this key as related")
    for cid, other in conn.execute(
        "SELECT m2.campaign_id, m2.api_key_id FROM members m1 JOIN members m2"
        " ON m1.campaign_id = m2.campaign_id WHERE m1.api_key_id = ? AND m2.api_key_id <> ?"
        " LIMIT 100",
        (api_key_id, api_key_id),
    ):
        why.setdefault(other, f"member of campaign {cid}")
    if account_id:
        for (other,) in conn.execute(
            "SELECT api_key_id FROM keys WHERE account_id = ? AND api_key_id <> ? LIMIT 50",
            (account_id, api_key_id),
        ):
            why.setdefault(other, f"same account {account_id}")
    out = []
    for other, reason in list(why.items())[:100]:
        row = conn.execute(
            "SELECT score, rank, label, hook_state FROM keys WHERE api_key_id = ?", (other,)
        ).fetchone()
        out.append(
            {
                "api_key_id": other,
                "key_hash": key_label(other),
                "why": reason,
                "score": None if row is None else row[0],
                "severity": None if row is None else _severity(row[1]),
                "state": "no alert" if row is None else _key_state(row[2], row[3]),
            }
        )
    out.sort(key=lambda r: (-float(r["score"] or 0.0), str(r["api_key_id"])))
    return out


def _campaigns_of(conn: sqlite3.Connection, api_key_id: str) -> list[str]:
    return [
        str(c)
        for (c,) in conn.execute(
            "SELECT campaign_id FROM members WHERE api_key_id = ? ORDER BY first_ts", (api_key_id,)
        )
    ]


def _label(conn: sqlite3.Connection, api_key_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT label, reason, labelled_at FROM labels WHERE api_key_id = ?", (api_key_id,)
    ).fetchone()
    return None if row is None else {"label": row[0], "reason": row[1], "labelled_at": row[2]}


def _hook(conn: sqlite3.Connection, api_key_id: str) -> dict[str, Any]:
    audit = conn.execute(
        "SELECT seq, decided_at, outcome, action, alert_id, policy, mode, reason, outbox_id"
        " FROM hook_audit WHERE api_key_id = ? ORDER BY seq DESC LIMIT 100",
        (api_key_id,),
    ).fetchall()
    outbox = conn.execute(
        "SELECT id, action, target, status, attempts, last_error, updated_at FROM hook_outbox"
        " WHERE api_key_id = ? ORDER BY id DESC LIMIT 50",
        (api_key_id,),
    ).fetchall()
    return {
        "decisions": [
            {
                "seq": r[0],
                "decided_at": rfc3339(r[1]),
                "outcome": r[2],
                "action": r[3],
                "alert_id": r[4],
                "policy": r[5],
                "mode": r[6],
                "reason": r[7],
                "outbox_id": r[8],
            }
            for r in reversed(audit)
        ],
        "deliveries": [
            {
                "outbox_id": r[0],
                "action": r[1],
                "target": r[2],
                "status": r[3],
                "attempts": r[4],
                "last_error": r[5],
                "updated_at": rfc3339(r[6]),
            }
            for r in outbox
        ],
    }


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
        "severity": _severity(row[4]),
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
                "severity": _severity(m[4] or 0),
                "state": _key_state(m[5], m[6]),
            }
            for m in members
        ],
    }


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
