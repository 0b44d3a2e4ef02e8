"""`impactbot doctor` against the fake Slack and fake GitHub."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
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
        store.issues.upsert([issue(comments=()), issue("acme/asr#2", author="stranger-dev")])
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


def _closed_port_url() -> str:
    """A local URL where nothing listens (connection refused), as when Slack is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


def test_doctor_reports_an_unreachable_slack_and_runs_the_other_checks(
    env: tuple[FakeSlack, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _closed_port_url()
    monkeypatch.setenv("SLACK_API_URL", url)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = " ".join(result.output.split())
    assert f"✗ slack: cannot reach Slack at {url}" in out and "fix: check the network" in out
    assert "✓ rules: the rules folder is valid" in out
    assert "✓ store: the database" in out
    assert "✓ github: /repos/acme/asr readable" in out  # the checks after Slack's still ran
    assert "github:stranger-dev" in out


def test_serve_with_a_revoked_token_is_one_sentence(
    env: tuple[FakeSlack, Path], tmp_path: Path
) -> None:
    slack, _ = env
    slack.revoke(slack.bot_token)
    before = (tmp_path / "x.db").read_bytes()
    result = CliRunner().invoke(main, ["serve"])  # stops at auth.test, before binding a port
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in line
    assert "reinstall the app" in line and slack.bot_token not in result.output
    assert (tmp_path / "x.db").read_bytes() == before
