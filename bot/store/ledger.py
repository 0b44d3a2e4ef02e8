"""The ledger aggregate: append-only credit entries, people's pseudonymous references,
running totals, credit queries, confirmations and which mints were announced
(``store.ledger``; all its SQL is here)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.core.credit import CreditEntry, EntryKind
from bot.store.sql import rows_in

_TOTAL_BEFORE = (
    "coalesce((SELECT c.total FROM credit_running c WHERE c.person_ref = r.ref AND c.at < {bound} "
    "ORDER BY c.at DESC, c.entry_id DESC LIMIT 1), 0)"
)

# Entries count unless they wait for a confirmation that has not come.
_COUNTED = (
    "(pending = 0 OR EXISTS (SELECT 1 FROM confirmations c WHERE "
    "c.issue_uid = credit_ledger.issue_uid AND c.closure = credit_ledger.closure))"
)
_COUNTED_L = _COUNTED.replace("credit_ledger.", "l.")
_PERSON_SPAN = f"l.person_ref = ? AND l.at >= ? AND l.at < ? AND {_COUNTED_L}"
_TEAM_SPAN = f"l.team_id = ? AND l.at >= ? AND l.at < ? AND {_COUNTED_L}"
_ENTRY_SELECT = (
    "SELECT l.natural_key, l.kind, coalesce(p.person_id, 'former:' || l.person_ref), "
    "l.team_id, l.role, l.share, l.points, l.issue_uid, l.closure, l.beneficiaries, l.reason, "
    "l.evidence, l.at, l.reverses, l.pending, l.id "
    "FROM credit_ledger l LEFT JOIN people_refs p ON p.ref = l.person_ref"
)


class SqliteLedger:
    """The ``credit_ledger``, ``ledger_refs``, ``people_refs``, ``credit_running``,
    ``credit_received``, ``confirmations`` and ``credit_notices`` tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, entries: Sequence[CreditEntry], new_ref: Callable[[], str]) -> int:
        """Append ``entries`` (idempotent on their natural keys); returns how many were new.

        ``new_ref`` makes the pseudonymous reference of a person seen for the first time.
        """
        return sum(self._append_one(entry, new_ref) for entry in entries)

    def _append_one(self, entry: CreditEntry, new_ref: Callable[[], str]) -> bool:
        ref = self.person_ref(entry.person_id, new_ref)
        row = _entry_row(entry, ref)
        cursor = self._db.execute(
            f"INSERT OR IGNORE INTO credit_ledger ({', '.join(row)}) "
            f"VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        if not cursor.rowcount:
            return False
        self._db.execute("INSERT OR IGNORE INTO ledger_refs (ref) VALUES (?)", [ref])
        if not entry.pending or self._confirmed(entry.issue_uid, entry.closure):
            entry_id = int(cursor.lastrowid or 0)
            self._count(ref, entry.at.isoformat(), entry_id, entry.points)
        self._db.table("credit_received").insert_all(
            {
                "entry_id": cursor.lastrowid,
                "team_id": team,
                "points": entry.points,
                "at": entry.at.isoformat(),
            }
            for team in entry.beneficiaries
        )
        return True

    def person_ref(self, person_id: str, new_ref: Callable[[], str]) -> str:
        """The pseudonymous reference of a person (made on first use). Append-only tables
        (ledger, audit log) name people only by it, so forgetting someone needs no edit there."""
        if person_id.startswith("former:"):
            return person_id.removeprefix("former:")  # a forgotten person keeps their ref
        row = self._db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        if row:
            return str(row[0])
        ref = new_ref()
        self._db.execute("INSERT INTO people_refs (person_id, ref) VALUES (?, ?)", [person_id, ref])
        return ref

    def _ref_of(self, person_id: str) -> str | None:
        """The ledger reference of a person id or of a ``former:<ref>``; None if none."""
        if person_id.startswith("former:"):
            return person_id.removeprefix("former:")
        row = self._db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        return str(row[0]) if row else None

    def _confirmed(self, issue_uid: str, closure: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM confirmations WHERE issue_uid = ? AND closure = ?", [issue_uid, closure]
        ).fetchone()
        return row is not None

    def _count(self, ref: str, at: str, entry_id: int, points: float) -> None:
        """Add an entry to its person's running totals (``credit_running``)."""
        before = self._db.execute(
            "SELECT total FROM credit_running WHERE person_ref = ? AND (at, entry_id) < (?, ?) "
            "ORDER BY at DESC, entry_id DESC LIMIT 1",
            [ref, at, entry_id],
        ).fetchone()
        self._db.execute(
            "INSERT INTO credit_running (person_ref, at, entry_id, total) VALUES (?, ?, ?, ?)",
            [ref, at, entry_id, (before[0] if before else 0.0) + points],
        )
        # Entries are appended out of time order (late syncs, reversals): carry the rest.
        self._db.execute(
            "UPDATE credit_running SET total = total + ? "
            "WHERE person_ref = ? AND (at, entry_id) > (?, ?)",
            [points, ref, at, entry_id],
        )

    def confirm(self, issue_uid: str, closure: str, team_id: str, by: str, at: datetime) -> bool:
        """Record a manager's confirmation; the first one for a closure makes its pending
        entries count (into the running totals too)."""
        if not self._confirmed(issue_uid, closure):
            released = self._db.execute(
                "SELECT person_ref, at, id, points FROM credit_ledger "
                "WHERE issue_uid = ? AND closure = ? AND pending = 1",
                [issue_uid, closure],
            ).fetchall()
            for ref, entry_at, entry_id, points in released:
                self._count(ref, entry_at, entry_id, points)
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO confirmations (issue_uid, closure, team_id, confirmed_by, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [issue_uid, closure, team_id, by, at.isoformat()],
        )
        return bool(cursor.rowcount)

    # ----------------------------------------------------------------- queries

    def for_issues(self, uids: Sequence[str]) -> dict[str, list[CreditEntry]]:
        """Ledger entries of the issues ``uids``, oldest first, by issue."""
        out: dict[str, list[CreditEntry]] = {}
        sql = _ENTRY_SELECT + " WHERE l.issue_uid IN ({marks}) ORDER BY l.id"
        for row in rows_in(self._db, sql, uids):
            entry = _entry_from_row(row)
            out.setdefault(entry.issue_uid, []).append(entry)
        return out

    def entry(self, entry_id: int) -> CreditEntry | None:
        row = self._db.execute(f"{_ENTRY_SELECT} WHERE l.id = ?", [entry_id]).fetchone()
        return _entry_from_row(row) if row else None

    def entry_id(self, natural_key: str) -> int | None:
        row = self._db.execute(
            "SELECT id FROM credit_ledger WHERE natural_key = ?", [natural_key]
        ).fetchone()
        return int(row[0]) if row else None

    def credited_issues(self) -> set[str]:
        """Issues that have any ledger entry."""
        rows = self._db.execute("SELECT DISTINCT issue_uid FROM credit_ledger").fetchall()
        return {uid for (uid,) in rows}

    def spent_between(self, start: datetime, end: datetime) -> dict[str, float]:
        """Each known person's counted points earned in ``[start, end)`` (for caps)."""
        rows = self._db.execute(
            "SELECT p.person_id, sum(l.points) FROM credit_ledger l "
            "JOIN people_refs p ON p.ref = l.person_ref "
            f"WHERE l.at >= ? AND l.at < ? AND {_COUNTED_L} GROUP BY p.person_id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return {person: float(points) for person, points in rows}

    def leaderboard(self, start: datetime, end: datetime, limit: int) -> list[tuple[str, float]]:
        """(person id or ``former:<ref>``, points) for the period, best first: two index
        lookups per person in the running totals, whatever the ledger's size."""
        rows = self._db.execute(
            "SELECT coalesce(p.person_id, 'former:' || t.ref), t.points FROM ("
            f"  SELECT r.ref, {_TOTAL_BEFORE.format(bound=':end')} - "
            f"  {_TOTAL_BEFORE.format(bound=':start')} AS points FROM ledger_refs r"
            ") t LEFT JOIN people_refs p ON p.ref = t.ref "
            "WHERE abs(t.points) > 0.00001 "  # reversed to nothing: not on the board
            "ORDER BY t.points DESC, 1 LIMIT :limit",
            {"start": start.isoformat(), "end": end.isoformat(), "limit": limit},
        ).fetchall()
        return [(str(who), float(points)) for who, points in rows]

    def person_entries(
        self, person_id: str, start: datetime, end: datetime, limit: int | None = None
    ) -> list[tuple[int, CreditEntry]]:
        """A person's counted entries in the period, newest first, with their ids (the
        newest ``limit`` only, when given)."""
        ref = self._ref_of(person_id)
        return self._entries(_PERSON_SPAN, [ref, start.isoformat(), end.isoformat()], limit)

    def person_roles(self, person_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """A person's counted points in the period, by role (summed in SQL)."""
        ref = self._ref_of(person_id)
        return self._roles(_PERSON_SPAN, [ref, start.isoformat(), end.isoformat()])

    def team_totals(self, team_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """Points a team's people earned (given) and points of work its benefited from
        (received) in the period."""
        span = [start.isoformat(), end.isoformat()]
        given = self._db.execute(
            "SELECT coalesce(sum(points), 0) FROM credit_ledger WHERE team_id = ? "
            f"AND at >= ? AND at < ? AND {_COUNTED}",
            [team_id, *span],
        ).fetchone()[0]
        received = self._db.execute(
            "SELECT coalesce(sum(r.points), 0) FROM credit_received r JOIN credit_ledger l "
            f"ON l.id = r.entry_id WHERE r.team_id = ? AND r.at >= ? AND r.at < ? "
            f"AND {_COUNTED_L}",
            [team_id, *span],
        ).fetchone()[0]
        return {"given": float(given), "received": float(received)}

    def team_entries(
        self, team_id: str, start: datetime, end: datetime, limit: int | None = None
    ) -> list[tuple[int, CreditEntry]]:
        """A team's counted entries in the period, newest first (the newest ``limit``)."""
        return self._entries(_TEAM_SPAN, [team_id, start.isoformat(), end.isoformat()], limit)

    def team_roles(self, team_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """A team's counted points in the period, by role."""
        return self._roles(_TEAM_SPAN, [team_id, start.isoformat(), end.isoformat()])

    def _entries(
        self, span: str, args: list[Any], limit: int | None
    ) -> list[tuple[int, CreditEntry]]:
        rows = self._db.execute(
            f"{_ENTRY_SELECT} WHERE {span} ORDER BY l.at DESC, l.id DESC LIMIT ?",
            [*args, -1 if limit is None else limit],
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def _roles(self, span: str, args: list[Any]) -> dict[str, float]:
        rows = self._db.execute(
            f"SELECT l.role, sum(l.points) FROM credit_ledger l WHERE {span} GROUP BY l.role",
            args,
        ).fetchall()
        return {role: float(points) for role, points in rows}

    def entries_between(self, start: datetime, end: datetime) -> list[tuple[int, CreditEntry]]:
        rows = self._db.execute(
            f"{_ENTRY_SELECT} WHERE l.at >= ? AND l.at < ? AND {_COUNTED_L} ORDER BY l.id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    # ----------------------------------------------------------------- notices

    def unnoticed_mints(self) -> list[tuple[int, CreditEntry]]:
        """Mint entries not yet announced, and not reversed or voided, oldest first."""
        rows = self._db.execute(
            f"{_ENTRY_SELECT} WHERE l.kind = 'mint' "
            "AND l.id NOT IN (SELECT entry_id FROM credit_notices) "
            "AND l.natural_key NOT IN (SELECT reverses FROM credit_ledger "
            "WHERE reverses IS NOT NULL) ORDER BY l.id"
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def mark_noticed(self, entry_ids: Sequence[int], at: datetime) -> None:
        self._db.table("credit_notices").insert_all(
            ({"entry_id": i, "noticed_at": at.isoformat()} for i in entry_ids), ignore=True
        )


def _entry_row(entry: CreditEntry, ref: str) -> dict[str, Any]:
    """The ledger row of ``entry``: the person appears only as ``ref``."""
    return {
        "natural_key": _pseudonymous(entry.natural_key, ref),
        "kind": entry.kind.value,
        "person_ref": ref,
        "team_id": entry.team_id,
        "role": entry.role,
        "share": entry.share,
        "points": entry.points,
        "issue_uid": entry.issue_uid,
        "closure": entry.closure,
        "beneficiaries": json.dumps(list(entry.beneficiaries)),
        "reason": entry.reason,
        "evidence": json.dumps(list(entry.evidence)),
        "at": entry.at.isoformat(),
        "reverses": entry.reverses and _pseudonymous(entry.reverses, ref),
        "pending": int(entry.pending),
    }


def _pseudonymous(natural_key: str, ref: str) -> str:
    """A natural key with its person (always the last ``|`` segment) as their reference."""
    return f"{natural_key.rsplit('|', 1)[0]}|{ref}"


def _entry_from_row(row: Sequence[Any]) -> CreditEntry:
    return CreditEntry(
        natural_key=row[0],
        kind=EntryKind(row[1]),
        person_id=row[2],
        team_id=row[3],
        role=row[4],
        share=row[5],
        points=row[6],
        issue_uid=row[7],
        closure=row[8] or "",
        beneficiaries=tuple(json.loads(row[9] or "[]")),
        reason=row[10] or "",
        evidence=tuple(json.loads(row[11] or "[]")),
        at=datetime.fromisoformat(row[12]),
        reverses=row[13],
        pending=bool(row[14]),
    )
