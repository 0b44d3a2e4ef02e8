"""The audit log's repository: append-only rows read back by time, actors shown by name."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from tests.builders import NOW


def test_rows_come_back_in_time_order_and_since_filters(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        store.audit.record("cli", "import", "a.json", "3 issues", NOW)
        store.audit.record("cli", "people.forget", "p-1", "asked", NOW - timedelta(days=2))
        store.audit.record("cli", "credit.void", "entry 4", "gamed", NOW + timedelta(hours=1))
        actions = [r.action for r in store.audit.entries()]
        assert actions == ["people.forget", "import", "credit.void"]
        later = store.audit.entries(since=NOW)
        assert [(r.subject, r.detail) for r in later] == [
            ("a.json", "3 issues"),
            ("entry 4", "gamed"),
        ]
        assert [r.at for r in store.audit.entries(action="import")] == [NOW]


def test_actor_references_read_as_people_until_they_are_forgotten(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        ref = store.ledger.person_ref("ana", lambda: "p-abc")
        store.audit.record(ref, "not_ours", "github:a/b#1", "not our repo", NOW)
        assert store.audit.entries()[0].actor == "ana"
        store.people.forget("ana")
        assert store.audit.entries()[0].actor == "p-abc"


def test_naive_times_are_refused_and_rows_cannot_change(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        with pytest.raises(ValueError, match="timezone-aware"):
            store.audit.record("cli", "x", "y", "z", datetime(2026, 1, 1))  # noqa: DTZ001
        store.audit.record("cli", "x", "y", "z", NOW)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("UPDATE audit_log SET subject = 'other'")
        assert [r.subject for r in store.audit.entries()] == ["y"]
