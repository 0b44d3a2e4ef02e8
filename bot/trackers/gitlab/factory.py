"""Building the GitLab connector and claim writer from explicit credentials and
``sources.yaml`` (wiring reads the settings; see ``bot.trackers.registry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.core.rules_sources import GitLabSources
from bot.core.sources import SourceMap, host_of
from bot.errors import ConfigurationError
from bot.trackers.gitlab.client import GitLabClient
from bot.trackers.gitlab.connector import GitLabConnector
from bot.trackers.gitlab.dialect import gitlab_dialect
from bot.trackers.gitlab.writeback import GitLabClaimWriter
from bot.trackers.http import Governor
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter


@dataclass(frozen=True)
class GitLabCredentials:
    """GITLAB_TOKEN (empty: unset) and GITLAB_URL, the instance a source without ``url:``
    reads."""

    token: str = ""
    url: str = "https://gitlab.com"


def build(
    credentials: GitLabCredentials,
    sources: GitLabSources,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
    governor: Governor | None = None,
) -> tuple[Connector, Governor]:
    """The connector for ``sources`` and the governor of its token. A ``governor`` passed in
    must read GitLab's headers (``Governor(normalise=gitlab_dialect)``). Raises
    ``ConfigurationError`` when GITLAB_TOKEN is unset."""
    governor = governor or Governor(normalise=gitlab_dialect)
    client = _client(credentials, sources, http, governor)
    connector = GitLabConnector(client, sources, source_map=source_map, clock=clock, sweep=sweep)
    return connector, governor


def claim_writer(
    credentials: GitLabCredentials,
    sources: GitLabSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back to ``sources``' instance (the token needs the ``api`` scope).
    Raises ``ConfigurationError`` when GITLAB_TOKEN is unset."""
    governor = governor or Governor(policy=RetryPolicy(max_attempts=3), normalise=gitlab_dialect)
    return GitLabClaimWriter(_client(credentials, sources, http, governor))


def web_hosts(credentials: GitLabCredentials, sources: GitLabSources) -> tuple[str, ...]:
    """The host issue URLs of ``sources`` use, for ``SourceMap.from_rules``."""
    return (host_of(instance_url(credentials, sources)),)


def instance_url(credentials: GitLabCredentials, sources: GitLabSources) -> str:
    """``url:`` of the source in sources.yaml, else GITLAB_URL."""
    return (sources.url or credentials.url).rstrip("/")


def _client(
    credentials: GitLabCredentials, sources: GitLabSources, http: httpx.Client, governor: Governor
) -> GitLabClient:
    token = credentials.token.strip()
    if not token:
        raise ConfigurationError(
            f"GITLAB_TOKEN is not set (see .env.example): needed to sync {sources.source!r}"
        )
    return GitLabClient(
        http,
        url=instance_url(credentials, sources),
        token=token,
        governor=governor,
        per_page=sources.page_size,
    )
