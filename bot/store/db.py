"""Every query impactbot runs, behind one small class.

``open_store(path)`` opens one connection for one unit of work (a command, a job, a
request), applies pending migrations and turns on WAL; the connection closes when the
block ends. Writes that belong together go through ``Store.transaction()``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.core.credit import CreditEntry, EntryKind
from bot.core.models import Flag, Issue, ScoreCard
from bot.core.rules_teams import TeamsRules
from bot.core.suggest import close_matches
from bot.errors import StoreLocationError, UnknownIssueError
from bot.store.audit import AuditLog
from bot.store.claim_leases import ClaimLeaseTables
from bot.store.deliveries import DeliveryLog
from bot.store.duplicates import DuplicateTables
from bot.store.events import SeenEvents
from bot.store.migrations import MIGRATIONS
from bot.store.slack_ids import SlackIdTables
from bot.store.visibility import VisibilityTables


@contextmanager
def open_store(path: Path | str) -> Iterator[Store]:
    """Open (creating if needed) the database at ``path`` for one unit of work. Raises
    ``StoreLocationError`` when SQLite cannot open or set it up there (what the CLI's
    ``check_location`` did not foresee: a full disk, a read-only file, a locked folder)."""
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise _unusable(path, exc) from None
    try:
        db = Database(conn)
        try:
            _set_up(db, conn, path)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            raise _unusable(path, exc) from None
        yield Store(db)
    finally:
        conn.close()


def _set_up(db: Database, conn: sqlite3.Connection, path: Path | str) -> None:
    if str(path) != ":memory:":
        # Switching a new file to WAL needs it to itself for a moment; SQLite answers a
        # process starting alongside "database is locked" at once, without waiting.
        _retrying(db.enable_wal, sqlite3.OperationalError)
        # In WAL mode NORMAL keeps the database consistent through crashes; a power cut
        # may lose the last commits, which a resumable sync simply fetches again.
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    _migrate(db)


def _unusable(path: Path | str, exc: Exception) -> StoreLocationError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreLocationError(
        f"cannot open the database {path}: {reason}; set IMPACTBOT_DB (or --db) to an SQLite "
        "file in a folder you can write to"
    )


def _migrate(db: Database) -> None:
    """Apply pending migrations. Two processes starting on a new file race to apply the
    same migration; each runs in a transaction, so the loser's is rolled back, and on a
    retry it finds the migration applied. The loser fails either in the migration itself
    (a table that exists, or a write lock SQLite refuses at once to a transaction whose
    snapshot went stale: OperationalError) or, for a migration that is idempotent
    (``IF NOT EXISTS``), when recording it a second time (IntegrityError)."""
    _retrying(lambda: MIGRATIONS.apply(db), sqlite3.OperationalError, sqlite3.IntegrityError)


def _retrying(step: Callable[[], object], *errors: type[Exception], attempts: int = 20) -> None:
    """Run ``step``, again after a growing pause (0.05 s up to 0.5 s; about 7 s in all) while
    it raises one of ``errors``; the last failure propagates."""
    for attempt in range(1, attempts + 1):
        try:
            step()
            return
        except errors:
            if attempt == attempts:
                raise
            time.sleep(min(0.05 * attempt, 0.5))


class Store(DuplicateTables, SlackIdTables, ClaimLeaseTables, VisibilityTables):
    """Typed access to the tables; callers never write SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.audit = AuditLog(db)
        self.events = SeenEvents(db)
        self.deliveries = DeliveryLog(db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def backup_to(self, target: Path) -> None:
        """Copy the database to ``target`` with SQLite's online backup: consistent while
        the bot keeps writing, WAL contents included."""
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(str(target))
        try:
            self.db.conn.backup(destination)
        finally:
            destination.close()

    def applied_migrations(self) -> list[str]:
        return [m.name for m in MIGRATIONS.applied(self.db)]

    # ------------------------------------------------------------------ issues

    def upsert_issues(self, issues: Sequence[Issue]) -> None:
        """Insert or replace issues and their links (idempotent on ``uid``)."""
        self.db.table("issues").upsert_all(
            (
                {
                    "uid": i.uid,
                    "source": i.source,
                    "key": i.key,
                    "container": i.container,
                    "state": i.state.value,
                    "title": i.title,
                    "updated_at": i.updated_at.isoformat(),
                    "visibility": i.visibility.value,
                    "data": i.model_dump_json(),
                }
                for i in issues
            ),
            pk="uid",
            batch_size=500,
        )
        uids = [i.uid for i in issues]
        for chunk in _chunks(uids, 500):
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM issue_links WHERE from_uid IN ({marks})", chunk)
        self.db.table("issue_links").insert_all(
            (
                {
                    "from_uid": i.uid,
                    "position": n,
                    "kind": link.kind.value,
                    "to_key": link.target.key,
                    "to_source": link.target.source,
                    "evidence": link.evidence,
                }
                for i in issues
                for n, link in enumerate(i.links)
            ),
            batch_size=500,
        )

    def load_issues(self) -> list[Issue]:
        """Every issue, in ``uid`` order."""
        rows = self.db.execute("SELECT data FROM issues ORDER BY uid").fetchall()
        return [Issue.model_validate_json(data) for (data,) in rows]

    def count_issues(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM issues").fetchone()[0])

    def find_issue_uids(self, key: str) -> list[str]:
        """Uids whose key or uid equals ``key`` (case-insensitive), for lookups by key."""
        rows = self.db.execute(
            "SELECT uid FROM issues WHERE lower(key) = lower(?) "
            "UNION SELECT uid FROM issues WHERE lower(uid) = lower(?) ORDER BY uid",
            [key, key],
        ).fetchall()
        return [uid for (uid,) in rows]

    def resolve_key(self, key: str) -> str:
        """The uid of the one issue ``key`` names; raises ``UnknownIssueError`` (with
        suggestions) when none or several match."""
        uids = self.find_issue_uids(key.strip())
        if len(uids) == 1:
            return uids[0]
        raise UnknownIssueError(key, uids or self.similar_keys(key))

    def similar_keys(self, key: str, limit: int = 3) -> list[str]:
        """Stored keys close enough to ``key`` to be what was meant (a typo in the container
        or the number), to suggest when a lookup fails; none when nothing is close."""
        key = key.strip()
        container, number = _split_key(key)
        rows = self.db.execute(
            "SELECT key FROM (SELECT key FROM issues WHERE key LIKE ? LIMIT 5000) "
            "UNION SELECT key FROM (SELECT key FROM issues WHERE key LIKE ? LIMIT 5000)",
            [f"{container}%", f"%{number}"],
        ).fetchall()
        return close_matches(key, (k for (k,) in rows), limit)

    def _rows_in(self, sql: str, values: Sequence[str]) -> Iterator[Any]:
        """Rows of ``sql`` — whose ``{marks}`` is an ``IN`` list — for every one of
        ``values``, in chunks (SQLite caps the number of bound parameters)."""
        for chunk in _chunks(list(values), 500):
            yield from self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def updated_at_of(self, uids: Sequence[str]) -> dict[str, str]:
        """Stored ``updated_at`` (ISO text) of those of ``uids`` that are stored."""
        return dict(
            self._rows_in("SELECT uid, updated_at FROM issues WHERE uid IN ({marks})", uids)
        )

    def keys_in_container(self, source: str, container: str) -> list[str]:
        rows = self.db.execute(
            "SELECT key FROM issues WHERE source = ? AND lower(container) = lower(?) ORDER BY key",
            [source, container],
        ).fetchall()
        return [key for (key,) in rows]

    def delete_issue(self, uid: str) -> None:
        """Forget an issue that no longer exists (its links and score card too)."""
        for sql in (
            "DELETE FROM issue_links WHERE from_uid = ?",
            "DELETE FROM contributions WHERE issue_uid = ?",
            "DELETE FROM score_cards WHERE issue_uid = ?",
            "DELETE FROM issues WHERE uid = ?",
        ):
            self.db.execute(sql, [uid])

    # -------------------------------------------------------------- sync state

    def sync_state(self, key: str) -> dict[str, Any] | None:
        """The saved cursor of one sync stream (``cursor`` is JSON the connector owns)."""
        row = self.db.execute(
            "SELECT cursor, etag, updated_at FROM sync_state WHERE source = ?", [key]
        ).fetchone()
        if row is None:
            return None
        return {
            "cursor": json.loads(row[0]) if row[0] else None,
            "etag": row[1],
            "updated_at": row[2],
        }

    def save_sync_state(self, key: str, *, cursor: object, etag: str | None, at: datetime) -> None:
        self.db.table("sync_state").upsert(
            {
                "source": key,
                "cursor": json.dumps(cursor),
                "etag": etag,
                "updated_at": at.isoformat(),
            },
            pk="source",
        )

    # ---------------------------------------------------------- people / teams

    def replace_directory(self, rules: TeamsRules) -> None:
        """Mirror teams.yaml into people, identities, teams and team_members."""
        for table in ("identities", "team_members", "teams", "people"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.table("people").insert_all({"id": p.id, "name": p.name} for p in rules.people)
        self.db.table("identities").insert_all(_identities(rules), replace=True)
        self.db.table("teams").insert_all(
            {
                "id": t.id,
                "name": t.name,
                "slack_channel": t.slack_channel,
                "data": t.model_dump_json(),
            }
            for t in rules.teams
        )
        self.db.table("team_members").insert_all(
            (
                {"team_id": t.id, "person_id": pid, "role": role}
                for t in rules.teams
                for role, ids in (("manager", t.managers), ("member", t.members))
                for pid in ids
            ),
            replace=True,
        )

    def has_person(self, person_id: str) -> bool:
        """A person of the mirrored directory, or a former member's ``former:<ref>``."""
        if person_id.startswith("former:"):
            ref = person_id.removeprefix("former:")
            return bool(
                self.db.execute("SELECT 1 FROM ledger_refs WHERE ref = ?", [ref]).fetchone()
            )
        return bool(self.db.execute("SELECT 1 FROM people WHERE id = ?", [person_id]).fetchone())

    def has_team(self, team_id: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM teams WHERE id = ?", [team_id]).fetchone())

    # ------------------------------------------------------------------- flags

    def load_flags(self) -> dict[str, list[Flag]]:
        """Flags by issue uid, earliest first."""
        out: dict[str, list[Flag]] = {}
        for row in self.db.table("flags").rows_where(order_by="at"):
            flag = Flag.model_validate(row)
            out.setdefault(flag.issue_uid, []).append(flag)
        return out

    def flags_by(self, person_id: str) -> list[tuple[str, str, str]]:
        """(uid, key, title) of the issues ``person_id`` flagged, newest flag first."""
        rows = self.db.execute(
            "SELECT i.uid, i.key, i.title FROM flags f JOIN issues i ON i.uid = f.issue_uid "
            "WHERE f.person_id = ? ORDER BY f.at DESC",
            [person_id],
        ).fetchall()
        return [(uid, key, title) for uid, key, title in rows]

    def add_flag(self, flag: Flag) -> bool:
        """Record a flag; False if this person already flagged this issue (idempotent)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO flags (issue_uid, person_id, note, at) VALUES (?, ?, ?, ?)",
            [flag.issue_uid, flag.person_id, flag.note, flag.at.isoformat()],
        )
        return bool(cursor.rowcount)

    # ------------------------------------------------------------- score cards

    def replace_score_cards(self, cards: Sequence[ScoreCard]) -> None:
        """Replace every score card and contribution with ``cards``."""
        self.db.execute("DELETE FROM contributions")
        self.db.execute("DELETE FROM score_cards")
        self.replace_score_cards_of(cards)

    def replace_score_cards_of(self, cards: Sequence[ScoreCard]) -> None:
        """Insert ``cards`` (their issues must have none stored)."""
        self.db.table("score_cards").insert_all(
            (
                {
                    "issue_uid": c.issue_uid,
                    "computed_at": c.computed_at.isoformat(),
                    "total": c.total,
                    "orphan_score": c.orphan_score,
                    "owner_team": c.owner_team,
                    "incentive_gap": c.incentive_gap,
                    "data": c.model_dump_json(),
                }
                for c in cards
            ),
            batch_size=500,
        )
        self.db.table("contributions").insert_all(
            (
                {
                    "issue_uid": c.issue_uid,
                    "position": n,
                    "signal": part.signal,
                    "points": part.points,
                    "reason": part.reason,
                    "evidence": json.dumps(list(part.evidence)),
                }
                for c in cards
                for n, part in enumerate(c.contributions)
            ),
            batch_size=1000,
        )

    def load_score_cards(self, *, orphans_only: bool = False) -> list[ScoreCard]:
        where = "WHERE orphan_score > 0" if orphans_only else ""
        rows = self.db.execute(
            f"SELECT data FROM score_cards {where} ORDER BY orphan_score DESC, total DESC"
        ).fetchall()
        return [ScoreCard.model_validate_json(data) for (data,) in rows]

    def load_score_card(self, uid: str) -> ScoreCard | None:
        row = self.db.execute("SELECT data FROM score_cards WHERE issue_uid = ?", [uid]).fetchone()
        return ScoreCard.model_validate_json(row[0]) if row else None

    def neighbourhood(self, uid: str) -> list[Issue]:
        """The issue ``uid`` with every stored issue that links to it or that it links to:
        all that scoring it needs (links are resolved by key, case-insensitively)."""
        issue = self.load_issue(uid)
        if issue is None:
            return []
        rows = self.db.execute(
            "SELECT i.data FROM issue_links l JOIN issues i ON i.uid = l.from_uid "
            "WHERE lower(l.to_key) = lower(?) "
            "UNION SELECT i.data FROM issue_links l "
            "JOIN issues i ON lower(i.key) = lower(l.to_key) WHERE l.from_uid = ?",
            [issue.key, uid],
        ).fetchall()
        others = [Issue.model_validate_json(data) for (data,) in rows]
        return [issue, *(o for o in others if o.uid != uid)]

    def replace_score_card(self, card: ScoreCard) -> None:
        """Replace one issue's card and contributions (after a flag, say)."""
        self.db.execute("DELETE FROM contributions WHERE issue_uid = ?", [card.issue_uid])
        self.db.execute("DELETE FROM score_cards WHERE issue_uid = ?", [card.issue_uid])
        self.replace_score_cards_of([card])

    def load_issue(self, uid: str) -> Issue | None:
        row = self.db.execute("SELECT data FROM issues WHERE uid = ?", [uid]).fetchone()
        return Issue.model_validate_json(row[0]) if row else None

    # ---------------------------------------------------------------- surfacing

    def record_surfacings(self, cards: Sequence[ScoreCard], at: datetime) -> None:
        """Remember the first time each of ``cards`` was surfaced (kept thereafter)."""
        self.db.table("surfacings").insert_all(
            (
                {"issue_uid": c.issue_uid, "first_at": at.isoformat(), "score": c.total}
                for c in cards
            ),
            ignore=True,
        )

    def surfaced_between(self, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
        rows = self.db.execute(
            "SELECT issue_uid, first_at FROM surfacings WHERE first_at >= ? AND first_at < ? "
            "ORDER BY issue_uid",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return [(uid, datetime.fromisoformat(at)) for uid, at in rows]

    def surfaced_before(self, uids: Sequence[str]) -> dict[str, datetime]:
        """When each of ``uids`` was first surfaced, for those that were."""
        sql = "SELECT issue_uid, first_at FROM surfacings WHERE issue_uid IN ({marks})"
        return {uid: datetime.fromisoformat(at) for uid, at in self._rows_in(sql, uids)}

    # ------------------------------------------------------------ credit ledger

    def ledger_for(self, uids: Sequence[str]) -> dict[str, list[CreditEntry]]:
        """Ledger entries of the issues ``uids``, oldest first, by issue."""
        out: dict[str, list[CreditEntry]] = {}
        sql = _ENTRY_SELECT + " WHERE l.issue_uid IN ({marks}) ORDER BY l.id"
        for row in self._rows_in(sql, uids):
            entry = _entry_from_row(row)
            out.setdefault(entry.issue_uid, []).append(entry)
        return out

    def append_credit(self, entries: Sequence[CreditEntry], new_ref: Callable[[], str]) -> int:
        """Append ``entries`` (idempotent on their natural keys); returns how many were new.

        ``new_ref`` makes the pseudonymous reference of a person seen for the first time.
        """
        added = 0
        for entry in entries:
            ref = self.person_ref(entry.person_id, new_ref)
            row = _entry_row(entry, ref)
            cursor = self.db.execute(
                f"INSERT OR IGNORE INTO credit_ledger ({', '.join(row)}) "
                f"VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            if cursor.rowcount:
                added += 1
                self.db.execute("INSERT OR IGNORE INTO ledger_refs (ref) VALUES (?)", [ref])
                if not entry.pending or self._confirmed(entry.issue_uid, entry.closure):
                    entry_id = int(cursor.lastrowid or 0)
                    self._count(ref, entry.at.isoformat(), entry_id, entry.points)
                self.db.table("credit_received").insert_all(
                    {
                        "entry_id": cursor.lastrowid,
                        "team_id": team,
                        "points": entry.points,
                        "at": entry.at.isoformat(),
                    }
                    for team in entry.beneficiaries
                )
        return added

    def _ref_of(self, person_id: str) -> str | None:
        """The ledger reference of a person id or of a ``former:<ref>``; None if none."""
        if person_id.startswith("former:"):
            return person_id.removeprefix("former:")
        row = self.db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        return str(row[0]) if row else None

    def _confirmed(self, issue_uid: str, closure: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM confirmations WHERE issue_uid = ? AND closure = ?", [issue_uid, closure]
        ).fetchone()
        return row is not None

    def _count(self, ref: str, at: str, entry_id: int, points: float) -> None:
        """Add an entry to its person's running totals (``credit_running``)."""
        before = self.db.execute(
            "SELECT total FROM credit_running WHERE person_ref = ? AND (at, entry_id) < (?, ?) "
            "ORDER BY at DESC, entry_id DESC LIMIT 1",
            [ref, at, entry_id],
        ).fetchone()
        self.db.execute(
            "INSERT INTO credit_running (person_ref, at, entry_id, total) VALUES (?, ?, ?, ?)",
            [ref, at, entry_id, (before[0] if before else 0.0) + points],
        )
        # Entries are appended out of time order (late syncs, reversals): carry the rest.
        self.db.execute(
            "UPDATE credit_running SET total = total + ? "
            "WHERE person_ref = ? AND (at, entry_id) > (?, ?)",
            [points, ref, at, entry_id],
        )

    def person_ref(self, person_id: str, new_ref: Callable[[], str]) -> str:
        """The pseudonymous reference of a person (made on first use). Append-only tables
        (ledger, audit log) name people only by it, so forgetting someone needs no edit there."""
        if person_id.startswith("former:"):
            return person_id.removeprefix("former:")  # a forgotten person keeps their ref
        row = self.db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        if row:
            return str(row[0])
        ref = new_ref()
        self.db.execute("INSERT INTO people_refs (person_id, ref) VALUES (?, ?)", [person_id, ref])
        return ref

    def credit_spent_between(self, start: datetime, end: datetime) -> dict[str, float]:
        """Each known person's counted points earned in ``[start, end)`` (for caps)."""
        rows = self.db.execute(
            "SELECT p.person_id, sum(l.points) FROM credit_ledger l "
            "JOIN people_refs p ON p.ref = l.person_ref "
            f"WHERE l.at >= ? AND l.at < ? AND {_COUNTED_L} GROUP BY p.person_id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return {person: float(points) for person, points in rows}

    def credited_issues(self) -> set[str]:
        """Issues that have any ledger entry."""
        rows = self.db.execute("SELECT DISTINCT issue_uid FROM credit_ledger").fetchall()
        return {uid for (uid,) in rows}

    def credit_entry(self, entry_id: int) -> CreditEntry | None:
        row = self.db.execute(f"{_ENTRY_SELECT} WHERE l.id = ?", [entry_id]).fetchone()
        return _entry_from_row(row) if row else None

    def credit_entry_id(self, natural_key: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM credit_ledger WHERE natural_key = ?", [natural_key]
        ).fetchone()
        return int(row[0]) if row else None

    def leaderboard(self, start: datetime, end: datetime, limit: int) -> list[tuple[str, float]]:
        """(person id or ``former:<ref>``, points) for the period, best first: two index
        lookups per person in the running totals, whatever the ledger's size."""
        rows = self.db.execute(
            "SELECT coalesce(p.person_id, 'former:' || t.ref), t.points FROM ("
            f"  SELECT r.ref, {_TOTAL_BEFORE.format(bound=':end')} - "
            f"  {_TOTAL_BEFORE.format(bound=':start')} AS points FROM ledger_refs r"
            ") t LEFT JOIN people_refs p ON p.ref = t.ref "
            "WHERE abs(t.points) > 0.00001 "  # reversed to nothing: not on the board
            "ORDER BY t.points DESC, 1 LIMIT :limit",
            {"start": start.isoformat(), "end": end.isoformat(), "limit": limit},
        ).fetchall()
        return [(str(who), float(points)) for who, points in rows]

    def person_credit(
        self, person_id: str, start: datetime, end: datetime, limit: int | None = None
    ) -> list[tuple[int, CreditEntry]]:
        """A person's counted entries in the period, newest first, with their ids (the
        newest ``limit`` only, when given)."""
        rows = self.db.execute(
            f"{_ENTRY_SELECT} WHERE {_PERSON_SPAN} ORDER BY l.at DESC, l.id DESC LIMIT ?",
            [
                self._ref_of(person_id),
                start.isoformat(),
                end.isoformat(),
                -1 if limit is None else limit,
            ],
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def person_roles(self, person_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """A person's counted points in the period, by role (summed in SQL)."""
        rows = self.db.execute(
            f"SELECT l.role, sum(l.points) FROM credit_ledger l WHERE {_PERSON_SPAN} "
            "GROUP BY l.role",
            [self._ref_of(person_id), start.isoformat(), end.isoformat()],
        ).fetchall()
        return {role: float(points) for role, points in rows}

    def team_credit(self, team_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """Points a team's people earned (given) and points of work its benefited from
        (received) in the period."""
        span = [start.isoformat(), end.isoformat()]
        given = self.db.execute(
            "SELECT coalesce(sum(points), 0) FROM credit_ledger WHERE team_id = ? "
            f"AND at >= ? AND at < ? AND {_COUNTED}",
            [team_id, *span],
        ).fetchone()[0]
        received = self.db.execute(
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
        rows = self.db.execute(
            f"{_ENTRY_SELECT} WHERE {_TEAM_SPAN} ORDER BY l.at DESC, l.id DESC LIMIT ?",
            [team_id, start.isoformat(), end.isoformat(), -1 if limit is None else limit],
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def team_roles(self, team_id: str, start: datetime, end: datetime) -> dict[str, float]:
        """A team's counted points in the period, by role."""
        rows = self.db.execute(
            f"SELECT l.role, sum(l.points) FROM credit_ledger l WHERE {_TEAM_SPAN} GROUP BY l.role",
            [team_id, start.isoformat(), end.isoformat()],
        ).fetchall()
        return {role: float(points) for role, points in rows}

    def entries_between(self, start: datetime, end: datetime) -> list[tuple[int, CreditEntry]]:
        rows = self.db.execute(
            f"{_ENTRY_SELECT} WHERE l.at >= ? AND l.at < ? AND {_COUNTED_L} ORDER BY l.id",
            [start.isoformat(), end.isoformat()],
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def confirm(self, issue_uid: str, closure: str, team_id: str, by: str, at: datetime) -> bool:
        """Record a manager's confirmation; the first one for a closure makes its pending
        entries count (into the running totals too)."""
        if not self._confirmed(issue_uid, closure):
            released = self.db.execute(
                "SELECT person_ref, at, id, points FROM credit_ledger "
                "WHERE issue_uid = ? AND closure = ? AND pending = 1",
                [issue_uid, closure],
            ).fetchall()
            for ref, entry_at, entry_id, points in released:
                self._count(ref, entry_at, entry_id, points)
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO confirmations (issue_uid, closure, team_id, confirmed_by, at) "
            "VALUES (?, ?, ?, ?, ?)",
            [issue_uid, closure, team_id, by, at.isoformat()],
        )
        return bool(cursor.rowcount)

    def forget_person(self, person_id: str) -> str | None:
        """Remove every trace of ``person_id`` outside the ledger, whose rows keep only an
        anonymous reference. Returns that reference (None if they never earned credit)."""
        row = self.db.execute(
            "SELECT ref FROM people_refs WHERE person_id = ?", [person_id]
        ).fetchone()
        ref = str(row[0]) if row else None
        for sql in (
            "DELETE FROM people_refs WHERE person_id = ?",
            "DELETE FROM identities WHERE person_id = ?",
            "DELETE FROM team_members WHERE person_id = ?",
            "DELETE FROM people WHERE id = ?",
            "DELETE FROM flags WHERE person_id = ?",
            "UPDATE confirmations SET confirmed_by = 'former member' WHERE confirmed_by = ?",
            "UPDATE dupe_feedback SET person = 'former member' WHERE person = ?",
            "DELETE FROM slack_ids WHERE person_id = ?",
        ):
            self.db.execute(sql, [person_id])
        return ref

    # ------------------------------------------------------------------ digests

    def claim_send(
        self, recipient: str, period: str, *, owner: str, at: datetime, lease: timedelta
    ) -> str:
        """Take the right to send ``recipient``'s digest for ``period``. Answers ``mine``
        (send it), ``recover`` (a claim older than ``lease`` was left by a crash: check
        whether its post went out before posting), ``busy`` (another process holds it) or
        ``sent``. One transaction, so two processes never both get ``mine``/``recover``.
        ``owner``'s own unfinished claim (a retry after an attempt that may have posted) is
        ``recover`` at once."""
        with self.transaction():
            row = self.db.execute(
                "SELECT state, claimed_at, owner FROM digests_sent "
                "WHERE recipient = ? AND period = ?",
                [recipient, period],
            ).fetchone()
            if row is None:
                self.db.execute(
                    "INSERT INTO digests_sent (recipient, period, state, claimed_at, owner) "
                    "VALUES (?, ?, 'claimed', ?, ?)",
                    [recipient, period, at.isoformat(), owner],
                )
                return "mine"
            state, claimed_at, holder = row
            if state == "sent":
                return "sent"
            if holder != owner and datetime.fromisoformat(claimed_at) > at - lease:
                return "busy"
            self.db.execute(
                "UPDATE digests_sent SET claimed_at = ?, owner = ? "
                "WHERE recipient = ? AND period = ?",
                [at.isoformat(), owner, recipient, period],
            )
            return "recover"

    def release_send(self, recipient: str, period: str) -> None:
        """Give up an unfinished send (nothing was posted), so the next run tries again."""
        with self.transaction():
            self.db.execute(
                "DELETE FROM digests_sent WHERE recipient = ? AND period = ? AND state = 'claimed'",
                [recipient, period],
            )

    def mark_sent(
        self, recipient: str, period: str, *, channel: str, ts: str, at: datetime
    ) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE digests_sent SET state = 'sent', sent_at = ?, channel = ?, message_ts = ? "
                "WHERE recipient = ? AND period = ?",
                [at.isoformat(), channel, ts, recipient, period],
            )

    def digest_states(self, period: str | None = None) -> list[dict[str, Any]]:
        where, args = ("period = ?", [period]) if period else (None, [])
        return list(self.db.table("digests_sent").rows_where(where, args, order_by="recipient"))

    def record_decision(self, decision: dict[str, Any]) -> None:
        self.db.table("decisions").insert(decision, replace=True)

    def decisions(self) -> list[dict[str, Any]]:
        return list(self.db.table("decisions").rows_where(order_by="at"))

    def undo_decision(self, manager: str, issue_uid: str, kind: str, at: datetime) -> bool:
        cursor = self.db.execute(
            "UPDATE decisions SET undone_at = ? WHERE manager = ? AND issue_uid = ? "
            "AND kind = ? AND undone_at IS NULL",
            [at.isoformat(), manager, issue_uid, kind],
        )
        return bool(cursor.rowcount)

    def record_claim(self, claim: dict[str, Any]) -> bool:
        """Record a claim unless the issue already has one standing (double clicks)."""
        standing = self.db.execute(
            "SELECT 1 FROM claims WHERE issue_uid = ? AND undone_at IS NULL", [claim["issue_uid"]]
        ).fetchone()
        if standing:
            return False
        self.db.table("claims").insert(claim)
        return True

    def standing_claim(self, issue_uid: str) -> dict[str, Any] | None:
        """The claim on ``issue_uid`` that was not undone, if any."""
        rows = list(
            self.db.table("claims").rows_where("issue_uid = ? AND undone_at IS NULL", [issue_uid])
        )
        return rows[0] if rows else None

    def delete_claim(self, issue_uid: str, at: datetime) -> None:
        """Drop a claim reservation whose tracker write did not take."""
        self.db.execute(
            "DELETE FROM claims WHERE issue_uid = ? AND at = ?", [issue_uid, at.isoformat()]
        )

    def claims(self) -> list[dict[str, Any]]:
        return list(self.db.table("claims").rows_where("undone_at IS NULL", order_by="at"))

    def undo_claim(self, issue_uid: str, at: datetime) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT issue_uid, team, manager, assignee, at FROM claims "
            "WHERE issue_uid = ? AND undone_at IS NULL",
            [issue_uid],
        ).fetchone()
        if row is None:
            return None
        self.db.execute(
            "UPDATE claims SET undone_at = ? WHERE issue_uid = ? AND undone_at IS NULL",
            [at.isoformat(), issue_uid],
        )
        return dict(zip(("issue_uid", "team", "manager", "assignee", "at"), row, strict=True))

    def unnoticed_mints(self) -> list[tuple[int, CreditEntry]]:
        """Mint entries not yet announced, and not reversed or voided, oldest first."""
        rows = self.db.execute(
            f"{_ENTRY_SELECT} WHERE l.kind = 'mint' "
            "AND l.id NOT IN (SELECT entry_id FROM credit_notices) "
            "AND l.natural_key NOT IN (SELECT reverses FROM credit_ledger "
            "WHERE reverses IS NOT NULL) ORDER BY l.id"
        ).fetchall()
        return [(int(row[-1]), _entry_from_row(row)) for row in rows]

    def mark_noticed(self, entry_ids: Sequence[int], at: datetime) -> None:
        self.db.table("credit_notices").insert_all(
            ({"entry_id": i, "noticed_at": at.isoformat()} for i in entry_ids), ignore=True
        )


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


def _identities(rules: TeamsRules) -> Iterable[dict[str, str]]:
    for person in rules.people:
        for system in ("slack", "github", "jira", "linear", "gitlab"):
            handle = getattr(person, system)
            if handle:
                yield {"system": system, "handle": handle, "person_id": person.id}
        for email in person.emails:
            yield {"system": "email", "handle": email, "person_id": person.id}


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _split_key(key: str) -> tuple[str, str]:
    """``("acme/asr#", "12")`` of ``acme/asr#12``, ``("ASR-", "12")`` of ``ASR-12``."""
    cut = max(key.rfind("#"), key.rfind("-")) + 1
    return key[:cut], key[cut:]
