"""The per-source privacy keys of ``rules/sources.yaml``: who else may read a source's
restricted issues, and whether channels may show their details.

Every tracker section (``github``, ``jira[]``, ``linear[]``, ``gitlab[]``) takes these keys;
Jira alone also takes ``visibility``, since Jira's API does not say who may browse a project.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bot.core.models import Visibility


class UnfurlMode(StrEnum):
    """What a channel may show of a source's restricted issues."""

    KEY = "key"  # the key and "a tracked private issue", nothing more
    FULL = "full"  # everything, as for a public issue (never in a Slack Connect channel)


class VisibleTo(BaseModel):
    """Who may read a source's restricted issues besides their own teams, their managers and
    leadership."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    teams: tuple[str, ...] = Field(default=(), description="team ids of teams.yaml")
    people: tuple[str, ...] = Field(default=(), description="person ids of teams.yaml")


class SourcePrivacy(BaseModel):
    """The privacy keys one source section carries (a mixin of the source models)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unfurl: UnfurlMode = UnfurlMode.KEY
    visible_to: VisibleTo = VisibleTo()


class JiraPrivacy(SourcePrivacy):
    """Jira's API does not say who may browse a project: restricted unless marked public."""

    visibility: Visibility = Visibility.RESTRICTED


#: What a source without a section in sources.yaml (an imported file's) gets.
DEFAULT_PRIVACY = SourcePrivacy()
