"""The CLI end to end over real files: import → score → orphans / explain, and every error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.store import open_store
from tests.builders import TEAMS

ROOT = Path(__file__).resolve().parents[2]


def _user(login: str) -> dict[str, Any]:
    return {"id": f"U_{login}", "is_bot": False, "login": login, "name": login.title()}


def _gh_issue(
    repo: str,
    number: int,
    *,
    author: str,
    body: str = "",
    assignees: tuple[str, ...] = (),
    labels: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "assignees": [{"id": f"U_{a}", "login": a, "name": a} for a in assignees],
        "author": _user(author),
        "body": body,
        "closedAt": None,
        "comments": [],
        "createdAt": "2026-03-01T10:00:00Z",
        "labels": [
            {"id": f"L{n}", "name": n, "description": "", "color": "ffffff"} for n in labels
        ],
        "number": number,
        "reactionGroups": [],
        "state": "OPEN",
        "stateReason": "",
        "title": f"{repo} issue {number}",
        "updatedAt": "2026-03-02T10:00:00Z",
        "url": f"https://github.com/{repo}/issues/{number}",
    }


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with rules and two gh exports; settings point at it via the environment."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    shutil.copy(ROOT / "rules" / "scoring.yaml", rules / "scoring.yaml")
    taxonomy = _gh_issue("acme/labelling", 1, author="ana", labels=("taxonomy",))
    (tmp_path / "labelling.json").write_text(json.dumps([taxonomy]))
    referrers = [
        _gh_issue(
            f"acme/{team}",
            1,
            author=who,
            assignees=(who,),
            body="Our metrics regressed, see acme/labelling#1",
        )
        for team, who in (("asr", "ana"), ("vision", "vera"), ("nlp", "ned"))
    ]
    (tmp_path / "models.json").write_text(json.dumps(referrers))
    monkeypatch.setenv("IMPACTBOT_DB", str(tmp_path / "impact.db"))
    monkeypatch.setenv("IMPACTBOT_RULES", str(rules))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _issue_count(db: Path) -> int:
    with open_store(db) as store:
        return store.issues.count()


def test_import_score_orphans_explain(workspace: Path) -> None:
    assert "imported 1 issues" in run("import", "labelling.json").output
    assert "imported 3 issues (3 references)" in run("import", "models.json").output
    result = run("score")
    assert result.exit_code == 0 and "scored 4 issues" in result.output
    rows = json.loads(run("orphans", "--json").output)
    assert rows[0]["key"] == "acme/labelling#1"
    assert rows[0]["beneficiaries"] == ["asr", "labelling", "nlp", "vision"]
    assert set(rows[0]["orphan_reasons"]) >= {"unassigned", "idle"}
    human = run("orphans", "--team", "vision").output
    assert "acme/labelling#1" in human and "team asr benefits" in human
    explained = run("explain", "acme/labelling#1")
    assert explained.exit_code == 0
    assert "acme/nlp#1 references it" in explained.output
    card = json.loads(run("explain", "ACME/LABELLING#1", "--json").output)
    assert card["issue_uid"] == "github:acme/labelling#1"


def test_every_command_honours_db_and_rules_options(workspace: Path, tmp_path: Path) -> None:
    other_db = tmp_path / "other.db"
    assert run("--db", str(other_db), "import", "labelling.json").exit_code == 0
    assert _issue_count(other_db) == 1
    assert not (workspace / "impact.db").exists()
    bad_rules = tmp_path / "empty-rules"
    bad_rules.mkdir()
    result = CliRunner().invoke(main, ["--db", str(other_db), "--rules", str(bad_rules), "score"])
    assert result.exit_code == 1 and "teams.yaml: (top level): file is missing" in result.output


def test_a_bad_file_names_row_and_field_and_changes_nothing(workspace: Path) -> None:
    run("import", "labelling.json")
    broken = json.loads((workspace / "models.json").read_text())
    broken[2]["createdAt"] = "yesterday"
    (workspace / "broken.json").write_text(json.dumps(broken))
    result = CliRunner().invoke(main, ["import", "broken.json"])
    assert result.exit_code == 1
    assert "broken.json" in result.output and "row 3" in result.output
    assert "createdAt" in result.output
    assert _issue_count(workspace / "impact.db") == 1


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("x.txt", "[]", (), "pass --format gh-json or jira-csv"),
        ("x.json", "{not json", (), "not valid JSON"),
        ("x.csv", "Summary,Issue key\n", (), "--timezone"),
        ("x.csv", "Summary,Issue key\n", ("--timezone", "Mars/Base"), "unknown time zone"),
        ("missing.json", None, (), "cannot read the file"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, (), "nested too deeply"),
        ("deep.json", '{"a":' * 5000 + "1" + "}" * 5000, (), "nested too deeply"),
        (  # parses, but validating an issue this deep recurses past Python's limit
            "deep.json",
            '[{"number": 1, "body": ' + '{"x":' * 995 + "1" + "}" * 995 + "}]",
            (),
            "nested too deeply",
        ),
    ],
)
def test_import_errors_are_clear(
    workspace: Path, name: str, content: str | None, args: tuple[str, ...], message: str
) -> None:
    if content is not None:
        (workspace / name).write_text(content)
    result = CliRunner().invoke(main, ["import", name, *args])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1


def test_unknown_key_is_a_clear_error(workspace: Path) -> None:
    run("import", "labelling.json")
    run("score")
    result = CliRunner().invoke(main, ["explain", "acme/labelling#99"])
    assert result.exit_code == 1
    assert "no issue 'acme/labelling#99' in the store" in result.output


def test_rules_check_passes_shipped_rules_and_lists_every_problem(workspace: Path) -> None:
    assert run("rules", "check", str(ROOT / "rules")).exit_code == 0
    rules = workspace / "rules"
    (rules / "credit.yaml").write_text("roles: {resolver: 2}\ncaps: {period_days: 0}\n")
    result = CliRunner().invoke(main, ["rules", "check"])
    assert result.exit_code == 1
    assert "credit.yaml: roles:" in result.output
    assert "credit.yaml: caps.period_days:" in result.output
    assert "2 problem(s) found" in result.output


def test_orphans_before_scoring_says_what_to_do(workspace: Path) -> None:
    run("import", "labelling.json")
    result = run("orphans")
    assert result.exit_code == 0 and "Run `impactbot score`" in result.output


def test_titles_that_look_like_markup_are_printed_as_written(workspace: Path) -> None:
    odd = _gh_issue("acme/labelling", 2, author="ana", labels=("taxonomy",))
    odd["title"] = "Fix [/] parser and [bold] tags"
    (workspace / "odd.json").write_text(json.dumps([odd]))
    run("import", "odd.json")
    run("score")
    result = run("explain", "acme/labelling#2")
    assert result.exit_code == 0 and "Fix [/] parser and [bold] tags" in result.output


def test_imported_issues_are_restricted_unless_the_operator_says_public(workspace: Path) -> None:
    from bot.core.models import Visibility

    def visibility() -> set[Visibility]:
        with open_store(workspace / "impact.db") as store:
            return {i.visibility for i in store.issues.all()}

    assert run("import", "labelling.json").exit_code == 0
    assert visibility() == {Visibility.RESTRICTED}
    assert run("import", "labelling.json", "--visibility", "public").exit_code == 0
    assert visibility() == {Visibility.PUBLIC}
    refused = CliRunner().invoke(main, ["import", "models.json", "--visibility", "secret"])
    assert refused.exit_code == 2 and "'secret' is not one of" in refused.output
    assert _issue_count(workspace / "impact.db") == 1  # nothing changed
    # The operator's CLI sees everything: a restricted issue is explained in full.
    assert run("import", "labelling.json").exit_code == 0 and run("score").exit_code == 0
    assert "acme/labelling issue 1" in run("explain", "acme/labelling#1").output
