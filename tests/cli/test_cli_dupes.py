"""`impactbot dupes KEY`: what reads like an issue, other teams' first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
from tests.builders import TEAMS

BODY = (
    "Training crashes with OutOfMemoryError in ShardedDataLoader.prefetch when the shuffle "
    "buffer exceeds 2 GB"
)


def _issue(repo: str, number: int, title: str, body: str, author: str) -> dict[str, object]:
    return {
        "assignees": [],
        "author": {"id": f"U_{author}", "is_bot": False, "login": author, "name": author},
        "body": body,
        "closedAt": None,
        "comments": [],
        "createdAt": "2026-03-01T10:00:00Z",
        "labels": [],
        "number": number,
        "reactionGroups": [],
        "state": "OPEN",
        "stateReason": "",
        "title": title,
        "updatedAt": "2026-03-02T10:00:00Z",
        "url": f"https://github.com/{repo}/issues/{number}",
    }


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    issues = [
        _issue("acme/asr", 1, "ShardedDataLoader prefetch OutOfMemoryError", BODY, "ana"),
        _issue("acme/asr", 2, "OOM in prefetch of the sharded loader", BODY + " again", "ana"),
        _issue("acme/vision", 3, "OutOfMemoryError: ShardedDataLoader.prefetch", BODY, "vera"),
        _issue("acme/nlp", 4, "Tokenizer drops emoji", "Emoji vanish after tokenizing", "ned"),
    ]
    (tmp_path / "issues.json").write_text(json.dumps(issues))
    monkeypatch.setenv("IMPACTBOT_DB", str(tmp_path / "impact.db"))
    monkeypatch.setenv("IMPACTBOT_RULES", str(rules))
    runner = CliRunner()
    for args in (["import", str(tmp_path / "issues.json")], ["score"]):
        assert runner.invoke(main, args).exit_code == 0
    return tmp_path


def test_dupes_lists_other_teams_first_with_what_matched(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["dupes", "acme/asr#1", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["issue"] == {"uid": "github:acme/asr#1", "key": "acme/asr#1", "team": "asr"}
    first = answer["other_teams"][0]
    assert (first["key"], first["team"], first["likely"]) == ("acme/vision#3", "vision", True)
    assert first["matched"] and "OutOfMemoryError" in first["passage"]
    assert [m["key"] for m in answer["own_team"]][:1] == ["acme/asr#2"]
    human = CliRunner().invoke(main, ["dupes", "acme/asr#1", "--limit", "2"])
    assert "in other teams' trackers" in human.output and "acme/vision#3" in human.output


def test_the_pair_is_reach_in_the_score_card(workspace: Path) -> None:
    card = json.loads(CliRunner().invoke(main, ["explain", "acme/asr#1", "--json"]).output)
    assert "vision" in card["beneficiaries"]


def test_unknown_key_is_a_clear_error(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["dupes", "acme/asr#99"])
    assert result.exit_code == 1 and result.output.startswith("error:")
