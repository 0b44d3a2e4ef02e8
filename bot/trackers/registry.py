"""Every configured tracker source, built into connectors and claim writers.

``sources.yaml`` lists sources per tracker family; each family's ``factory`` module builds
its connector (for ``impactbot sync``) and claim writer (for Claim in Slack). This module
is the one place that knows the families, so adding a tracker means one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx

from bot.config import Settings
from bot.core.models import TrackerKind
from bot.core.rules import GitHubSources, SourcesRules
from bot.core.sources import SourceMap, host_of
from bot.trackers.github import factory as github_factory
from bot.trackers.gitlab import factory as gitlab_factory
from bot.trackers.http import Governor
from bot.trackers.jira import factory as jira_factory
from bot.trackers.linear import factory as linear_factory
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter


class _Factory(Protocol):
    def build(
        self,
        settings: Settings,
        sources: Any,
        *,
        http: httpx.Client,
        clock: Callable[[], datetime],
        source_map: SourceMap,
        sweep: bool | None = None,
        governor: Governor | None = None,
    ) -> tuple[Connector, Governor]: ...

    def claim_writer(
        self,
        settings: Settings,
        sources: Any,
        *,
        http: httpx.Client,
        governor: Governor | None = None,
    ) -> ClaimWriter: ...


@dataclass(frozen=True)
class ConfiguredSource:
    """One entry of ``sources.yaml``: its name, tracker family and settings model."""

    name: str
    kind: TrackerKind
    rules: Any  # GitHubSources | JiraSources | LinearSources | GitLabSources

    @property
    def concurrency(self) -> int:
        return int(self.rules.concurrency)


def _factories() -> dict[TrackerKind, _Factory]:
    return {
        TrackerKind.GITHUB: github_factory,
        TrackerKind.JIRA: jira_factory,
        TrackerKind.LINEAR: linear_factory,
        TrackerKind.GITLAB: gitlab_factory,
    }


def configured_sources(rules: SourcesRules) -> list[ConfiguredSource]:
    """Every source in ``rules``, GitHub first, then Jira, Linear and GitLab in file order."""
    found: list[ConfiguredSource] = []
    if rules.github:
        found.append(ConfiguredSource(rules.github.source, TrackerKind.GITHUB, rules.github))
    found += [ConfiguredSource(s.source, TrackerKind.JIRA, s) for s in rules.jira]
    found += [ConfiguredSource(s.source, TrackerKind.LINEAR, s) for s in rules.linear]
    found += [ConfiguredSource(s.source, TrackerKind.GITLAB, s) for s in rules.gitlab]
    return found


def source_map(settings: Settings, rules: SourcesRules) -> SourceMap:
    """Where each configured source lives on the web, for pinning references to it."""
    return SourceMap.from_rules(rules, _web_hosts(settings, rules))


def web_hosts(settings: Settings, rules: SourcesRules) -> list[str]:
    """The web host of every configured source, in file order, once each: github.com (or the
    GitHub Enterprise host), each Jira site, linear.app, each GitLab host. With no source
    configured, the host of GITHUB_API_URL (the default install reads GitHub)."""
    hosts: list[str] = []
    for found in _web_hosts(settings, rules).values():
        hosts += [h for h in found if h not in hosts]
    return hosts or [_github_host(settings)]


def _github_host(settings: Settings) -> str:
    api = host_of(settings.github_api_url)
    return "github.com" if api == "api.github.com" else api


def _web_hosts(settings: Settings, rules: SourcesRules) -> dict[str, list[str]]:
    hosts: dict[str, list[str]] = {}
    if rules.github:
        hosts[rules.github.source] = [_github_host(settings)]
    for jira in rules.jira:
        site = jira.site or settings.jira_url
        hosts[jira.source] = [host_of(site)] if site else []
    for linear in rules.linear:
        hosts[linear.source] = ["linear.app"]
    for gitlab in rules.gitlab:
        hosts[gitlab.source] = [host_of(gitlab.url or settings.gitlab_url)]
    return hosts


def build_connector(
    settings: Settings,
    source: ConfiguredSource,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
) -> tuple[Connector, Governor]:
    """The connector of ``source`` and the governor of its credential.

    Raises ``ConfigurationError`` when the source's credentials are missing."""
    factory = _factories()[source.kind]
    return factory.build(
        settings, source.rules, http=http, clock=clock, source_map=source_map, sweep=sweep
    )


def claim_writer(
    settings: Settings, rules: SourcesRules, source_name: str, *, http: httpx.Client
) -> ClaimWriter | None:
    """The claim writer for issues of ``source_name``; None when that source is not
    configured for sync (a file import, say) — claims there cannot be written back.

    Raises ``ConfigurationError`` when the source's credentials are missing."""
    for source in configured_sources(rules):
        if source.name == source_name:
            return _factories()[source.kind].claim_writer(settings, source.rules, http=http)
    if source_name.startswith("github") and settings.github_token:
        # Issues imported from `gh` JSON: writable with the GitHub token all the same.
        return github_factory.claim_writer(settings, GitHubSources(), http=http)
    return None


def kind_of(rules: SourcesRules, source_name: str) -> TrackerKind | None:
    """The tracker family of a configured source (None: not configured)."""
    for source in configured_sources(rules):
        if source.name == source_name:
            return source.kind
    return None
