"""Building the GitHub connector and claim writer from explicit credentials and
``sources.yaml`` (wiring reads the settings; see ``bot.trackers.registry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.core.rules_sources import GitHubSources
from bot.core.sources import SourceMap, host_of
from bot.errors import ConfigurationError
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.github.writeback import GitHubClaimWriter
from bot.trackers.http import Governor
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter


@dataclass(frozen=True)
class GitHubCredentials:
    """GITHUB_TOKEN (empty: unset), GITHUB_API_URL and the GraphQL endpoint."""

    token: str = ""
    api_url: str = "https://api.github.com"
    graphql_url: str = "https://api.github.com/graphql"


def _client(credentials: GitHubCredentials, http: httpx.Client, governor: Governor) -> GitHubClient:
    if not credentials.token:
        raise ConfigurationError("GITHUB_TOKEN is not set (see .env.example)")
    return GitHubClient(
        http,
        api_url=credentials.api_url,
        graphql_url=credentials.graphql_url,
        token=credentials.token,
        governor=governor,
    )


def build(
    credentials: GitHubCredentials,
    sources: GitHubSources,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
    governor: Governor | None = None,
) -> tuple[Connector, Governor]:
    """The connector for ``sources``; raises ``ConfigurationError`` without a token."""
    governor = governor or Governor()
    client = _client(credentials, http, governor)
    connector = GitHubConnector(client, sources, clock=clock, sweep=sweep, source_map=source_map)
    return connector, governor


def claim_writer(
    credentials: GitHubCredentials,
    sources: GitHubSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back to GitHub; a click waits at most three attempts."""
    governor = governor or Governor(policy=RetryPolicy(max_attempts=3))
    return GitHubClaimWriter(_client(credentials, http, governor))


def web_hosts(credentials: GitHubCredentials, sources: GitHubSources) -> tuple[str, ...]:
    """github.com for the public API, else the GitHub Enterprise host of GITHUB_API_URL."""
    api = host_of(credentials.api_url)
    return ("github.com" if api == "api.github.com" else api,)
