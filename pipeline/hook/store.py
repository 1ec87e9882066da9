"""The hook's SQLite database: seen alerts, audit log, outbox, rejects, labels.

Everything the hook must not lose lives in one SQLite file so that a decision,
its audit row and its outbox row commit in one transaction: after a crash
either all three exist or none does. The audit table is append-only,
enforced by triggers, not by convention.

Each thread opens its own :class:`Store` (sqlite3 connections are not shared
across threads); WAL mode lets the delivery thread read while the intake
thread writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.hook.decide import Label, PastAction, SeenAlert

__all__ = ["ACTION_OUTCOMES", "Store"]

# Audit outcomes that count as an action having happened (ladder, cooldown, limiter).
ACTION_OUTCOMES = {False: ("acted", "released"), True: ("shadow-acted",)}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts_seen (
    alert_id    TEXT PRIMARY KEY,
    api_key_id  TEXT NOT NULL,
    ts          REAL NOT NULL,
    severity    TEXT NOT NULL,
    detector    TEXT NOT NULL,
    score       REAL NOT NULL,
    campaign_id TEXT,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_seen_key ON alerts_seen (api_key_id, ts);

-- The alert's plain-language summary (ALERTS.md), for `hook audit` (a table of its own so
-- databases written before it need no migration).
CREATE TABLE IF NOT EXISTS alert_summaries (
    alert_id    TEXT PRIMARY KEY,
    summary     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    decided_at      REAL NOT NULL,
    source          TEXT,
    alert_id        TEXT,
    api_key_id      TEXT,
    account_id      TEXT,
    severity        TEXT,
    detector        TEXT,
    score           REAL,
    policy          TEXT,
    mode            TEXT,
    outcome         TEXT NOT NULL,
    action          TEXT,
    reason          TEXT NOT NULL,
    idempotency_key TEXT,
    outbox_id       INTEGER
);
CREATE INDEX IF NOT EXISTS audit_key ON audit (api_key_id, seq);
CREATE INDEX IF NOT EXISTS audit_outcome ON audit (outcome, decided_at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    target          TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    alert_id        TEXT,
    api_key_id      TEXT,
    action          TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS rejected (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    source      TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    raw         BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS feedback (
    api_key_id  TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    labelled_at TEXT NOT NULL,
    labelled_ts REAL NOT NULL
);
"""


class Store:
    """One connection to the hook database, plus the :class:`History` queries."""

    def __init__(self, path: str | Path, *, shared: bool = False) -> None:
        """Open (and create) the database; ``shared`` allows use from several threads.

        A shared store must be guarded by the caller's lock.
        """
        self.path = str(path)
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a
        # transaction takes the write lock before it reads the history it
        # decides on (two writer threads can never decide on stale counts).
        self.conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=not shared
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")  # the outbox must survive power loss too
        self.conn.execute("PRAGMA busy_timeout=30000")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction (commit on success, roll back on error)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # History protocol (see pipeline.hook.decide.History)

    def seen(self, alert_id: str) -> bool:
        """See :class:`pipeline.hook.decide.History`."""
        row = self.conn.execute("SELECT 1 FROM alerts_seen WHERE alert_id = ?", (alert_id,))
        return row.fetchone() is not None

    def alerts_for_key(self, api_key_id: str, since_ts: float) -> list[SeenAlert]:
        """See :class:`pipeline.hook.decide.History`."""
        rows = self.conn.execute(
            "SELECT alert_id, api_key_id, ts, severity, detector, score, campaign_id"
            " FROM alerts_seen"
            " WHERE api_key_id = ? AND ts >= ? ORDER BY ts",
            (api_key_id, since_ts),
        )
        return [SeenAlert(*row) for row in rows]

    def actions_for_key(self, api_key_id: str, dry_run: bool) -> list[PastAction]:
        """See :class:`pipeline.hook.decide.History`."""
        outcomes = ACTION_OUTCOMES[dry_run]
        marks = ",".join("?" * len(outcomes))
        rows = self.conn.execute(
            f"SELECT action, decided_at FROM audit WHERE api_key_id = ? AND outcome IN ({marks})"
            " ORDER BY seq",
            (api_key_id, *outcomes),
        )
        return [PastAction(*row) for row in rows]

    def actions_since(self, since: float, dry_run: bool) -> int:
        """See :class:`pipeline.hook.decide.History`."""
        outcomes = ACTION_OUTCOMES[dry_run]
        marks = ",".join("?" * len(outcomes))
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM audit WHERE outcome IN ({marks}) AND decided_at >= ?",
            (*outcomes, since),
        ).fetchone()
        return int(row[0])

    def holds_since(self, since: float, dry_run: bool) -> int:
        """See :class:`pipeline.hook.decide.History`."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM audit WHERE outcome = ? AND decided_at >= ?",
            ("shadow-held" if dry_run else "held", since),
        ).fetchone()
        return int(row[0])

    def label(self, api_key_id: str) -> Label | None:
        """See :class:`pipeline.hook.decide.History`."""
        row = self.conn.execute(
            "SELECT label, reason FROM feedback WHERE api_key_id = ?", (api_key_id,)
        ).fetchone()
        return None if row is None else Label(row[0], row[1])

    # Feedback

    def apply_label(
        self, api_key_id: str, label: str, reason: str, labelled_at: str, labelled_ts: float
    ) -> bool:
        """Store a label unless a later one is already stored; return whether it changed."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (api_key_id, label, reason, labelled_at, labelled_ts)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (api_key_id) DO UPDATE SET"
                " label = excluded.label, reason = excluded.reason,"
                " labelled_at = excluded.labelled_at, labelled_ts = excluded.labelled_ts"
                " WHERE excluded.labelled_ts >= feedback.labelled_ts"
                " AND (excluded.label, excluded.reason, excluded.labelled_ts)"
                " IS NOT (feedback.label, feedback.reason, feedback.labelled_ts)",
                (api_key_id, label, reason, labelled_at, labelled_ts),
            )
            return cur.rowcount > 0
