"""`impactbot sync` through the CLI, against the local fake GitHub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
from tests.builders import TEAMS
from tests.fakes.github import FakeGitHub

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token="t0k", now=NOW) as gh:
        gh.add_repo("acme/labelling")
        gh.add_repo("acme/asr")
        fix = gh.add_issue(
            "acme/labelling", title="Taxonomy", created_at=datetime(2024, 1, 1, tzinfo=UTC)
        )
        gh.add_issue(
            "acme/asr",
            title="WER regressed",
            body=f"because acme/labelling#{fix}",
            created_at=datetime(2024, 2, 1, tzinfo=UTC),
        )
        yield gh


@pytest.fixture
def env(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (rules / "sources.yaml").write_text(yaml.safe_dump({"github": {"orgs": ["acme"]}}))
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "IMPACTBOT_DB": str(tmp_path / "x.db"),
        "IMPACTBOT_RULES": str(rules),
        "GITHUB_TOKEN": "t0k",
        "GITHUB_API_URL": fake.url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    return rules


def test_sync_then_resync_then_orphans(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["sync", "--no-sweep"])
    assert first.exit_code == 0, first.output
    assert "synced github: 2 repositories" in first.output
    assert "2 issues written" in first.output
    assert "sync github:acme/asr: done" in first.output  # log lines when not on a terminal
    assert "scored 2 issues" in first.output
    again = runner.invoke(main, ["sync", "--no-sweep"])
    # 304s: the org listing, and per repository its own answer (visibility) and its listing
    assert "0 issues written" in again.output and "(5 not modified)" in again.output
    explained = runner.invoke(main, ["explain", "acme/labelling#1"])
    assert "team asr benefits" in explained.output
    assert "acme/asr#1 references it" in explained.output


def test_sync_without_a_token_or_sources_is_a_clear_error(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "")
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1 and "GITHUB_TOKEN is not set" in result.output
    monkeypatch.setenv("GITHUB_TOKEN", "t0k")
    (env / "sources.yaml").write_text("")
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1 and "no source" in result.output
    result = CliRunner().invoke(main, ["sync", "--source", "gitlab"])
    assert result.exit_code == 1


def test_a_failing_repository_exits_non_zero_and_names_it(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (env / "sources.yaml").write_text(
        yaml.safe_dump({"github": {"repos": ["acme/missing", "acme/asr"]}})
    )
    result = CliRunner().invoke(main, ["sync", "--no-sweep"])
    assert result.exit_code == 1
    assert "acme/missing: GitHub answered 404" in result.output
    assert "1 issues written" in result.output  # the healthy repository still synced
