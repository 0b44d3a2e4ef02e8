"""Slack events already handled (``store.events``; all its SQL is here).

The ``seen_events`` table remembers the ids of Events API deliveries that were handled, so
that a retry reaching another process, or this one after a restart, is not handled again.
Rows older than the retention are pruned whenever one is recorded.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database


class SqliteEvents:
    """The ``seen_events`` table of one store connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def seen(self, event_id: str) -> bool:
        """True if ``event_id`` was recorded. A read: it never waits for the write lock."""
        row = self._db.execute("SELECT 1 FROM seen_events WHERE event_id = ?", [event_id])
        return row.fetchone() is not None

    def record(self, event_id: str, at: datetime, *, prune_before: datetime) -> None:
        """Remember ``event_id`` (idempotent) and forget every id seen before
        ``prune_before``."""
        self._db.execute("DELETE FROM seen_events WHERE seen_at < ?", [prune_before.isoformat()])
        self._db.execute(
            "INSERT OR IGNORE INTO seen_events (event_id, seen_at) VALUES (?, ?)",
            [event_id, at.isoformat()],
        )

    def forget(self, event_id: str) -> None:
        """Forget ``event_id`` (its handler failed: a later retry may run it)."""
        self._db.execute("DELETE FROM seen_events WHERE event_id = ?", [event_id])
