"""The durable outbox: actions are written here before anything is sent.

Row life cycle::

    pending --2xx--> delivered
       |  \\--retryable failure--> pending (attempts+1, next_attempt_at later)
       |   \\--permanent failure or attempts exhausted--> dead
    held --(hook release)--> pending          dead --(hook release)--> pending
    pending/held --a stronger action already delivered to the key--> superseded

One key only ever climbs (docs/HOOK.md): a row whose action is not stronger
than an action already delivered to its key is *superseded*, never sent, whichever
policy decided it and whether it waited in the limiter, in retries or for a
``hook release``. Cooldowns hold at delivery too (:func:`last_delivered`).

``idempotency_key`` is unique: deciding the same alert twice can never queue
two deliveries. Sending happens only after the row is committed, so a crash
or an outage at any point loses nothing; at worst a row is sent again after
a crash between the HTTP response and the status update, and the receiver
deduplicates by idempotency key.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = [
    "OutboxRow",
    "depth",
    "due",
    "enqueue",
    "get",
    "last_delivered",
    "mark_dead",
    "mark_delivered",
    "mark_retry",
    "mark_superseded",
    "postpone",
    "release",
]


@dataclass(frozen=True)
class OutboxRow:
    """One queued delivery."""

    id: int
    idempotency_key: str
    target: str  # "action" or "page"
    body: bytes
    status: str
    attempts: int
    next_attempt_at: float
    alert_id: str | None
    api_key_id: str | None
    action: str | None


_FIELDS = (
    "id, idempotency_key, target, body, status, attempts, next_attempt_at,"
    " alert_id, api_key_id, action"
)


def enqueue(
    conn: sqlite3.Connection,
    *,
    idempotency_key: str,
    target: str,
    body: bytes,
    status: str,
    now: float,
    alert_id: str | None,
    api_key_id: str | None,
    action: str | None,
) -> int | None:
    """Insert a row (inside the caller's transaction); ``None`` if the key is already queued."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO outbox (idempotency_key, target, body, status, attempts,"
        " next_attempt_at, created_at, updated_at, alert_id, api_key_id, action)"
        " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
        (idempotency_key, target, body, status, now, now, now, alert_id, api_key_id, action),
    )
    return int(cur.lastrowid) if cur.rowcount and cur.lastrowid else None


def due(conn: sqlite3.Connection, now: float, limit: int = 50) -> list[OutboxRow]:
    """Pending rows whose next attempt is due, oldest first."""
    rows = conn.execute(
        f"SELECT {_FIELDS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " ORDER BY next_attempt_at, id LIMIT ?",
        (now, limit),
    )
    return [OutboxRow(*r) for r in rows]


def get(conn: sqlite3.Connection, row_id: int) -> OutboxRow | None:
    """Return one row by id."""
    row = conn.execute(f"SELECT {_FIELDS} FROM outbox WHERE id = ?", (row_id,)).fetchone()
    return None if row is None else OutboxRow(*row)


def next_due_at(conn: sqlite3.Connection) -> float | None:
    """When the earliest pending row is due, or ``None`` when nothing is pending."""
    row = conn.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")
    value = row.fetchone()[0]
    return None if value is None else float(value)


def mark_delivered(conn: sqlite3.Connection, row_id: int, now: float) -> None:
    """Record a successful delivery."""
    conn.execute(
        "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_error = NULL,"
        " updated_at = ? WHERE id = ?",
        (now, row_id),
    )


def mark_retry(
    conn: sqlite3.Connection, row_id: int, now: float, next_attempt_at: float, error: str
) -> None:
    """Record a failed attempt that will be retried at ``next_attempt_at``."""
    conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,"
        " updated_at = ? WHERE id = ?",
        (next_attempt_at, error, now, row_id),
    )


def mark_dead(conn: sqlite3.Connection, row_id: int, now: float, error: str) -> None:
    """Dead-letter a row: it stays in the outbox, visible, until a human releases it."""
    conn.execute(
        "UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?,"
        " updated_at = ? WHERE id = ?",
        (error, now, row_id),
    )


def release(conn: sqlite3.Connection, row_id: int, now: float) -> OutboxRow | None:
    """Move a held or dead row back to pending (attempts reset); ``None`` if not releasable."""
    cur = conn.execute(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
        " updated_at = ? WHERE id = ? AND status IN ('held', 'dead')",
        (now, now, row_id),
    )
    return get(conn, row_id) if cur.rowcount else None


def last_delivered(
    conn: sqlite3.Connection, api_key_id: str, exclude: int | None = None
) -> list[tuple[str, float]]:
    """``(action, delivered at)`` of the actions delivered to a key, oldest first."""
    rows = conn.execute(
        "SELECT action, updated_at FROM outbox WHERE target = 'action' AND status = 'delivered'"
        " AND api_key_id = ? AND id IS NOT ? ORDER BY updated_at, id",
        (api_key_id, exclude),
    )
    return [(str(action), float(at)) for action, at in rows]


def mark_superseded(conn: sqlite3.Connection, row_id: int, now: float, why: str) -> None:
    """Never send a row: its key already got an action at least as strong."""
    conn.execute(
        "UPDATE outbox SET status = 'superseded', last_error = ?, updated_at = ? WHERE id = ?",
        (why, now, row_id),
    )


def postpone(conn: sqlite3.Connection, row_id: int, now: float, until: float) -> None:
    """Keep a pending row waiting (a cooldown), without counting an attempt."""
    conn.execute(
        "UPDATE outbox SET next_attempt_at = ?, updated_at = ? WHERE id = ?", (until, now, row_id)
    )


def depth(conn: sqlite3.Connection) -> dict[str, int]:
    """Row counts by status."""
    rows = conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    counts = {"pending": 0, "held": 0, "delivered": 0, "dead": 0, "superseded": 0}
    counts.update({status: int(n) for status, n in rows})
    return counts
