"""The append-only audit log: writing rows and querying them.

Every decision (acted, held, skipped and why, rejected input) and every
delivery outcome (delivered, dead-lettered, released by a human) is one row.
Rows never hold secrets or prompt text: only ids, the policy, the outcome
and a reason written by the hook itself.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

__all__ = ["AuditQuery", "AuditRow", "append", "query", "rfc3339"]


@dataclass(frozen=True)
class AuditRow:
    """One audit log entry."""

    decided_at: float
    outcome: str
    reason: str
    source: str | None = None
    alert_id: str | None = None
    api_key_id: str | None = None
    account_id: str | None = None
    severity: str | None = None
    detector: str | None = None
    score: float | None = None
    policy: str | None = None
    mode: str | None = None
    action: str | None = None
    idempotency_key: str | None = None
    outbox_id: int | None = None
    seq: int | None = None
    #: The alert's summary in words (read by :func:`query`; not a column of ``audit``).
    summary: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the row as a JSON-ready dict with an RFC 3339 ``decided_at``."""
        out = asdict(self)
        out["decided_at"] = rfc3339(self.decided_at)
        return out


_COLUMNS = [f for f in AuditRow.__dataclass_fields__ if f not in ("seq", "summary")]


def append(conn: sqlite3.Connection, row: AuditRow) -> int:
    """Append ``row`` (inside the caller's transaction) and return its sequence number."""
    marks = ",".join("?" * len(_COLUMNS))
    cur = conn.execute(
        f"INSERT INTO audit ({','.join(_COLUMNS)}) VALUES ({marks})",
        [getattr(row, c) for c in _COLUMNS],
    )
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class AuditQuery:
    """Filters for :func:`query`; ``None`` means no filter."""

    api_key_id: str | None = None
    account_id: str | None = None
    alert_id: str | None = None
    outcome: str | None = None
    since: float | None = None
    limit: int = 100


def query(conn: sqlite3.Connection, q: AuditQuery) -> list[AuditRow]:
    """Return the newest matching rows (newest last)."""
    where: list[str] = []
    params: list[object] = []
    for column in ("api_key_id", "account_id", "alert_id", "outcome"):
        value = getattr(q, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if q.since is not None:
        where.append("decided_at >= ?")
        params.append(q.since)
    columns = ",".join(f"audit.{c}" for c in _COLUMNS)
    sql = (
        f"SELECT {columns}, audit.seq, s.summary FROM audit"
        " LEFT JOIN alert_summaries s ON s.alert_id = audit.alert_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(f"audit.{w}" for w in where)
    sql += " ORDER BY audit.seq DESC LIMIT ?"
    params.append(q.limit)
    rows = [AuditRow(*r) for r in conn.execute(sql, params)]
    rows.reverse()
    return rows


def rfc3339(ts: float) -> str:
    """Format Unix seconds as RFC 3339 UTC with milliseconds.

    Examples
    --------
    >>> rfc3339(1791158400.25)
    '2026-10-05T00:00:00.250Z'
    """
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
