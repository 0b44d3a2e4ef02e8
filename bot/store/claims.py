"""The claims aggregate: managers' claims and their leases, and managers' decisions
(``store.claims``; all its SQL is here).

A claim row moves ``reserved`` (taken before any tracker write) → ``assigned`` (the tracker
lists the assignee) → ``done`` (the comment is posted, or given up). While a row is not
done, ``lease_until`` says how long the process that took it may take; after that, any
process may take the lease over (``take_lease``) and reconcile the claim with the tracker.
Rows written before leases existed have no state and count as done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from bot.core.digest_routing import Decision, DecisionKind

RESERVED, ASSIGNED, DONE = "reserved", "assigned", "done"
_OPEN = (RESERVED, ASSIGNED)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("lease times must be timezone-aware")
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class ClaimRow:
    """A manager's claim of ``issue_uid`` for ``team``, naming the ``assignee`` (person
    ids), made ``at``. ``writer_detail`` says whether impactbot assigned them in the tracker
    or they already were; ``state`` and ``lease_until`` are the lease (None: a claim from
    before leases, done); ``undone_at`` is set once the claim was taken back."""

    issue_uid: str
    team: str
    manager: str
    assignee: str
    at: datetime
    writer_detail: str | None = None
    state: str | None = None
    lease_until: datetime | None = None
    undone_at: datetime | None = None


_CLAIM_COLUMNS = (
    "issue_uid, team, manager, assignee, at, writer_detail, state, lease_until, undone_at"
)


class SqliteClaims:
    """The ``claims`` and ``decisions`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, claim: ClaimRow) -> bool:
        """Record a claim unless the issue already has one standing (double clicks)."""
        standing = self._db.execute(
            "SELECT 1 FROM claims WHERE issue_uid = ? AND undone_at IS NULL", [claim.issue_uid]
        ).fetchone()
        if standing:
            return False
        lease = claim.lease_until
        self._db.execute(
            f"INSERT INTO claims ({_CLAIM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                claim.issue_uid,
                claim.team,
                claim.manager,
                claim.assignee,
                claim.at.isoformat(),
                claim.writer_detail,
                claim.state,
                _utc(lease) if lease else None,
                claim.undone_at.isoformat() if claim.undone_at else None,
            ],
        )
        return True

    def standing(self, issue_uid: str) -> ClaimRow | None:
        """The claim on ``issue_uid`` that was not undone, if any."""
        rows = self._where("issue_uid = ? AND undone_at IS NULL", [issue_uid])
        return rows[0] if rows else None

    def delete(self, issue_uid: str, at: datetime) -> None:
        """Drop a claim reservation whose tracker write did not take."""
        self._db.execute(
            "DELETE FROM claims WHERE issue_uid = ? AND at = ?", [issue_uid, at.isoformat()]
        )

    def all(self) -> list[ClaimRow]:
        """Every standing claim, oldest first."""
        return self._where("undone_at IS NULL", [], order="at")

    def undo(self, issue_uid: str, at: datetime) -> ClaimRow | None:
        """Take back the standing claim on ``issue_uid``; returns it as it stood."""
        standing = self.standing(issue_uid)
        if standing is None:
            return None
        self._db.execute(
            "UPDATE claims SET undone_at = ? WHERE issue_uid = ? AND undone_at IS NULL",
            [at.isoformat(), issue_uid],
        )
        return standing

    def _where(self, where: str, args: list[str], *, order: str = "rowid") -> list[ClaimRow]:
        rows = self._db.execute(
            f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE {where} ORDER BY {order}", args
        ).fetchall()
        return [_claim(row) for row in rows]

    # ------------------------------------------------------------------ leases

    def advance(
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
        cursor = self._db.execute(
            f"UPDATE claims SET {', '.join(sets)} WHERE issue_uid = ? AND at = ? "
            "AND undone_at IS NULL AND state IN (?, ?)",
            [*args, issue_uid, at.isoformat(), *_OPEN],
        )
        return bool(cursor.rowcount)

    def expired_leases(self, now: datetime) -> list[ClaimRow]:
        """Open claims whose lease ended at or before ``now``, oldest first."""
        return self._where(
            "undone_at IS NULL AND state IN (?, ?) AND lease_until <= ?",
            [*_OPEN, _utc(now)],
            order="at",
        )

    def take_lease(self, issue_uid: str, at: datetime, *, now: datetime, until: datetime) -> bool:
        """Take over the lease of an open claim whose lease has ended, until ``until``. One
        statement, so of two processes reconciling at once only one gets it."""
        cursor = self._db.execute(
            "UPDATE claims SET lease_until = ? WHERE issue_uid = ? AND at = ? "
            "AND undone_at IS NULL AND state IN (?, ?) AND lease_until <= ?",
            [_utc(until), issue_uid, at.isoformat(), *_OPEN, _utc(now)],
        )
        return bool(cursor.rowcount)

    # --------------------------------------------------------------- decisions

    def record_decision(self, decision: Decision) -> None:
        """Record a manager's decision (replacing one made at the same instant). Raises
        ``ValueError`` for a decision marked undone: it is recorded first, undone after."""
        if decision.undone:
            raise ValueError("a decision is recorded standing; undo_decision undoes it")
        self._db.table("decisions").insert(
            {
                "manager": decision.manager,
                "issue_uid": decision.issue_uid,
                "kind": decision.kind.value,
                "at": decision.at.isoformat(),
                "score": decision.score,
                "until": decision.until.isoformat() if decision.until else None,
                "undone_at": None,
            },
            replace=True,
        )

    def decisions(self) -> list[Decision]:
        """Every decision, undone ones included, oldest first."""
        rows = self._db.execute(
            "SELECT manager, issue_uid, kind, at, score, until, undone_at FROM decisions "
            "ORDER BY at"
        ).fetchall()
        return [
            Decision(
                manager=manager,
                issue_uid=uid,
                kind=DecisionKind(kind),
                at=datetime.fromisoformat(at),
                score=score,
                until=datetime.fromisoformat(until) if until else None,
                undone=undone_at is not None,
            )
            for manager, uid, kind, at, score, until, undone_at in rows
        ]

    def undo_decision(self, manager: str, issue_uid: str, kind: str, at: datetime) -> bool:
        cursor = self._db.execute(
            "UPDATE decisions SET undone_at = ? WHERE manager = ? AND issue_uid = ? "
            "AND kind = ? AND undone_at IS NULL",
            [at.isoformat(), manager, issue_uid, kind],
        )
        return bool(cursor.rowcount)


def _claim(row: Sequence[Any]) -> ClaimRow:
    uid, team, manager, assignee, at, detail, state, lease, undone = row
    return ClaimRow(
        uid,
        team,
        manager,
        assignee,
        datetime.fromisoformat(at),
        detail,
        state,
        datetime.fromisoformat(lease) if lease else None,
        datetime.fromisoformat(undone) if undone else None,
    )
