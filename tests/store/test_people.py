"""The people repository: the directory mirrored from teams.yaml."""

from __future__ import annotations

from pathlib import Path

from bot.core.rules_teams import TeamsRules
from bot.store import open_store
from tests.builders import TEAMS


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
