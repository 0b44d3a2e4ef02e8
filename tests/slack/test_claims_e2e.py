"""Claim from a digest, end to end: the fake Slack sends the click, the fake GitHub gets the
assignee and the comment, the message updates in place, the claim is recorded for credit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from slack_sdk import WebClient

from bot.app.services import Services
from bot.config import Settings
from bot.core.models import IssueState, StateReason
from bot.slack.blocks_digest_clicks import ACTION_CLAIM, ACTION_NOT_OURS, ACTION_UNDO
from bot.slack.sender import SlackSender
from bot.store import open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.writeback import GitHubClaimWriter
from bot.trackers.http import Governor
from bot.wiring import services_over, slack_app
from tests.builders import issue
from tests.fakes.github import FakeGitHub
from tests.fakes.slack import FakeSlack
from tests.slack.serving import serving
from tests.slack.test_app_e2e import SECRET, _teams
from tests.slack_signing import interaction_body, request_headers

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
UID = "github:acme/labelling#1"


@dataclass
class World:
    url: str
    slack: FakeSlack
    github: FakeGitHub
    services: Services

    def click(self, action: dict[str, Any], user: str = "UOMAR") -> None:
        message = {
            "ts": "1717243200.000100",
            "text": "digest",
            "blocks": [
                {
                    "type": "section",
                    "block_id": f"digest:item:{UID}",
                    "text": {"type": "mrkdwn", "text": "item"},
                }
            ],
        }
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T0IMPACT01"},
            "channel": {"id": "D0OMAR"},
            "message": message,
            "trigger_id": "1.2.3",
            "response_url": self.slack.response_url(),
            "actions": [action],
        }
        body = interaction_body(payload)
        headers = request_headers(SECRET, body, int(time.time()))
        assert (
            httpx.post(f"{self.url}/slack/events", content=body, headers=headers).status_code == 200
        )

    def claims(self) -> list[dict[str, Any]]:
        with open_store(self.services.settings.db_path) as store:
            return [asdict(claim) for claim in store.claims.all()]


def _claim(assignee: str) -> dict[str, Any]:
    return {
        "type": "users_select",
        "action_id": ACTION_CLAIM,
        "selected_user": assignee,
        "block_id": f"digest:actions:{UID}",
        "action_ts": "1.1",
    }


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(_teams()))
    db = tmp_path / "x.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([issue(), issue("acme/asr#1", refs=("acme/labelling#1",))])
    with FakeSlack() as slack, FakeGitHub(token="t0k", now=NOW) as github:
        slack.add_message("D0OMAR", "1717243200.000100", "digest")  # the digest, posted
        github.add_repo("acme/labelling")
        github.add_issue("acme/labelling", title="Taxonomy", created_at=NOW)
        settings = Settings(
            IMPACTBOT_DB=db,
            IMPACTBOT_RULES=rules,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=slack.url,
        )  # type: ignore[call-arg]
        services = services_over(settings, clock=lambda: NOW)
        services.score()
        http = httpx.Client()
        client = GitHubClient(
            http,
            api_url=github.url,
            graphql_url=github.graphql_url,
            token="t0k",
            governor=Governor(sleep=lambda s: None),
        )
        app = slack_app(settings, services, writer_for=lambda source: GitHubClaimWriter(client))
        with http, serving(app) as url:
            yield World(url, slack, github, services)


def _assignees(github: FakeGitHub) -> list[str]:
    response = httpx.get(
        f"{github.url}/repos/acme/labelling/issues/1", headers={"Authorization": "Bearer t0k"}
    )
    return [a["login"] for a in response.json()["assignees"]]


def test_claim_assigns_comments_updates_and_records(world: World) -> None:
    world.click(_claim("UANA"))
    [update] = world.slack.wait_for("chat.update")
    assert "Claimed by <@UOMAR> for <@UANA>" in json.dumps(update.args)
    assert _assignees(world.github) == ["ana"]
    comments = httpx.get(
        f"{world.github.url}/repos/acme/labelling/issues/1/comments",
        headers={"Authorization": "Bearer t0k"},
    ).json()
    assert "Claimed via Slack by Omar for @ana" in comments[-1]["body"]
    [claim] = world.claims()
    assert (claim["issue_uid"], claim["manager"], claim["assignee"]) == (UID, "omar", "ana")


def test_a_double_click_claims_once(world: World) -> None:
    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update", count=2)
    assert len(world.claims()) == 1
    posts = [
        r for r in world.github.requests if r.path.endswith("/comments") and r.method == "POST"
    ]
    assert len(posts) == 1


def test_a_silently_dropped_assignee_leaves_no_claim(world: World) -> None:
    world.github.set_assignable("acme/labelling", ["someone-else"])
    url_before = len(world.slack.calls)
    world.click(_claim("UANA"))
    time.sleep(0.5)
    assert world.claims() == [] and _assignees(world.github) == []
    assert not [c for c in world.slack.calls[url_before:] if c.method == "chat.update"]


def test_undo_unassigns_and_not_ours_is_recorded(world: World) -> None:
    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    world.click(
        {
            "type": "button",
            "action_id": ACTION_UNDO,
            "value": f"claim:{UID}",
            "block_id": f"digest:item:{UID}",
            "action_ts": "1.2",
        }
    )
    world.slack.wait_for("chat.update", count=2)
    assert world.claims() == [] and _assignees(world.github) == []
    world.click(
        {
            "type": "button",
            "action_id": ACTION_NOT_OURS,
            "value": UID,
            "block_id": f"digest:actions:{UID}",
            "action_ts": "1.3",
        }
    )
    world.slack.wait_for("chat.update", count=3)
    with open_store(world.services.settings.db_path) as store:
        assert [d.kind for d in store.claims.decisions()] == ["not_ours"]


def test_the_claiming_manager_is_credited_as_sponsor(world: World) -> None:
    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    _close_fix(world)
    roles = {
        (line.entry.person_id, line.entry.role)
        for line in world.services.credit_report(team="asr", period="2026").lines
    }
    assert ("omar", "sponsor") in roles


def _close_fix(world: World) -> None:
    with open_store(world.services.settings.db_path) as store:
        fix = store.issues.get(UID)
        assert fix is not None
        done = fix.model_copy(
            update={
                "state": IssueState.CLOSED,
                "closed_at": NOW,
                "state_reason": StateReason.COMPLETED,
            }
        )
        with store.transaction():
            store.issues.upsert([done])
    world.services.score()


def test_credit_notices_thank_the_people_credited_once(world: World) -> None:
    from bot.app.notices import send_credit_notices
    from bot.slack.delivery import Pacer

    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    _close_fix(world)
    client = WebClient(token=world.slack.bot_token, base_url=world.slack.url)
    assert (
        send_credit_notices(world.services, SlackSender(client, pacer=Pacer(interval=0)), now=NOW)
        >= 1
    )
    texts = [json.dumps(c.args) for c in world.slack.calls_to("chat.postMessage")]
    assert any("UOMAR" in t and "as sponsor" in t for t in texts)
    again = send_credit_notices(
        world.services, SlackSender(client, pacer=Pacer(interval=0)), now=NOW
    )
    assert again == 0


def test_a_benefiting_manager_confirms_pending_credit(world: World, tmp_path: Path) -> None:
    from bot.app.notices import send_credit_notices
    from bot.slack.blocks_credit_notice import ACTION_CONFIRM
    from bot.slack.delivery import Pacer

    (world.services.settings.rules_dir / "credit.yaml").write_text(
        "anti_gaming: {require_manager_confirmation: true}\n"
    )
    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    _close_fix(world)
    assert "omar" not in dict(world.services.leaderboard(period="2026").rows)
    client = WebClient(token=world.slack.bot_token, base_url=world.slack.url)
    send_credit_notices(world.services, SlackSender(client, pacer=Pacer(interval=0)), now=NOW)
    asks = [
        c for c in world.slack.calls_to("chat.postMessage") if ACTION_CONFIRM in json.dumps(c.args)
    ]
    assert asks  # the manager of a benefiting team is asked
    world.click(
        {
            "type": "button",
            "action_id": ACTION_CONFIRM,
            "value": UID,
            "block_id": "b",
            "action_ts": "1.4",
        },
        user="UOMAR",
    )
    deadline = time.time() + 5
    while "omar" not in dict(world.services.leaderboard(period="2026").rows):
        assert time.time() < deadline, "the confirmation never released the credit"
        time.sleep(0.05)


def test_undo_only_within_its_window(world: World) -> None:
    from datetime import timedelta

    from bot.app import claims

    world.click(_claim("UANA"))
    world.slack.wait_for("chat.update")
    late = services_over(world.services.settings, clock=lambda: NOW + timedelta(days=2))
    result = claims.undo(
        late, UID, kind="claim", manager_slack="UOMAR", writer_for=lambda source: None
    )
    assert not result.ok and "Too late" in result.detail
    assert len(world.claims()) == 1 and _assignees(world.github) == ["ana"]
    other = claims.undo(
        world.services, UID, kind="claim", manager_slack="UANA", writer_for=lambda source: None
    )
    assert not other.ok  # not the manager who claimed it


def test_two_managers_claiming_at_once_make_one_claim(world: World) -> None:
    from bot.app import claims

    writes: list[str] = []

    class Recording:
        def assign(self, key: str, handle: str) -> Any:
            from bot.trackers.writeback import WriteResult

            writes.append(handle)
            time.sleep(0.05)  # the tracker is slow: both clicks are in flight together
            return WriteResult(True, f"assigned @{handle}")

        def comment(self, key: str, body: str, *, marker: str, look_first: bool = False) -> Any:
            from bot.trackers.writeback import WriteResult

            return WriteResult(True, "commented")

    results: list[Any] = []
    clicks = [("UOMAR", "UANA"), ("UVIK", "UVERA")]  # managers of asr and vision
    teams_file = world.services.settings.rules_dir / "teams.yaml"
    doc = yaml.safe_load(teams_file.read_text())
    for person in doc["people"]:
        if person["id"] == "vik":
            person["slack"] = "UVIK"
    teams_file.write_text(yaml.safe_dump(doc))
    threads = [
        threading.Thread(
            target=lambda m=m, a=a: results.append(
                claims.claim(
                    world.services,
                    UID,
                    manager_slack=m,
                    assignee_slack=a,
                    writer_for=lambda source: Recording(),
                )
            )
        )
        for m, a in clicks
    ]  # type: ignore[misc]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(world.claims()) == 1
    assert len(writes) <= 1  # only the manager who reserved the claim wrote to the tracker
