"""The triage store: one embedded SQLite file holding what analysts look at.

Fed from the alerts (topic or ``alerts.jsonl``), scores (``scores.jsonl`` of
``replay --scores``), analyst labels (the feedback file or topic) and the hook's
database (audit rows and outbox); it answers the page's and the API's queries
(:mod:`pipeline.triage.queries`). Writes are idempotent: an alert is kept once
per ``alert_id``, so re-reading a topic or a file changes nothing.

Per key, ``keys`` holds what the ranked list needs (best score, highest
severity, campaign, label, hook state) so that ranking 100k keys is one indexed
scan; per campaign, ``campaigns`` and ``members`` do the same. The triage's own
audit (``actions``: every label and release done through the page, who, when,
what came of it) is append-only, enforced by triggers as in the hook's database.

Prompt text never reaches this store: alerts and hook rows carry none.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.metrics.topk import key_label

__all__ = ["SEVERITY_RANK", "AlertRow", "TriageStore", "alert_row"]

SEVERITY_RANK = {"warning": 1, "critical": 2}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_id    TEXT PRIMARY KEY,
    api_key_id  TEXT NOT NULL,
    account_id  TEXT,
    ts          REAL NOT NULL,
    severity    TEXT NOT NULL,
    rank        INTEGER NOT NULL,
    score       REAL NOT NULL,
    detector    TEXT NOT NULL,
    campaign_id TEXT,
    summary     TEXT NOT NULL,
    body        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_key ON alerts (api_key_id, ts);
CREATE INDEX IF NOT EXISTS alerts_score ON alerts (score DESC, alert_id);
CREATE INDEX IF NOT EXISTS alerts_rank ON alerts (rank, score DESC, alert_id);
CREATE INDEX IF NOT EXISTS alerts_detector ON alerts (detector, score DESC, alert_id);
CREATE INDEX IF NOT EXISTS alerts_ts ON alerts (ts);
CREATE INDEX IF NOT EXISTS alerts_campaign ON alerts (campaign_id, ts)
    WHERE campaign_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS keys (
    api_key_id  TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL,
    account_id  TEXT,
    first_ts    REAL NOT NULL,
    last_ts     REAL NOT NULL,
    score       REAL NOT NULL,
    rank        INTEGER NOT NULL,
    alerts      INTEGER NOT NULL,
    detectors   TEXT NOT NULL,
    campaign_id TEXT,
    summary     TEXT NOT NULL,
    label       TEXT,
    hook_state  TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_hash ON keys (key_hash);
CREATE INDEX IF NOT EXISTS keys_score ON keys (score DESC, api_key_id);
CREATE INDEX IF NOT EXISTS keys_rank ON keys (rank, score DESC);
CREATE INDEX IF NOT EXISTS keys_account ON keys (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS keys_label ON keys (label, score DESC, api_key_id);
CREATE INDEX IF NOT EXISTS keys_hook_state ON keys (hook_state, score DESC, api_key_id);

CREATE TABLE IF NOT EXISTS detectors (
    detector    TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS related (
    api_key_id  TEXT NOT NULL,
    other       TEXT NOT NULL,
    PRIMARY KEY (api_key_id, other)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id TEXT PRIMARY KEY,
    first_ts    REAL NOT NULL,
    last_ts     REAL NOT NULL,
    score       REAL NOT NULL,
    rank        INTEGER NOT NULL,
    members     INTEGER NOT NULL,
    alerts      INTEGER NOT NULL,
    summary     TEXT NOT NULL,
    reasons     BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS campaigns_score ON campaigns (score DESC);

CREATE TABLE IF NOT EXISTS members (
    campaign_id TEXT NOT NULL,
    api_key_id  TEXT NOT NULL,
    first_ts    REAL NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (campaign_id, api_key_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS scores (
    api_key_id  TEXT NOT NULL,
    ts          REAL NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (api_key_id, ts)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS labels (
    api_key_id  TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    labelled_at TEXT NOT NULL,
    labelled_ts REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS hook_audit (
    seq         INTEGER PRIMARY KEY,
    decided_at  REAL NOT NULL,
    outcome     TEXT NOT NULL,
    action      TEXT,
    api_key_id  TEXT,
    alert_id    TEXT,
    policy      TEXT,
    mode        TEXT,
    reason      TEXT NOT NULL,
    outbox_id   INTEGER
);
CREATE INDEX IF NOT EXISTS hook_audit_key ON hook_audit (api_key_id, seq);

CREATE TABLE IF NOT EXISTS hook_outbox (
    id          INTEGER PRIMARY KEY,
    api_key_id  TEXT,
    alert_id    TEXT,
    action      TEXT,
    target      TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    updated_at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS hook_outbox_key ON hook_outbox (api_key_id, id);

CREATE TABLE IF NOT EXISTS actions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    api_key_id  TEXT,
    outbox_id   INTEGER,
    detail      TEXT NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_key ON actions (api_key_id, seq);
CREATE TRIGGER IF NOT EXISTS actions_no_update BEFORE UPDATE ON actions
BEGIN SELECT RAISE(ABORT, 'the triage audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS actions_no_delete BEFORE DELETE ON actions
BEGIN SELECT RAISE(ABORT, 'the triage audit is append-only'); END;

CREATE TABLE IF NOT EXISTS cursors (
    name        TEXT PRIMARY KEY,
    value       REAL NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class AlertRow:
    """The columns of one alert, read from an ALERTS.md object."""

    alert_id: str
    api_key_id: str
    account_id: str | None
    ts: float
    severity: str
    score: float
    detector: str
    campaign_id: str | None
    related: tuple[str, ...]
    summary: str
    body: bytes


def alert_row(obj: Mapping[str, Any], body: bytes | None = None) -> AlertRow:
    """Validate an alert object (the hook's checks) and keep what the store needs.

    Alerts written before ``summary`` existed get one from their reasons, so every
    alert reads in words.

    Raises
    ------
    ValueError
        (``pipeline.hook.intake.AlertRejected``) naming the bad field.
    """
    from detectors.wording import Reason, summarize
    from pipeline.hook.intake import parse_alert

    alert = parse_alert(obj)
    related = obj.get("related_keys")
    keys = (
        tuple(k for k in related if isinstance(k, str))[:200] if isinstance(related, list) else ()
    )
    summary = obj.get("summary")
    if not isinstance(summary, str) or not summary:
        raw = obj.get("reasons")
        reasons = (
            [Reason.from_mapping(r) for r in raw if isinstance(r, Mapping)]
            if isinstance(raw, list)
            else []
        )
        summary = summarize(alert.severity, alert.score, reasons, alert.campaign_id, len(keys))
    return AlertRow(
        alert.alert_id,
        alert.api_key_id,
        alert.account_id,
        alert.ts,
        alert.severity,
        alert.score,
        alert.detector,
        alert.campaign_id,
        keys,
        summary,
        body if body is not None else orjson.dumps(obj),
    )


class TriageStore:
    """One SQLite connection shared by the web handlers and the feeders, behind a lock.

    SQLite serialises writers anyway; one connection and a lock keep the web
    server's threads and the asyncio feeders simple and bounded.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.execute("PRAGMA cache_size=-65536")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (commit on success, roll back on error)."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- alerts -----------------------------------------------------------------------------

    def add_alerts(self, rows: Iterable[AlertRow]) -> int:
        """Store alerts not seen before; update their keys, campaigns and relations."""
        added = 0
        with self.transaction() as conn:
            for row in rows:
                added += self._add_alert(conn, row)
        return added

    def _add_alert(self, conn: sqlite3.Connection, row: AlertRow) -> int:
        rank = SEVERITY_RANK.get(row.severity, 0)
        cur = conn.execute(
            "INSERT OR IGNORE INTO alerts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (row.alert_id, row.api_key_id, row.account_id, row.ts, row.severity, rank, row.score,
             row.detector, row.campaign_id, row.summary, row.body),
        )  # fmt: skip
        if cur.rowcount == 0:
            return 0
        conn.execute("INSERT OR IGNORE INTO detectors VALUES (?)", (row.detector,))
        conn.execute(
            "INSERT INTO keys VALUES (?,?,?,?,?,?,?,1,?,?,?,"
            "(SELECT label FROM labels WHERE api_key_id = ?),NULL)"
            " ON CONFLICT (api_key_id) DO UPDATE SET"
            " account_id = coalesce(excluded.account_id, keys.account_id),"
            " first_ts = min(keys.first_ts, excluded.first_ts),"
            " last_ts = max(keys.last_ts, excluded.last_ts),"
            " summary = CASE WHEN excluded.score >= keys.score THEN excluded.summary"
            "   ELSE keys.summary END,"
            " score = max(keys.score, excluded.score),"
            " rank = max(keys.rank, excluded.rank),"
            " alerts = keys.alerts + 1,"
            " detectors = CASE WHEN instr(',' || keys.detectors || ',',"
            "   ',' || excluded.detectors || ',') THEN keys.detectors"
            "   ELSE keys.detectors || ',' || excluded.detectors END,"
            " campaign_id = coalesce(excluded.campaign_id, keys.campaign_id)",
            (row.api_key_id, key_label(row.api_key_id), row.account_id, row.ts, row.ts, row.score,
             rank, row.detector, row.campaign_id, row.summary, row.api_key_id),
        )  # fmt: skip
        if row.campaign_id is not None:
            self._add_to_campaign(conn, row, rank)
        if row.related:
            conn.executemany(
                "INSERT OR IGNORE INTO related VALUES (?, ?)",
                [(row.api_key_id, other) for other in row.related if other != row.api_key_id],
            )
        return 1

    def _add_to_campaign(self, conn: sqlite3.Connection, row: AlertRow, rank: int) -> None:
        reasons = orjson.dumps(orjson.loads(row.body).get("reasons") or [])
        conn.execute(
            "INSERT INTO members VALUES (?,?,?,?) ON CONFLICT (campaign_id, api_key_id) DO UPDATE"
            " SET first_ts = min(members.first_ts, excluded.first_ts),"
            " score = max(members.score, excluded.score)",
            (row.campaign_id, row.api_key_id, row.ts, row.score),
        )
        members = {row.api_key_id, *row.related}
        conn.execute(
            "INSERT INTO campaigns VALUES (?,?,?,?,?,?,1,?,?) ON CONFLICT (campaign_id) DO UPDATE"
            " SET first_ts = min(campaigns.first_ts, excluded.first_ts),"
            " last_ts = max(campaigns.last_ts, excluded.last_ts),"
            " summary = CASE WHEN excluded.last_ts >= campaigns.last_ts THEN excluded.summary"
            "   ELSE campaigns.summary END,"
            " reasons = CASE WHEN excluded.last_ts >= campaigns.last_ts THEN excluded.reasons"
            "   ELSE campaigns.reasons END,"
            " score = max(campaigns.score, excluded.score),"
            " rank = max(campaigns.rank, excluded.rank),"
            " alerts = campaigns.alerts + 1",
            (row.campaign_id, row.ts, row.ts, row.score, rank, len(members), row.summary, reasons),
        )
        conn.execute(
            "UPDATE campaigns SET members = (SELECT count(*) FROM members WHERE campaign_id = ?)"
            " WHERE campaign_id = ?",
            (row.campaign_id, row.campaign_id),
        )

    # -- scores, labels, hook ----------------------------------------------------------------

    def add_scores(self, rows: Iterable[tuple[str, float, float]]) -> None:
        """Store (key, event time, score) points of ``replay --scores``."""
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?)", rows)

    def apply_label(
        self, api_key_id: str, label: str, reason: str, labelled_at: str, labelled_ts: float
    ) -> bool:
        """Keep the latest label per key (as the hook does); return whether it changed."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO labels VALUES (?, ?, ?, ?, ?) ON CONFLICT (api_key_id) DO UPDATE SET"
                " label = excluded.label, reason = excluded.reason,"
                " labelled_at = excluded.labelled_at, labelled_ts = excluded.labelled_ts"
                " WHERE excluded.labelled_ts >= labels.labelled_ts",
                (api_key_id, label, reason, labelled_at, labelled_ts),
            )
            conn.execute("UPDATE keys SET label = ? WHERE api_key_id = ?", (label, api_key_id))
            return cur.rowcount > 0

    def add_hook_rows(
        self, audit_rows: Iterable[tuple[Any, ...]], outbox_rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """Mirror the hook's audit rows and outbox rows (see :mod:`pipeline.triage.feeds`)."""
        with self.transaction() as conn:
            touched: set[str] = set()
            for row in audit_rows:
                conn.execute("INSERT OR IGNORE INTO hook_audit VALUES (?,?,?,?,?,?,?,?,?,?)", row)
                if row[4]:
                    touched.add(row[4])
            for row in outbox_rows:
                conn.execute("INSERT OR REPLACE INTO hook_outbox VALUES (?,?,?,?,?,?,?,?,?)", row)
                if row[1]:
                    touched.add(row[1])
            for key in touched:
                conn.execute(
                    "UPDATE keys SET hook_state = ? WHERE api_key_id = ?",
                    (_hook_state(conn, key), key),
                )

    def record_action(
        self,
        at: float,
        actor: str,
        action: str,
        detail: str,
        outcome: str,
        api_key_id: str | None = None,
        outbox_id: int | None = None,
    ) -> int:
        """Append one row to the triage audit; return its sequence number."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO actions (at, actor, action, api_key_id, outbox_id, detail, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, api_key_id, outbox_id, detail, outcome),
            )
            return int(cur.lastrowid or 0)

    def cursor(self, name: str, default: float = 0.0) -> float:
        """A feeder's saved position (file offset, hook audit sequence, Kafka offset)."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return default if row is None else float(row[0])

    def set_cursor(self, name: str, value: float) -> None:
        """Save a feeder's position."""
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (name, value))

    def detectors(self) -> list[str]:
        """The detectors that raised alerts here (for the filter)."""
        with self.lock:
            rows = self.conn.execute("SELECT detector FROM detectors ORDER BY detector").fetchall()
        return [str(r[0]) for r in rows]

    def analyze(self) -> None:
        """Refresh SQLite's statistics (after a bulk load) so it picks the right indexes."""
        with self.lock:
            self.conn.execute("ANALYZE")


def _hook_state(conn: sqlite3.Connection, api_key_id: str) -> str | None:
    """The hook's latest word on a key: held, acted, delivered, dead-lettered, skipped..."""
    held = conn.execute(
        "SELECT 1 FROM hook_outbox WHERE api_key_id = ? AND status = 'held' LIMIT 1",
        (api_key_id,),
    ).fetchone()
    if held:
        return "held"
    row = conn.execute(
        "SELECT outcome FROM hook_audit WHERE api_key_id = ? ORDER BY seq DESC LIMIT 1",
        (api_key_id,),
    ).fetchone()
    return None if row is None else str(row[0])
