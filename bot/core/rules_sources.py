"""The schema of ``rules/sources.yaml``: what to sync from GitHub, Jira Cloud, Linear and
GitLab, each section with its privacy keys; a source's name is unique across trackers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.core.privacy_rules import DEFAULT_PRIVACY, JiraPrivacy, SourcePrivacy
from bot.core.rules_base import RuleModel

_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"


class GitHubSources(SourcePrivacy):
    """What to sync from GitHub (github.com or one GitHub Enterprise Server)."""

    source: str = Field(default="github", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    repos: tuple[Annotated[str, StringConstraints(pattern=_REPO)], ...] = ()
    orgs: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")], ...] = ()
    exclude_repos: tuple[Annotated[str, StringConstraints(pattern=_REPO)], ...] = ()
    overlap_seconds: int = Field(default=5, ge=0, le=3600)
    concurrency: int = Field(default=4, ge=1, le=16)
    sweep_days: int = Field(default=7, ge=1)


_SOURCE_NAME = r"^[a-z0-9][a-z0-9_-]*$"


_JIRA_PROJECT = r"^[A-Z][A-Z0-9_]{1,9}$"


def _compiles(pattern: str | None) -> str | None:
    """A ``key_pattern`` must be a regular expression (matched whole against a key)."""
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    return pattern


class JiraSources(JiraPrivacy):
    """One Jira Cloud site to sync (``rules/sources.yaml`` → ``jira``)."""

    source: str = Field(default="jira", pattern=_SOURCE_NAME)
    site: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+(/[^\s]*)?$",
        description="site URL; JIRA_URL when unset",
    )
    projects: tuple[Annotated[str, StringConstraints(pattern=_JIRA_PROJECT)], ...] = ()
    jql: str | None = Field(default=None, min_length=1, description="replaces `projects`")
    story_points_field: str | None = Field(default=None, pattern=r"^customfield_\d+$")
    overlap_minutes: int = Field(default=5, ge=1, le=1440)
    page_size: int = Field(default=100, ge=1, le=5000)
    concurrency: int = Field(default=4, ge=1, le=16)
    key_pattern: str | None = Field(
        default=None, description="regex of keys that belong to this site; default: projects"
    )
    _check_pattern = field_validator("key_pattern")(_compiles)

    @model_validator(mode="after")
    def _projects_or_jql(self) -> JiraSources:
        if not self.projects and not self.jql:
            raise ValueError("give `projects` or a `jql`")
        return self


class LinearSources(SourcePrivacy):
    """The Linear workspace of ``LINEAR_API_KEY`` (``rules/sources.yaml`` → ``linear``)."""

    source: str = Field(default="linear", pattern=_SOURCE_NAME)
    teams: tuple[Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,10}$")], ...] = Field(
        default=(), description="team keys; empty: every team the key can read"
    )
    window_days: int = Field(default=30, ge=1, le=3650)
    overlap_seconds: int = Field(default=60, ge=0, le=3600)
    page_size: int = Field(default=50, ge=1, le=250)
    concurrency: int = Field(default=2, ge=1, le=16)
    key_pattern: str | None = None
    _check_pattern = field_validator("key_pattern")(_compiles)


class GitLabSources(SourcePrivacy):
    """One GitLab instance (``rules/sources.yaml`` → ``gitlab``)."""

    source: str = Field(default="gitlab", pattern=_SOURCE_NAME)
    url: str | None = Field(
        default=None, pattern=r"^https?://[^/\s]+(/[^\s]*)?$", description="GITLAB_URL if unset"
    )
    groups: tuple[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$")], ...
    ] = ()
    projects: tuple[
        Annotated[
            str, StringConstraints(pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_.-]+$")
        ],
        ...,
    ] = ()
    exclude_projects: tuple[str, ...] = ()
    overlap_seconds: int = Field(default=5, ge=0, le=3600)
    page_size: int = Field(default=100, ge=1, le=100)
    concurrency: int = Field(default=4, ge=1, le=16)
    key_pattern: str | None = None
    _check_pattern = field_validator("key_pattern")(_compiles)

    @model_validator(mode="after")
    def _something_to_sync(self) -> GitLabSources:
        if not self.groups and not self.projects:
            raise ValueError("give `groups` or `projects`")
        return self


def _one_or_many(value: Any) -> Any:
    """``jira:`` (and the others) take one mapping or a list of them."""
    return [value] if isinstance(value, dict) else value


class SourcesRules(RuleModel):
    github: GitHubSources | None = None
    jira: tuple[JiraSources, ...] = ()
    linear: tuple[LinearSources, ...] = ()
    gitlab: tuple[GitLabSources, ...] = ()

    _wrap_jira = field_validator("jira", mode="before")(_one_or_many)
    _wrap_linear = field_validator("linear", mode="before")(_one_or_many)
    _wrap_gitlab = field_validator("gitlab", mode="before")(_one_or_many)

    @model_validator(mode="after")
    def _source_names_unique(self) -> SourcesRules:
        seen: set[str] = set()
        for name in self.source_names():
            if name in seen:
                raise ValueError(f"source name {name!r} is used twice: give each a `source`")
            seen.add(name)
        return self

    def source_names(self) -> list[str]:
        """Every configured source name, GitHub first."""
        names = [self.github.source] if self.github else []
        names += [s.source for s in self.jira]
        names += [s.source for s in self.linear]
        return names + [s.source for s in self.gitlab]

    def privacy_of(self, source: str) -> SourcePrivacy:
        """The privacy keys of ``source``; the defaults for a source with no section (an
        imported file's)."""
        sections: list[SourcePrivacy] = [self.github] if self.github else []
        sections += [*self.jira, *self.linear, *self.gitlab]
        found = next((s for s in sections if getattr(s, "source", None) == source), None)
        return found or DEFAULT_PRIVACY
