"""Claim leases: a claim's reservation is a lease until its tracker write is finished (a
part of ``Store``; all its SQL is here).

A claim row moves ``reserved`` (taken before any tracker write) → ``assigned`` (the tracker
lists the assignee) → ``done`` (the comment is posted, or given up). While a row is not
done, ``lease_until`` says how long the process that took it may take; after that, any
process may take the lease over (``take_expired_lease``) and reconcile the claim with the
tracker. Rows written before leases existed have no state and count as done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

RESERVED, ASSIGNED, DONE = "reserved", "assigned", "done"
_OPEN = (RESERVED, ASSIGNED)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("lease times must be timezone-aware")
    return moment.astimezone(UTC).isoformat()


class ClaimLeaseTables:
    """Mixin for ``Store``: the lease columns of the ``claims`` table."""

    db: Database

    def advance_claim(
        self, issue_uid: str, at: datetime, state: str, *, lease_until: datetime | None = None
    ) -> bool:
        """Move the open claim ``(issue_uid, at)`` to ``state`` (``lease_until`` extends the
        lease too). False when the claim is no longer open: it was released or finished by
        another process in the meantime."""
        if state not in (ASSIGNED, DONE):
            raise ValueError(f"a claim cannot move to {state!r}")
        sets, args = ["state = ?"], [state]
        if lease_until is not None:
            sets.append("lease_until = ?")
            args.append(_utc(lease_until))
        cursor = self.db.execute(
            f"UPDATE claims SET {', '.join(sets)} WHERE issue_uid = ? AND at = ? "
            "AND undone_at IS NULL AND state IN (?, ?)",
            [*args, issue_uid, at.isoformat(), *_OPEN],
        )
        return bool(cursor.rowcount)

    def expired_claim_leases(self, now: datetime) -> list[dict[str, Any]]:
        """Open claims whose lease ended at or before ``now``, oldest first."""
        return list(
            self.db.table("claims").rows_where(
                "undone_at IS NULL AND state IN (?, ?) AND lease_until <= ?",
                [*_OPEN, _utc(now)],
                order_by="at",
            )
        )

    def take_expired_lease(
        self, issue_uid: str, at: datetime, *, now: datetime, until: datetime
    ) -> bool:
        """Take over the lease of an open claim whose lease has ended, until ``until``. One
        statement, so of two processes reconciling at once only one gets it."""
        cursor = self.db.execute(
            "UPDATE claims SET lease_until = ? WHERE issue_uid = ? AND at = ? "
            "AND undone_at IS NULL AND state IN (?, ?) AND lease_until <= ?",
            [_utc(until), issue_uid, at.isoformat(), *_OPEN, _utc(now)],
        )
        return bool(cursor.rowcount)
