"""Who may see what: engineers their own credit, managers their team's, leadership all;
and who may read a restricted issue's details.

Pure: the caller resolves the asking Slack user to a ``Viewer`` (person, teams, managed
teams, leadership — which may come from a Slack user group the shell looked up), or describes
the channel a message goes to as an ``Audience``.

**Restricted issues.** An issue the tracker keeps from part of the organisation (a private or
internal repository, a confidential issue, a private Linear team, a Jira project not marked
public, an imported file not marked public) shows its details — title, body, passages,
reasons with their evidence — only to members of its owning and benefiting teams, their
managers, leadership, and whoever its source's ``visible_to`` adds. Everybody else gets
``PRIVATE_ISSUE`` and its key at most. A channel is nobody in particular: it shows restricted
details only when the source says ``unfurl: full``, and never when the channel is shared with
another organisation (Slack Connect).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.identity import Directory
from bot.core.models import Visibility
from bot.core.privacy_rules import SourcePrivacy, UnfurlMode
from bot.core.rules_teams import TeamsRules

#: All that somebody the rule excludes learns of a restricted issue, besides its key.
PRIVATE_ISSUE = "a tracked private issue"


@dataclass(frozen=True)
class Viewer:
    """The person asking. ``person_id`` is None for Slack users the identity map lacks;
    ``teams`` are the teams they are a member of, ``manages`` those they manage."""

    person_id: str | None
    manages: frozenset[str] = frozenset()
    leadership: bool = False
    teams: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, person_id: str | None, rules: TeamsRules, *, in_leadership_group: bool = False
    ) -> Viewer:
        manages = frozenset(t.id for t in rules.teams if person_id and person_id in t.managers)
        member = frozenset(t.id for t in rules.teams if person_id and person_id in t.members)
        leader = in_leadership_group or (person_id is not None and person_id in rules.leadership)
        return cls(person_id, manages, leader, member)


@dataclass(frozen=True)
class Audience:
    """Who reads what is about to be sent: one person alone (a direct message, an ephemeral
    answer, App Home), or everybody in a channel (``viewer`` None), perhaps one shared with
    another organisation."""

    viewer: Viewer | None = None
    shared_channel: bool = False

    @classmethod
    def person(cls, viewer: Viewer) -> Audience:
        return cls(viewer=viewer)

    @classmethod
    def channel(cls, *, shared: bool) -> Audience:
        return cls(viewer=None, shared_channel=shared)


@dataclass(frozen=True)
class IssueAccess:
    """What decides who may read one issue: its visibility, its source's privacy keys, and
    its owning and benefiting teams (from its score card, or its owners before scoring)."""

    visibility: Visibility
    privacy: SourcePrivacy
    teams: frozenset[str] = frozenset()


def may_see_issue(audience: Audience, access: IssueAccess) -> bool:
    """Whether ``audience`` may read the issue's details (see the module docstring).
    Public issues: everybody. Deterministic; no I/O."""
    if access.visibility is Visibility.PUBLIC:
        return True
    viewer = audience.viewer
    if viewer is None:  # a channel
        return access.privacy.unfurl is UnfurlMode.FULL and not audience.shared_channel
    if viewer.leadership:
        return True
    widened = access.privacy.visible_to
    if viewer.person_id is not None and viewer.person_id in widened.people:
        return True
    close = viewer.teams | viewer.manages
    return bool(close & (access.teams | frozenset(widened.teams)))


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
