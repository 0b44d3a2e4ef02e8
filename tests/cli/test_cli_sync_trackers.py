"""`impactbot sync` over four trackers at once — GitHub, Jira Cloud, Linear and GitLab, each a
local fake — and references across them raising reach."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
from bot.store import open_store
from tests.builders import TEAMS
from tests.external import external
from tests.fakes.github import FakeGitHub
from tests.fakes.gitlab import FakeGitLab
from tests.fakes.jira import FakeJira
from tests.fakes.linear import FakeLinear

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TAXONOMY = "https://github.com/acme/labelling/issues/1"


def _adf(text: str) -> dict[str, object]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def _teams() -> dict[str, object]:
    doc = yaml.safe_load(yaml.safe_dump(TEAMS))
    owns = {"asr": {"projects": ["ASR"]}, "nlp": {"projects": ["NLP"]}}
    owns["vision"] = {"repos": ["vision/models"]}
    for team in doc["teams"]:
        team["owns"].update(owns.get(team["id"], {}))
    return doc


@pytest.fixture
def trackers() -> Iterator[tuple[FakeGitHub, FakeJira, FakeLinear, FakeGitLab]]:
    external("linear", "schema.graphql")
    with (
        FakeGitHub(token="gh-t0k", now=NOW) as github,
        FakeJira(email="bot@acme.io", api_token="jira-t0k", now=NOW) as jira,
        FakeLinear(api_key="lin-t0k", now=NOW) as linear,
        FakeGitLab(token="gl-t0k", now=NOW) as gitlab,
    ):
        github.add_repo("acme/labelling")
        github.add_issue(
            "acme/labelling", title="Annotation taxonomy merges labels", created_at=CREATED
        )
        jira.add_project("ASR")
        jira.add_issue(
            "ASR",
            summary="WER regressed on far-field audio",
            created=CREATED,
            description=_adf(f"Mislabelled clips, see {TAXONOMY}"),
        )
        linear.workspace.add_issue(
            "NLP",
            title="Intent classifier learns from mislabelled clips",
            created_at=CREATED,
            description=f"Caused by [the taxonomy bug]({TAXONOMY})",
        )
        gitlab.add_issue(
            "vision/models",
            title="Active-speaker eval noise",
            created_at=CREATED,
            description=f"Same root cause as acme/labelling#1 — {TAXONOMY}",
        )
        yield github, jira, linear, gitlab


@pytest.fixture
def env(
    tmp_path: Path,
    trackers: tuple[FakeGitHub, FakeJira, FakeLinear, FakeGitLab],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    github, jira, linear, gitlab = trackers
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(_teams()))
    sources = {
        "github": {"repos": ["acme/labelling"]},
        "jira": {"projects": ["ASR"]},
        "linear": {"teams": ["NLP"]},
        "gitlab": {"projects": ["vision/models"]},
    }
    (rules / "sources.yaml").write_text(yaml.safe_dump(sources))
    settings = {
        "IMPACTBOT_DB": str(tmp_path / "x.db"),
        "IMPACTBOT_RULES": str(rules),
        "GITHUB_TOKEN": "gh-t0k",
        "GITHUB_API_URL": github.url,
        "JIRA_URL": jira.url,
        "JIRA_EMAIL": "bot@acme.io",
        "JIRA_API_TOKEN": "jira-t0k",
        "LINEAR_API_KEY": "lin-t0k",
        "LINEAR_API_URL": linear.url,
        "GITLAB_URL": gitlab.url,
        "GITLAB_TOKEN": "gl-t0k",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    return tmp_path


def test_one_sync_fills_the_store_from_four_trackers_and_links_them(env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["sync", "--no-sweep"])
    assert result.exit_code == 0, result.output
    for line in (
        "synced github: 1 repositories",
        "synced jira: 1 projects",
        "synced linear: 1 teams",
        "synced gitlab: 1 groups and projects",
    ):
        assert line in result.output
    with open_store(env / "x.db") as store:
        uids = {i.uid for i in store.issues.all()}
    assert uids == {
        "github:acme/labelling#1",
        "jira:ASR-1",
        "linear:NLP-1",
        "gitlab:vision/models#1",
    }
    card = json.loads(runner.invoke(main, ["explain", "acme/labelling#1", "--json"]).output)
    assert {"asr", "nlp", "vision"} <= set(card["beneficiaries"])
    explained = runner.invoke(main, ["explain", "acme/labelling#1"]).output
    assert "ASR-1 references it" in explained  # a Jira ticket raised a GitHub issue's reach

    again = runner.invoke(main, ["sync", "--no-sweep"])
    assert again.exit_code == 0 and again.output.count("0 issues written") == 4


def test_one_source_only_and_an_unknown_one(env: Path) -> None:
    result = CliRunner().invoke(main, ["sync", "--source", "linear"])
    assert result.exit_code == 0, result.output
    assert "synced linear" in result.output and "synced jira" not in result.output
    unknown = CliRunner().invoke(main, ["sync", "--source", "jira-other"])
    assert unknown.exit_code == 1
    assert "configured: github, jira, linear, gitlab" in unknown.output


def test_missing_credentials_of_one_tracker_stop_before_any_sync(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "")
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1 and "JIRA_API_TOKEN" in result.output
    with open_store(env / "x.db") as store:
        assert store.issues.count() == 0


def test_visibility_comes_from_every_tracker_and_a_change_reaches_the_next_sync(
    env: Path, trackers: tuple[FakeGitHub, FakeJira, FakeLinear, FakeGitLab]
) -> None:
    from bot.core.models import Visibility

    github, _jira, linear, gitlab = trackers
    runner = CliRunner()

    def synced() -> dict[str, Visibility]:
        result = runner.invoke(main, ["sync", "--no-sweep"])
        assert result.exit_code == 0, result.output
        with open_store(env / "x.db") as store:
            return {i.uid: i.visibility for i in store.issues.all()}

    public, restricted = Visibility.PUBLIC, Visibility.RESTRICTED
    assert synced() == {
        "github:acme/labelling#1": public,
        "jira:ASR-1": restricted,  # Jira does not say who may browse: restricted by default
        "linear:NLP-1": public,
        "gitlab:vision/models#1": public,
    }
    github.set_repo_visibility("acme/labelling", "private")
    linear.workspace.set_team_visibility("NLP", "private")
    gitlab.set_project_visibility("vision/models", "internal")
    sources = env / "rules" / "sources.yaml"
    doc = yaml.safe_load(sources.read_text())
    doc["jira"]["visibility"] = "public"
    sources.write_text(yaml.safe_dump(doc))
    assert synced() == {
        "github:acme/labelling#1": restricted,
        "jira:ASR-1": public,
        "linear:NLP-1": restricted,
        "gitlab:vision/models#1": restricted,
    }
