"""The issues repository: issues and links, lookups by key, flags, visibility."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.core.models import Flag
from bot.store import open_store
from tests.builders import NOW, issue


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


def test_flags_are_idempotent_per_person(tmp_path: Path) -> None:
    flag = Flag(issue_uid="github:acme/labelling#1", person_id="ana", at=NOW)
    with open_store(tmp_path / "x.db") as store:
        assert store.issues.add_flag(flag) is True
        assert store.issues.add_flag(flag.model_copy(update={"at": NOW + timedelta(1)})) is False
        assert store.issues.flags() == {"github:acme/labelling#1": [flag]}


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
