"""The unit of work: migrations, WAL, transactions, backups, append-only guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.credit import CreditEntry, EntryKind
from bot.store import open_store
from tests.builders import NOW, issue


def test_migrations_are_applied_once_and_named(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with open_store(db) as store:
        first = store.applied_migrations()
    with open_store(db) as store:
        assert store.applied_migrations() == first
    assert first[0] == "0001_issues_and_links" and len(first) == len(set(first))


def test_wal_is_on(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.issues.upsert([issue()])
            raise RuntimeError("crash mid-import")
        assert store.issues.count() == 0


@pytest.mark.parametrize("table", ["credit_ledger", "credit_received", "audit_log"])
def test_ledger_and_audit_log_are_append_only(tmp_path: Path, table: str) -> None:
    with open_store(tmp_path / "x.db") as store:
        store.audit.record("t", "test", "github:a/b#1", "because", NOW)
        entry = CreditEntry(
            natural_key="mint|x",
            kind=EntryKind.MINT,
            person_id="ana",
            team_id="asr",
            role="resolver",
            share=1.0,
            points=5.0,
            issue_uid="github:a/b#1",
            closure="c",
            beneficiaries=("asr", "nlp"),
            reason="r",
            at=NOW,
        )
        assert store.ledger.append([entry, entry], lambda: "p-1") == 1  # idempotent
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(f"UPDATE {table} SET at = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(f"DELETE FROM {table}")
        assert store.audit.entries(action="test")[0].detail == "because"


def test_backup_copies_a_consistent_database(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli.main import main

    db = tmp_path / "live.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([issue(), issue("acme/asr#2")])
    result = CliRunner().invoke(main, ["--db", str(db), "backup", str(tmp_path / "b.db")])
    assert result.exit_code == 0 and "backed up to" in result.output
    with open_store(tmp_path / "b.db") as copy:
        assert copy.issues.count() == 2
    again = CliRunner().invoke(main, ["--db", str(db), "backup", str(tmp_path / "b.db")])
    assert again.exit_code == 1 and "exists" in again.output
    missing = CliRunner().invoke(
        main, ["--db", str(tmp_path / "no.db"), "backup", str(tmp_path / "c.db")]
    )
    assert missing.exit_code == 1 and "no database" in missing.output


def test_processes_starting_together_on_a_new_file_both_migrate(tmp_path: Path) -> None:
    import threading

    db = tmp_path / "fresh.db"
    errors: list[BaseException] = []

    def start() -> None:
        try:
            with open_store(db) as store:
                store.issues.count()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(db) as store:
        names = store.applied_migrations()
    assert len(names) == len(set(names))


def test_the_visibility_migration_makes_the_next_sync_a_full_one(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from bot.store.migrations import MIGRATIONS

    with open_store(tmp_path / "old.db") as store, store.transaction():
        store.issues.save_sync_state("github:acme/asr", cursor={"since": "x"}, etag=None, at=NOW)
    db = Database(tmp_path / "old.db")  # as it was before the migration
    db.execute(
        "DELETE FROM _sqlite_migrations WHERE migration_set = 'impactbot' "
        "AND name = '0016_issue_visibility'"
    )
    db.execute("DROP INDEX idx_issues_visibility")
    db.execute("ALTER TABLE issues DROP COLUMN visibility")
    MIGRATIONS.apply(db)
    db.close()
    with open_store(tmp_path / "old.db") as store:
        assert store.issues.sync_state("github:acme/asr") is None
