"""No silent no-ops: a command asked about something that does not exist says so and how to
fix it, instead of printing nothing (or something unrelated) and exiting 0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.store import open_store
from bot.trackers.github.importer import GH_FIELDS
from tests.builders import issue


@pytest.fixture
def folder(rules_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tmp_path = rules_folder
    monkeypatch.setenv("IMPACTBOT_DB", str(tmp_path / "impact.db"))
    with open_store(tmp_path / "impact.db") as store, store.transaction():
        store.issues.upsert([issue("acme/asr#1"), issue("acme/asr#12"), issue("acme/nlp#7")])
    return tmp_path


def _error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    return line


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_digest_for_an_unknown_person_says_who_gets_digests(folder: Path) -> None:
    line = _error(run("digest", "--manager", "nobody"))
    assert "no person 'nobody' in teams.yaml" in line
    assert "mara, nia, omar, rex, vik" in line and "--manager" in line


def test_digest_for_someone_who_manages_no_team_says_so(folder: Path) -> None:
    line = _error(run("digest", "--manager", "ana"))  # a member of asr, nobody's manager
    assert "ana manages no team in teams.yaml" in line and "managers" in line


def test_orphans_of_an_unknown_team_names_the_teams(folder: Path) -> None:
    line = _error(run("orphans", "--team", "speech"))
    assert "no team 'speech'" in line and "asr, vision, nlp" in line.replace("labelling, ", "")


def test_sync_with_no_sources_says_how_to_add_one(folder: Path) -> None:
    line = _error(run("sync"))
    assert "no sources to sync" in line and "sources.yaml configures none" in line
    assert "github, jira, linear or gitlab" in line and "impactbot import FILE" in line
    assert "''" not in line


def test_sync_of_an_unknown_source_names_the_configured_ones(folder: Path) -> None:
    (folder / "rules" / "sources.yaml").write_text(yaml.safe_dump({"github": {"repos": ["a/b"]}}))
    line = _error(run("sync", "--source", "gitlab"))
    assert "no source 'gitlab'" in line and "configured: github" in line


@pytest.mark.parametrize(
    ("asked", "suggested"),
    [
        ("acme/x#1", None),  # nothing close: suggesting acme/asr#1 or #12 would mislead
        ("acme/asr#21", "acme/asr#12"),
        ("acme/nlp#8", "acme/nlp#7"),
        ("acme/npl#7", "acme/nlp#7"),
    ],
)
def test_explain_suggests_only_close_keys(folder: Path, asked: str, suggested: str | None) -> None:
    line = _error(run("explain", asked))
    assert f"no issue {asked!r} in the store" in line
    if suggested is None:
        assert "did you mean" not in line
    else:
        assert "did you mean" in line and suggested in line
        assert "acme/x" not in line


def _gh_row(**extra: object) -> dict[str, object]:
    return {
        "number": 3,
        "title": "Flaky eval",
        "state": "OPEN",
        "url": "https://github.com/acme/asr/issues/3",
        "createdAt": "2024-05-01T00:00:00Z",
        "updatedAt": "2024-05-02T00:00:00Z",
        **extra,
    }


def test_a_gh_export_without_comments_and_reactions_warns_with_the_fields(folder: Path) -> None:
    (folder / "thin.json").write_text(json.dumps([_gh_row(body="see acme/nlp#7")]))
    result = run("import", "thin.json")
    assert result.exit_code == 0 and "imported 1 issues" in result.output
    [warning] = [line for line in result.output.splitlines() if line.startswith("warning:")]
    absent = "comments, reactionGroups, labels, assignees, author, stateReason, closedAt"
    assert f"the export has no {absent}," in warning  # body was there
    assert "references made in comments" in warning
    assert f"gh issue list --state all --limit 100000 --json {GH_FIELDS}" in warning


def test_a_full_gh_export_imports_without_a_warning(folder: Path) -> None:
    full = _gh_row(
        body="",
        stateReason="",
        labels=[],
        assignees=[],
        author={"login": "ana"},
        closedAt=None,
        comments=[],
        reactionGroups=[],
    )
    (folder / "full.json").write_text(json.dumps([full]))
    result = run("import", "full.json")
    assert result.exit_code == 0 and "warning" not in result.output
    assert set(GH_FIELDS.split(",")) == set(full)
