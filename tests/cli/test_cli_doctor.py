"""`impactbot doctor` against the fake Slack and fake GitHub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.store import open_store
from tests.builders import TEAMS, issue
from tests.fakes.github import FakeGitHub
from tests.fakes.slack import FakeSlack


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSlack, Path]]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (rules / "sources.yaml").write_text(
        yaml.safe_dump({"github": {"repos": ["acme/asr", "acme/secret"]}})
    )
    with open_store(tmp_path / "x.db") as store, store.transaction():
        store.upsert_issues([issue(comments=()), issue("acme/asr#2", author="stranger-dev")])
    with (
        FakeGitHub(token="t0k", now=datetime(2024, 6, 1, tzinfo=UTC)) as github,
        FakeSlack() as slack,
    ):
        github.add_repo("acme/asr")
        for name, value in {
            "IMPACTBOT_DB": str(tmp_path / "x.db"),
            "IMPACTBOT_RULES": str(rules),
            "GITHUB_TOKEN": "t0k",
            "GITHUB_API_URL": github.url,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack.url,
        }.items():
            monkeypatch.setenv(name, value)
        yield slack, rules


def test_doctor_names_each_problem_with_its_fix(env: tuple[FakeSlack, Path]) -> None:
    result = CliRunner().invoke(main, ["doctor"])
    out = result.output
    assert result.exit_code == 1  # acme/secret is not readable
    assert "✓ rules: the rules folder is valid" in out
    assert "✓ slack: token valid" in out
    assert "✓ github: /repos/acme/asr readable" in out
    assert "✗ github: /repos/acme/secret answered 404" in out and "fix:" in out
    assert "github:stranger-dev" in out  # a tracker person the identity map lacks
    assert "has no Slack id" in out


def test_doctor_names_each_missing_scope_and_the_use_that_needs_it(
    env: tuple[FakeSlack, Path],
) -> None:
    slack, _ = env
    slack.scopes.difference_update({"links:write", "im:write"})
    out = CliRunner().invoke(main, ["doctor"]).output
    assert "✗ slack: missing scope im:write, needed by: conversations.open in a DM" in out
    assert "✗ slack: missing scope links:write, needed by: chat.unfurl" in out
    assert "impactbot manifest" in out and "token valid" not in out


def test_doctor_passes_a_token_with_exactly_the_manifests_scopes(
    env: tuple[FakeSlack, Path],
) -> None:
    out = CliRunner().invoke(main, ["doctor"]).output
    assert "✓ slack: token valid" in out and "missing scope" not in out


def test_doctor_warns_past_slacks_unfurl_domain_limit(env: tuple[FakeSlack, Path]) -> None:
    _slack, rules = env
    jira = [
        {"source": f"j{i}", "site": f"https://team{i}.atlassian.net", "projects": ["DATA"]}
        for i in range(6)
    ]
    (rules / "sources.yaml").write_text(yaml.safe_dump({"jira": jira}))
    out = CliRunner().invoke(main, ["doctor"]).output
    assert "! slack: 6 tracker hosts, but Slack takes at most 5 unfurl domains" in out
    assert "team5.atlassian.net" in out


def test_doctor_checks_the_other_trackers_credentials(
    env: tuple[FakeSlack, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _slack, rules = env
    (rules / "sources.yaml").write_text(
        yaml.safe_dump({"linear": {"teams": ["ENG"]}, "gitlab": {"groups": ["acme"]}})
    )
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-x")
    monkeypatch.setenv("LINEAR_API_KEY", "")
    out = CliRunner().invoke(main, ["doctor"]).output
    assert "✗ linear: linear: LINEAR_API_KEY is not set" in out
    assert "✓ gitlab: gitlab: credentials set" in out
