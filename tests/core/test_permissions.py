"""The permission matrix: engineer / manager / leader × own / report / other / team / all."""

from __future__ import annotations

import pytest

from bot.core.permissions import Viewer, may_see_everyone, may_see_person, may_see_team
from bot.core.rules import TeamsRules
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
