"""Every read command answers in JSON with ``--json``, so scripts never scrape tables: a test
walks the whole click tree, so a new read command is held to it without anyone remembering."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bot.cli.main import main
from bot.store import open_store
from tests.builders import issue

#: Commands that act rather than report, and why they have no ``--json``.
ACTIONS = {
    "backup": "copies the database to a file",
    "demo": "plays the whole loop as a story",
    "export": "writes a document for people (--format md|csv)",
    "flag": "records a flag",
    "import": "loads a file",
    "manifest": "prints the Slack app manifest (YAML for Slack)",
    "people forget": "erases a person",
    "score": "rescores the store",
    "serve": "runs the bot",
    "sync": "pulls from the trackers",
}


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_every_read_command_has_json() -> None:
    commands = _commands(main)
    assert set(ACTIONS) <= set(commands), "ACTIONS names a command that no longer exists"
    lacking = [
        name
        for name, command in sorted(commands.items())
        if name not in ACTIONS and "--json" not in {o for p in command.params for o in p.opts}
    ]
    assert lacking == [], f"read commands without --json: {lacking}"


@pytest.fixture
def folder(rules_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tmp_path = rules_folder
    for name in ("JIRA_URL", "LINEAR_API_KEY", "GITLAB_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMPACTBOT_DB", str(tmp_path / "impact.db"))
    with open_store(tmp_path / "impact.db") as store, store.transaction():
        store.issues.upsert([issue("acme/labelling#1", refs=("acme/asr#2",))])
    assert run("score").exit_code == 0
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _json(result: Result, exit_code: int = 0) -> dict[str, object]:
    assert result.exit_code == exit_code, result.output
    parsed = json.loads(result.stdout)
    assert isinstance(parsed, dict)
    return parsed


def test_funnel_json(folder: Path) -> None:
    answer = _json(run("funnel", "--period", "2026-Q3", "--json"))
    assert answer["period"] == {
        "label": "2026-Q3",
        "start": "2026-07-01T00:00:00+00:00",
        "end": "2026-10-01T00:00:00+00:00",
    }
    assert isinstance(answer["teams"], list)


def test_rules_check_json_lists_every_problem_and_exits_1(folder: Path) -> None:
    assert _json(run("rules", "check", "--json")) == {
        "rules": str(folder / "rules"),
        "valid": True,
        "problems": [],
    }
    (folder / "rules" / "teams.yaml").write_text("teams: [{id: Bad Id, name: x}]\n")
    answer = _json(run("rules", "check", "--json"), exit_code=1)
    assert answer["valid"] is False
    [problem] = answer["problems"]  # type: ignore[misc]
    assert problem["file"].endswith("teams.yaml") and problem["message"]


def test_doctor_json_says_each_check(folder: Path) -> None:
    result = run("doctor", "--json")
    answer = _json(result, exit_code=result.exit_code)
    findings = answer["findings"]
    assert isinstance(findings, list) and findings
    assert {f["level"] for f in findings} <= {"ok", "warn", "fail"}
    assert answer["ok"] is (result.exit_code == 0)
    assert any(f["topic"] for f in findings)


def test_digest_dry_run_json_holds_each_managers_digest(folder: Path) -> None:
    answer = _json(run("digest", "--dry-run", "--json"))
    digests = answer["digests"]
    assert isinstance(digests, list) and digests and answer["ok"] is True
    assert {d["manager"] for d in digests} <= {"mara", "omar", "vik", "nia", "rex", "leadership"}
    assert all(d["status"] and d["failed"] is False for d in digests)
