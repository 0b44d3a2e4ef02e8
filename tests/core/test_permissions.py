"""The permission matrix: engineer / manager / leader × own / report / other / team / all."""

from __future__ import annotations

import pytest

from bot.core.models import Visibility
from bot.core.permissions import (
    Audience,
    IssueAccess,
    Viewer,
    may_see_everyone,
    may_see_issue,
    may_see_person,
    may_see_team,
)
from bot.core.privacy_rules import SourcePrivacy, UnfurlMode, VisibleTo
from bot.core.rules_teams import TeamsRules
from tests.builders import TEAMS, directory

RULES = TeamsRules.model_validate(TEAMS)
DIRECTORY = directory()
ENGINEER = Viewer.of("ana", RULES)  # asr member
MANAGER = Viewer.of("omar", RULES)  # manages asr
LEADER = Viewer.of("cto", RULES)
GROUP_LEADER = Viewer.of("vera", RULES, in_leadership_group=True)
STRANGER = Viewer.of(None, RULES)


@pytest.mark.parametrize(
    ("viewer", "person", "allowed"),
    [
        (ENGINEER, "ana", True), (ENGINEER, "omar", False), (ENGINEER, "vera", False),
        (MANAGER, "ana", True), (MANAGER, "omar", True), (MANAGER, "vera", False),
        (LEADER, "ana", True), (LEADER, "vera", True),
        (GROUP_LEADER, "ana", True), (STRANGER, "ana", False),
    ],
)  # fmt: skip
def test_person_credit(viewer: Viewer, person: str, allowed: bool) -> None:
    assert may_see_person(viewer, person, DIRECTORY) is allowed


@pytest.mark.parametrize(
    ("viewer", "team", "allowed"),
    [
        (ENGINEER, "asr", False), (MANAGER, "asr", True), (MANAGER, "vision", False),
        (LEADER, "vision", True), (GROUP_LEADER, "nlp", True), (STRANGER, "asr", False),
    ],
)  # fmt: skip
def test_team_credit(viewer: Viewer, team: str, allowed: bool) -> None:
    assert may_see_team(viewer, team) is allowed


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [(ENGINEER, False), (MANAGER, False), (LEADER, True), (GROUP_LEADER, True), (STRANGER, False)],
)
def test_everyone(viewer: Viewer, allowed: bool) -> None:
    assert may_see_everyone(viewer) is allowed


# ------------------------------------------------------------------- restricted issues

RESTRICTED = IssueAccess(
    visibility=Visibility.RESTRICTED,
    privacy=SourcePrivacy(),
    teams=frozenset({"labelling", "asr"}),  # owner and a benefiting team
)
WIDENED = IssueAccess(
    visibility=Visibility.RESTRICTED,
    privacy=SourcePrivacy(visible_to=VisibleTo(teams=("recsys",), people=("ned",))),
    teams=frozenset({"labelling"}),
)
FULL = IssueAccess(
    visibility=Visibility.RESTRICTED,
    privacy=SourcePrivacy(unfurl=UnfurlMode.FULL),
    teams=frozenset({"labelling"}),
)
PUBLIC = IssueAccess(visibility=Visibility.PUBLIC, privacy=SourcePrivacy())
OWNER_MEMBER = Viewer.of("lena", RULES)  # labelling
UNRELATED_MEMBER = Viewer.of("rita", RULES)  # recsys
UNRELATED_MANAGER = Viewer.of("rex", RULES)  # manages recsys
CHANNEL = Audience.channel(shared=False)
SHARED = Audience.channel(shared=True)


@pytest.mark.parametrize(
    ("audience", "access", "allowed"),
    [
        (Audience.person(OWNER_MEMBER), RESTRICTED, True),
        (Audience.person(ENGINEER), RESTRICTED, True),  # a benefiting team's member
        (Audience.person(MANAGER), RESTRICTED, True),  # a benefiting team's manager
        (Audience.person(LEADER), RESTRICTED, True),
        (Audience.person(GROUP_LEADER), RESTRICTED, True),
        (Audience.person(UNRELATED_MEMBER), RESTRICTED, False),
        (Audience.person(UNRELATED_MANAGER), RESTRICTED, False),
        (Audience.person(STRANGER), RESTRICTED, False),  # outside every team
        (Audience.person(STRANGER), PUBLIC, True),
        (Audience.person(UNRELATED_MEMBER), WIDENED, True),  # visible_to.teams
        (Audience.person(UNRELATED_MANAGER), WIDENED, True),  # ... and their managers
        (Audience.person(Viewer.of("ned", RULES)), WIDENED, True),  # visible_to.people
        (Audience.person(ENGINEER), WIDENED, False),
        (CHANNEL, RESTRICTED, False),
        (CHANNEL, WIDENED, False),
        (CHANNEL, FULL, True),  # unfurl: full
        (SHARED, FULL, False),  # never in a Slack Connect channel
        (SHARED, PUBLIC, True),
    ],
)  # fmt: skip
def test_who_may_read_a_restricted_issue(
    audience: Audience, access: IssueAccess, allowed: bool
) -> None:
    assert may_see_issue(audience, access) is allowed


def test_viewer_knows_the_teams_they_are_a_member_of() -> None:
    assert OWNER_MEMBER.teams == {"labelling"} and MANAGER.teams == frozenset()
    assert MANAGER.manages == {"asr"}
