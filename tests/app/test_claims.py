"""Claim write-back goes to the issue's own tracker with the person's handle there: the
production wiring (sources.yaml + settings → registry → writer) against the fake Jira and
the fake GitLab."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.app.claims import claim, tracker_writer_for
from bot.app.services import Services
from bot.config import Settings
from bot.store import open_store
from bot.wiring import services_over
from tests.builders import issue
from tests.fakes.gitlab import FakeGitLab
from tests.fakes.jira import FakeJira
from tests.slack.test_app_e2e import _teams

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _rules(tmp_path: Path) -> Path:
    doc = _teams()
    for person in doc["people"]:
        if person["id"] == "ana":
            person.update({"jira": "acct-ana", "gitlab": "ana-gl"})
    for team in doc["teams"]:
        if team["id"] == "labelling":
            team["owns"]["projects"] = ["DATA"]
            team["owns"]["repos"] = ["acme/labelling", "platform/data"]
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    sources = {"jira": {"projects": ["DATA"]}, "gitlab": {"projects": ["platform/data"]}}
    (rules / "sources.yaml").write_text(yaml.safe_dump(sources))
    return rules


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Services, FakeJira, FakeGitLab]]:
    with (
        FakeJira(email="bot@acme.io", api_token="jira-t0k", now=NOW) as jira,
        FakeGitLab(token="gl-t0k", now=NOW) as gitlab,
    ):
        jira.add_user("acct-ana", "Ana")
        jira.add_project("DATA", assignable=("acct-ana",))
        jira_key = jira.add_issue("DATA", summary="Taxonomy merges labels", created=NOW)
        gitlab.add_user("ana-gl", "Ana")
        gitlab.add_project("platform/data", members={"ana-gl"})
        iid = gitlab.add_issue("platform/data", title="Shared cache", created_at=NOW)
        with open_store(tmp_path / "x.db") as store, store.transaction():
            store.issues.upsert(
                [
                    issue(jira_key, source="jira", container="DATA", author=None),
                    issue(f"platform/data#{iid}", source="gitlab", author=None),
                    issue("acme/asr#1", refs=(jira_key, f"platform/data#{iid}")),
                ]
            )
        settings = Settings(
            IMPACTBOT_DB=tmp_path / "x.db",
            IMPACTBOT_RULES=_rules(tmp_path),
            JIRA_URL=jira.url,
            JIRA_EMAIL="bot@acme.io",
            JIRA_API_TOKEN="jira-t0k",
            GITLAB_URL=gitlab.url,
            GITLAB_TOKEN="gl-t0k",
        )  # type: ignore[call-arg]
        services = services_over(settings, clock=lambda: NOW)
        services.score()
        yield services, jira, gitlab


def test_a_claim_assigns_in_jira_and_in_gitlab_with_each_trackers_handle(
    world: tuple[Services, FakeJira, FakeGitLab],
) -> None:
    services, jira, gitlab = world
    writer_for = tracker_writer_for(services.credentials, services.rules, services.http_for)
    jira_result = claim(
        services, "jira:DATA-1", manager_slack="UOMAR", assignee_slack="UANA",
        writer_for=writer_for,
    )  # fmt: skip
    assert jira_result.ok, jira_result.detail
    assert jira.find("DATA-1").assignee == "acct-ana"
    assert jira.find("DATA-1").comments  # "Claimed via Slack by …"

    gitlab_result = claim(
        services, "gitlab:platform/data#1", manager_slack="UOMAR", assignee_slack="UANA",
        writer_for=writer_for,
    )  # fmt: skip
    assert gitlab_result.ok, gitlab_result.detail
    assert gitlab.issue("platform/data", 1).assignees == ["ana-gl"]
    assert gitlab.issue("platform/data", 1).notes
