"""The tracker families, in one table, and every configured source built from it.

``FAMILIES`` has one row per tracker kind: the section of ``sources.yaml`` its sources live in,
the settings it needs (its credentials' fields and the environment names an operator sets,
which messages name), its factory (connector + governor, claim writer) and the web hosts its
issue links use. Adding a tracker means its folder under ``bot/trackers/`` and one row here.

Nothing here reads settings: ``bot.wiring`` turns them into one ``Credentials`` value, by the
environment names the rows declare, and passes it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Generic, Protocol, TypeVar

import httpx

from bot.core.models import TrackerKind
from bot.core.rules_sources import (
    GitHubSources,
    GitLabSources,
    JiraSources,
    LinearSources,
    SourcesRules,
)
from bot.core.sources import SourceMap
from bot.errors import ConfigurationError
from bot.trackers.github import factory as github
from bot.trackers.gitlab import factory as gitlab
from bot.trackers.http import Governor
from bot.trackers.jira import factory as jira
from bot.trackers.linear import factory as linear
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter

C = TypeVar("C")  # a family's credentials (a frozen dataclass)
S = TypeVar("S")  # a family's section of sources.yaml (a rules model)
C_in = TypeVar("C_in", contravariant=True)
S_in = TypeVar("S_in", contravariant=True)


class BuildConnector(Protocol[C_in, S_in]):
    """A family's ``build``: its connector and the governor of its credential."""

    def __call__(
        self,
        credentials: C_in,
        sources: S_in,
        *,
        http: httpx.Client,
        clock: Callable[[], datetime],
        source_map: SourceMap,
        sweep: bool | None = None,
        governor: Governor | None = None,
    ) -> tuple[Connector, Governor]: ...


class BuildClaimWriter(Protocol[C_in, S_in]):
    """A family's ``claim_writer``."""

    def __call__(
        self,
        credentials: C_in,
        sources: S_in,
        *,
        http: httpx.Client,
        governor: Governor | None = None,
    ) -> ClaimWriter: ...


@dataclass(frozen=True)
class Setting:
    """One credential or address a family needs: the field of its credentials and the
    environment variable (a ``Settings`` field of the same name, lower-cased) it comes from."""

    field: str
    env: str


@dataclass(frozen=True)
class Family(Generic[C, S]):
    """One tracker family: a row of ``FAMILIES``."""

    kind: TrackerKind
    section: str  # its key in sources.yaml (one section, or a list of them)
    settings: tuple[Setting, ...]
    credentials: Callable[..., C]  # builds its credentials from ``settings``' fields
    build: BuildConnector[C, S]
    claim_writer: BuildClaimWriter[C, S]
    web_hosts: Callable[[C, S], tuple[str, ...]]
    default_sources: Callable[[], S]  # a section with defaults (imports, hosts)
    imports: str | None = None  # issues imported under a source named so are written here

    def sources_in(self, rules: SourcesRules) -> list[S]:
        """This family's sections of ``rules``, in file order."""
        found = getattr(rules, self.section)
        if found is None:
            return []
        return list(found) if isinstance(found, tuple) else [found]


# A declarative table (exempt from the function-length rule by name): one row per family.
FAMILIES: tuple[Family[Any, Any], ...] = (
    Family(
        TrackerKind.GITHUB,
        "github",
        (
            Setting("token", "GITHUB_TOKEN"),
            Setting("api_url", "GITHUB_API_URL"),
            Setting("graphql_url", "GITHUB_GRAPHQL_URL"),
        ),
        github.GitHubCredentials,
        github.build,
        github.claim_writer,
        github.web_hosts,
        GitHubSources,
        imports="github",
    ),
    Family(
        TrackerKind.JIRA,
        "jira",
        (
            Setting("url", "JIRA_URL"),
            Setting("email", "JIRA_EMAIL"),
            Setting("api_token", "JIRA_API_TOKEN"),
        ),
        jira.JiraCredentials,
        jira.build,
        jira.claim_writer,
        jira.web_hosts,
        JiraSources,
    ),
    Family(
        TrackerKind.LINEAR,
        "linear",
        (Setting("api_key", "LINEAR_API_KEY"), Setting("api_url", "LINEAR_API_URL")),
        linear.LinearCredentials,
        linear.build,
        linear.claim_writer,
        linear.web_hosts,
        LinearSources,
    ),
    Family(
        TrackerKind.GITLAB,
        "gitlab",
        (Setting("token", "GITLAB_TOKEN"), Setting("url", "GITLAB_URL")),
        gitlab.GitLabCredentials,
        gitlab.build,
        gitlab.claim_writer,
        gitlab.web_hosts,
        GitLabSources,
    ),
)

