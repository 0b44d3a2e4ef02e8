"""Who may see what: engineers their own credit, managers their team's, leadership all.

Pure: the caller resolves the asking Slack user to a ``Viewer`` (person, managed teams,
leadership — which may come from a Slack user group the shell looked up).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.identity import Directory
from bot.core.rules import TeamsRules


@dataclass(frozen=True)
class Viewer:
    """The person asking. ``person_id`` is None for Slack users the identity map lacks."""

    person_id: str | None
    manages: frozenset[str] = frozenset()
    leadership: bool = False

    @classmethod
    def of(
        cls, person_id: str | None, rules: TeamsRules, *, in_leadership_group: bool = False
    ) -> Viewer:
        manages = frozenset(t.id for t in rules.teams if person_id and person_id in t.managers)
        leader = in_leadership_group or (person_id is not None and person_id in rules.leadership)
        return cls(person_id, manages, leader)


REFUSAL = (
    "Sorry — credit is private: engineers see their own, managers their team's, and "
    "leadership everyone's."
)


def may_see_person(viewer: Viewer, person_id: str, directory: Directory) -> bool:
    """Own credit; a manager's reports (anyone on a team they manage); leadership: all."""
    if viewer.leadership or viewer.person_id == person_id:
        return True
    return bool(viewer.manages & set(directory.teams_of_person(person_id)))


def may_see_team(viewer: Viewer, team_id: str) -> bool:
    return viewer.leadership or team_id in viewer.manages


def may_see_everyone(viewer: Viewer) -> bool:
    """Leaderboards and exports: leadership only."""
    return viewer.leadership
