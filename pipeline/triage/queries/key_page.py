"""One key: finding it by id or hash, and everything its page shows."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import orjson

from detectors.wording import Reason, describe
from pipeline.hook.audit import rfc3339
from pipeline.metrics.topk import KEY_HASH_HEX_CHARS, key_label
from pipeline.triage.queries.audit import audit_log
from pipeline.triage.queries.filters import key_state, severity_name
from pipeline.triage.queries.ranked import key_dict
from pipeline.triage.store import TriageStore

_HASH = re.compile(rf"[0-9a-f]{{{KEY_HASH_HEX_CHARS}}}")

TIMELINE_POINTS = 400


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
        key = key_dict(row)
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
                "severity": None if row is None else severity_name(row[1]),
                "state": "no alert" if row is None else key_state(row[2], row[3]),
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