#: The family whose host a bare install recognises (no source configured: GitHub).
DEFAULT_KIND = TrackerKind.GITHUB


def family(kind: TrackerKind) -> Family[Any, Any]:
    """The row of ``kind``."""
    return next(f for f in FAMILIES if f.kind is kind)


def setting_names() -> list[str]:
    """The environment name of every tracker setting, in table order."""
    return [s.env for f in FAMILIES for s in f.settings]


@dataclass(frozen=True)
class Credentials:
    """Every tracker setting by environment name (``GITHUB_TOKEN``, ``JIRA_URL``...), as
    ``bot.wiring`` read them: secrets revealed, unset ones left out (or None). Each family
    takes its own from it; a family's defaults fill what is left out."""

    values: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def of(self, row: Family[C, Any]) -> C:
        """``row``'s credentials."""
        given = {s.field: self.values.get(s.env) for s in row.settings}
        return row.credentials(
            **{name: value for name, value in given.items() if value is not None}
        )


@dataclass(frozen=True)
class ConfiguredSource:
    """One entry of ``sources.yaml``: its name, tracker family and settings model."""

    name: str
    kind: TrackerKind
    rules: Any  # GitHubSources | JiraSources | LinearSources | GitLabSources

    @property
    def concurrency(self) -> int:
        return int(self.rules.concurrency)


def configured_sources(rules: SourcesRules) -> list[ConfiguredSource]:
    """Every source in ``rules``, GitHub first, then Jira, Linear and GitLab in file order."""
    return [
        ConfiguredSource(section.source, row.kind, section)
        for row in FAMILIES
        for section in row.sources_in(rules)
    ]


def source_map(credentials: Credentials, rules: SourcesRules) -> SourceMap:
    """Where each configured source lives on the web, for pinning references to it."""
    return SourceMap.from_rules(rules, _web_hosts(credentials, rules))


def web_hosts(credentials: Credentials, rules: SourcesRules) -> list[str]:
    """The web host of every configured source, in file order, once each: github.com (or the
    GitHub Enterprise host), each Jira site, linear.app, each GitLab host. With no source
    configured, the host of GITHUB_API_URL (the default install reads GitHub)."""
    hosts: list[str] = []
    for found in _web_hosts(credentials, rules).values():
        hosts += [h for h in found if h not in hosts]
    if hosts:
        return hosts
    default = family(DEFAULT_KIND)
    return list(default.web_hosts(credentials.of(default), default.default_sources()))


def _web_hosts(credentials: Credentials, rules: SourcesRules) -> dict[str, Sequence[str]]:
    return {
        source.name: family(source.kind).web_hosts(
            credentials.of(family(source.kind)), source.rules
        )
        for source in configured_sources(rules)
    }


def build_connector(
    credentials: Credentials,
    source: ConfiguredSource,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
) -> tuple[Connector, Governor]:
    """The connector of ``source`` and the governor of its credential.

    Raises ``ConfigurationError`` when the source's credentials are missing."""
    row = family(source.kind)
    return row.build(
        credentials.of(row),
        source.rules,
        http=http,
        clock=clock,
        source_map=source_map,
        sweep=sweep,
    )


def claim_writer(
    credentials: Credentials, rules: SourcesRules, source_name: str, *, http: httpx.Client
) -> ClaimWriter | None:
    """The claim writer for issues of ``source_name``; None when that source is not
    configured for sync (a file import, say) — claims there cannot be written back.

    Raises ``ConfigurationError`` when the source's credentials are missing."""
    for source in configured_sources(rules):
        if source.name == source_name:
            row = family(source.kind)
            return row.claim_writer(credentials.of(row), source.rules, http=http)
    return _import_writer(credentials, source_name, http=http)


def _import_writer(
    credentials: Credentials, source_name: str, *, http: httpx.Client
) -> ClaimWriter | None:
    """Issues imported from a file (``gh`` JSON, say) are writable with their family's
    credentials all the same, when those are set."""
    for row in FAMILIES:
        if row.imports and source_name.startswith(row.imports):
            try:
                return row.claim_writer(credentials.of(row), row.default_sources(), http=http)
            except ConfigurationError:
                return None
    return None


def kind_of(rules: SourcesRules, source_name: str) -> TrackerKind | None:
    """The tracker family of a configured source (None: not configured)."""
    for source in configured_sources(rules):
        if source.name == source_name:
            return source.kind
    return None
