from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.credit import CreditEntry, EntryKind
from bot.core.models import Flag
from bot.core.rules_scoring import ScoringRules
from bot.core.rules_teams import TeamsRules
from bot.core.scoring import score_issues
from bot.store import open_store
from tests.builders import NOW, TEAMS, directory, issue


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


def test_issues_round_trip_and_upsert_is_idempotent(tmp_path: Path) -> None:
    one = issue(refs=("acme/asr#2",), labels=("taxonomy",))
    with open_store(tmp_path / "x.db") as store:
        store.issues.upsert([one, issue("acme/asr#2")])
        store.issues.upsert([one])
        assert store.issues.all() == [issue("acme/asr#2"), one]
        assert store.issues.count() == 2
        links = list(store.db.table("issue_links").rows)
        assert [(r["from_uid"], r["to_key"]) for r in links] == [
            ("github:acme/labelling#1", "acme/asr#2")
        ]
        assert store.issues.find_uids("ACME/ASR#2") == ["github:acme/asr#2"]
        assert store.issues.find_uids("github:acme/asr#2") == ["github:acme/asr#2"]


def test_a_failed_transaction_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.issues.upsert([issue()])
            raise RuntimeError("crash mid-import")
        assert store.issues.count() == 0


def test_score_cards_round_trip_with_contributions(tmp_path: Path) -> None:
    issues = [issue(labels=("taxonomy",)), issue("acme/asr#2", refs=("acme/labelling#1",))]
    cards = score_issues(issues, directory=directory(), rules=ScoringRules(), now=NOW)
    with open_store(tmp_path / "x.db") as store:
        store.issues.upsert(issues)
        store.scores.replace_all(cards)
        assert store.scores.load("github:acme/labelling#1") == cards[0]
        rows = list(
            store.db.table("contributions").rows_where("issue_uid = ?", ["github:acme/labelling#1"])
        )
        assert [r["signal"] for r in rows] == [c.signal for c in cards[0].contributions]


def test_flags_are_idempotent_per_person(tmp_path: Path) -> None:
    flag = Flag(issue_uid="github:acme/labelling#1", person_id="ana", at=NOW)
    with open_store(tmp_path / "x.db") as store:
        assert store.issues.add_flag(flag) is True
        assert store.issues.add_flag(flag.model_copy(update={"at": NOW + timedelta(1)})) is False
        assert store.issues.flags() == {"github:acme/labelling#1": [flag]}


def test_directory_mirrors_teams_yaml(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        store.people.replace_directory(TeamsRules.model_validate(TEAMS))
        store.people.replace_directory(TeamsRules.model_validate(TEAMS))  # twice: no duplicates
        assert store.db.table("teams").count == 5
        assert store.db.table("people").count == 11
        row = store.db.execute(
            "SELECT person_id FROM identities WHERE system='github' AND handle='ana'"
        ).fetchone()
        assert row == ("ana",)


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


def test_visibility_is_stored_and_a_container_change_reaches_every_issue(tmp_path: Path) -> None:
    from bot.core.models import Visibility

    with open_store(tmp_path / "x.db") as store, store.transaction():
        store.issues.upsert([
            issue("acme/asr#1", visibility=Visibility.RESTRICTED),
            issue("acme/asr#2"), issue("acme/vision#1"),
        ])  # fmt: skip
        assert [r.uid for r in store.issues.restricted()] == ["github:acme/asr#1"]
        assert (
            store.issues.set_container_visibility("github", "ACME/asr", Visibility.RESTRICTED) == 1
        )
        restricted = store.issues.restricted()
        assert [r.uid for r in restricted] == ["github:acme/asr#1", "github:acme/asr#2"]
        assert not restricted[0].scored and restricted[0].teams == ()
        loaded = store.issues.get("github:acme/asr#2")
        assert loaded is not None and loaded.visibility is Visibility.RESTRICTED
        assert store.issues.set_container_visibility("github", "acme/asr", Visibility.PUBLIC) == 2
        assert store.issues.restricted() == []


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
