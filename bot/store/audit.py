"""The audit log: one append-only row per decision (``store.audit``; all its SQL is here).

A row says who (``actor``: a person's pseudonymous ledger reference, or ``cli``,
``scheduler``, ``impactbot``), what (``action``, dotted: ``claim``, ``claim.failed``,
``not_ours``, ``credit.void``), on what (``subject``: an issue uid, a ledger entry, a file),
when (``at``, UTC) and why (``detail``, in words). The table refuses UPDATE and DELETE
(migration ``0005_append_only_guards``): corrections are new rows.

Use ``store.audit.record(actor, action, subject, detail, at)`` inside the transaction of
the change it records, so that the change and its record commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlite_utils import Database


@dataclass(frozen=True)
class AuditRecord:
    """One audit row as read back. ``actor`` is the person id while the person is known,
    else what was recorded (a reference for people who were forgotten)."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


class SqliteAudit:
    """The ``audit_log`` table of one store connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, actor: str, action: str, subject: str, detail: str, at: datetime) -> int:
        """Append one row and return its id. ``at`` must be timezone-aware; it is stored in
        UTC so that rows sort and filter by time as text."""
        if at.tzinfo is None:
            raise ValueError("audit times must be timezone-aware")
        cursor = self._db.execute(
            "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            [at.astimezone(UTC).isoformat(), actor, action, subject, detail],
        )
        return int(cursor.lastrowid or 0)

    def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        action: str | None = None,
    ) -> list[AuditRecord]:
        """Rows at or after ``since`` and before ``until`` (unbounded when None), optionally
        of one ``action``, oldest first. Actors recorded as a person's reference are shown
        as that person's id."""
        where, args = ["1 = 1"], []
        if since is not None:
            where.append("a.at >= ?")
            args.append(since.astimezone(UTC).isoformat())
        if until is not None:
            where.append("a.at < ?")
            args.append(until.astimezone(UTC).isoformat())
        if action is not None:
            where.append("a.action = ?")
            args.append(action)
        rows = self._db.execute(
            "SELECT a.id, a.at, coalesce(p.person_id, a.actor), a.action, "
            "coalesce(a.subject, ''), a.detail FROM audit_log a "
            f"LEFT JOIN people_refs p ON p.ref = a.actor WHERE {' AND '.join(where)} "
            "ORDER BY a.at, a.id",
            args,
        ).fetchall()
        return [
            AuditRecord(int(i), datetime.fromisoformat(at), actor, act, subject, detail or "")
            for i, at, actor, act, subject, detail in rows
        ]
