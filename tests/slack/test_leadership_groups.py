"""Leadership by Slack user group: memberships are cached for a while, a failed lookup is
retried with backoff, and a lookup that keeps failing is logged and falls back to the members
last known — it no longer silently demotes a leader. Through the fake Slack, over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import yaml
from slack_sdk import WebClient

from bot.core.rules import Rules
from bot.slack.people import GroupMembers, viewer_of
from tests.builders import TEAMS
from tests.fakes.slack import FakeSlack

METHOD = "usergroups.users.list"
# One of the errors Slack's Web API spec lists for usergroups.users.list
# (slack-api-specs/slack_web_openapi_v2.json), sent with HTTP 200 and ok: false.
FATAL = {"ok": False, "error": "fatal_error"}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_usergroup("SLEADS", ["UVERA"])
        yield fake


def _client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.url)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _groups(slack: FakeSlack, clock: _Clock) -> GroupMembers:
    return GroupMembers(_client(slack), sleep=clock.sleep, clock=lambda: clock.now)


def test_one_lookup_per_group_until_the_ttl_passes(slack: FakeSlack) -> None:
    clock = _Clock()
    groups = _groups(slack, clock)
    assert all("UVERA" in groups.members("SLEADS") for _ in range(5))
    assert len(slack.calls_to(METHOD)) == 1
    slack.add_usergroup("SLEADS", ["UANA"])
    clock.now += 5 * 60 + 1
    assert groups.members("SLEADS") == {"UANA"} and len(slack.calls_to(METHOD)) == 2


def test_a_failed_lookup_is_retried_with_backoff(slack: FakeSlack) -> None:
    clock = _Clock()
    slack.script(METHOD, FATAL, FATAL)
    assert _groups(slack, clock).members("SLEADS") == {"UVERA"}
    assert clock.slept == [0.25, 0.5] and len(slack.calls_to(METHOD)) == 3


def test_a_lookup_that_keeps_failing_is_logged_and_keeps_the_last_members(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    clock = _Clock()
    groups = _groups(slack, clock)
    assert groups.members("SLEADS") == {"UVERA"}
    clock.now += 5 * 60 + 1
    slack.script(METHOD, FATAL, FATAL, FATAL)
    with caplog.at_level(logging.WARNING, logger="impactbot.slack"):
        assert groups.members("SLEADS") == {"UVERA"}  # still leadership
    [record] = caplog.records
    assert "SLEADS" in record.getMessage() and "fatal_error" in record.getMessage()
    slack.script(METHOD, FATAL, FATAL, FATAL)
    assert groups.members("SNEVER") == frozenset()  # never read: grants nothing


def test_viewers_share_one_lookup_per_client(slack: FakeSlack) -> None:
    doc = dict(TEAMS, leadership_groups=["SLEADS"])
    doc["people"] = [
        {**p, "slack": "UVERA"} if p["id"] == "vera" else p
        for p in yaml.safe_load(yaml.safe_dump(TEAMS["people"]))
    ]
    rules = Rules.model_validate({"teams": doc})
    client = _client(slack)
    viewers = [viewer_of("UVERA", rules, client) for _ in range(3)]
    assert all(v.leadership for v in viewers)
    assert not viewer_of("UANA", rules, client).leadership
    assert len(slack.calls_to(METHOD)) == 1
