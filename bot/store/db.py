"""The unit of work: one SQLite connection, its transactions and its migrations.

``open_store(path)`` opens one connection for one unit of work (a command, a job, a
request), applies pending migrations and turns on WAL; the connection closes when the
block ends. Writes that belong together go through ``Store.transaction()``. The queries
live in one repository per aggregate, which ``Store`` exposes as attributes
(``store.issues``, ``store.ledger``...).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.errors import StoreLocationError
from bot.store.audit import SqliteAudit
from bot.store.claims import SqliteClaims
from bot.store.digests import SqliteDigests
from bot.store.duplicates import SqliteDuplicates
from bot.store.events import SqliteEvents
from bot.store.issues import SqliteIssues
from bot.store.ledger import SqliteLedger
from bot.store.migrations import MIGRATIONS
from bot.store.people import SqlitePeople
from bot.store.scores import SqliteScores
from bot.store.sql import transaction


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


class Store:
    """One unit of work over SQLite: its repositories, one per aggregate, share the
    connection; callers never write SQL."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.issues = SqliteIssues(db)
        self.scores = SqliteScores(db)
        self.people = SqlitePeople(db)
        self.ledger = SqliteLedger(db)
        self.digests = SqliteDigests(db)
        self.claims = SqliteClaims(db)
        self.audit = SqliteAudit(db)
        self.duplicates = SqliteDuplicates(db)
        self.events = SqliteEvents(db)

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all."""
        return transaction(self.db)

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
