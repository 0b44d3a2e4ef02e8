"""Receipts of handled Slack events: the durable half of handling each event once.

A process leases an event id in memory before handling it (``bot.slack.event_leases``); these
receipts carry the fact beyond that process — to a retry that reaches another process or this
one after a restart. They are written after the acknowledgement, never on its path, so a
store busy with a long write cannot delay an ack past Slack's 3 seconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.store import open_store
from bot.store.ports import UnitOfWork

#: How long a receipt is kept: Slack retries an event three times within about 5 minutes.
RETENTION = timedelta(days=1)
#: A write waits up to 30 s for the lock (``open_store``); a long rescore can hold it for
#: minutes, and a receipt is worth waiting for (it is written off the ack path).
WRITE_ATTEMPTS = 20


class EventReceipts:
    """The ``seen_events`` of the store at ``db_path``, read and written one call at a time."""

    def __init__(self, db_path: Path, clock: Callable[[], datetime]) -> None:
        self._db_path = db_path
        self._clock = clock

    def handled(self, event_id: str) -> bool:
        """True if ``event_id`` was recorded as handled. Reads only (WAL: never waits for a
        writer)."""
        with open_store(self._db_path) as store:
            return store.events.seen(event_id)

    def record(self, event_id: str) -> None:
        """Record ``event_id`` as handled, pruning receipts older than :data:`RETENTION`."""
        now = self._clock()
        self._write(lambda store: store.events.record(event_id, now, prune_before=now - RETENTION))

    def forget(self, event_id: str) -> None:
        """Forget ``event_id``: its handler failed, so a later retry may run it."""
        self._write(lambda store: store.events.forget(event_id))

    def _write(self, change: Callable[[UnitOfWork], None]) -> None:
        """Apply ``change``; a write that found the database locked is tried again,
        :data:`WRITE_ATTEMPTS` times at most (raises the last ``sqlite3.OperationalError``)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with open_store(self._db_path) as store:
                    change(store)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == WRITE_ATTEMPTS:
                    raise
