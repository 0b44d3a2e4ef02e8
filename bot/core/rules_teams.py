"""The schema of ``rules/teams.yaml``: teams, what they own, the people and their identities
across systems (the identity map), leadership, bot accounts, and who may claim what."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from bot.core.rules_base import RuleModel


class Owns(RuleModel):
    """What a team owns; an issue in an owned repo/project belongs to the team."""

    repos: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


class Team(RuleModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    managers: tuple[str, ...] = ()
    slack_channel: str | None = Field(default=None, pattern=r"^#[a-z0-9_-]+$|^C[A-Z0-9]+$")
    members: tuple[str, ...] = ()
    owns: Owns = Owns()


class Person(RuleModel):
    """One human across systems: the identity map."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    emails: tuple[str, ...] = ()
    slack: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]+$")
    github: str | None = None
    jira: str | None = Field(default=None, description="Jira Cloud account id")
    linear: str | None = None
    gitlab: str | None = None

    @field_validator("emails")
    @classmethod
    def _emails_look_like_emails(cls, emails: tuple[str, ...]) -> tuple[str, ...]:
        for email in emails:
            if "@" not in email:
                raise ValueError(f"{email!r} is not an email address")
        return tuple(e.lower() for e in emails)


class ClaimRules(RuleModel):
    """Who a manager may claim for from a digest. By default a manager claims items that a
    team they manage owns (or plausibly owns) or benefits from, and assigns members of those
    teams; each key widens one half of that."""

    items: Literal["related", "any"] = Field(
        default="related",
        description="related: items their teams own or benefit from; any: every item",
    )
    assignees: Literal["team", "anyone"] = Field(
        default="team",
        description="team: members of the teams they claim for; anyone: anyone in people",
    )


class TeamsRules(RuleModel):
    teams: tuple[Team, ...] = ()
    leadership: tuple[str, ...] = ()
    leadership_groups: tuple[Annotated[str, StringConstraints(pattern=r"^S[A-Z0-9]+$")], ...] = (
        Field(default=(), description="Slack user group ids whose members count as leadership")
    )
    people: tuple[Person, ...] = ()
    bots: tuple[str, ...] = Field(
        default=(), description="tracker handles of bot accounts (any tracker)"
    )
    claims: ClaimRules = ClaimRules()
