"""Building the GitHub connector and claim writer from settings and ``sources.yaml``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from bot.config import Settings
from bot.core.rules import GitHubSources
from bot.core.sources import SourceMap
from bot.errors import ConfigurationError
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.http import Governor
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter, GitHubClaimWriter


def _client(settings: Settings, http: httpx.Client, governor: Governor) -> GitHubClient:
    token = settings.github_token.get_secret_value() if settings.github_token else ""
    if not token:
        raise ConfigurationError("GITHUB_TOKEN is not set (see .env.example)")
    return GitHubClient(
        http,
        api_url=settings.github_api_url,
        graphql_url=settings.github_graphql_url,
        token=token,
        governor=governor,
    )


def build(
    settings: Settings,
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
    client = _client(settings, http, governor)
    connector = GitHubConnector(client, sources, clock=clock, sweep=sweep, source_map=source_map)
    return connector, governor


def claim_writer(
    settings: Settings,
    sources: GitHubSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back to GitHub; a click waits at most three attempts."""
    governor = governor or Governor(policy=RetryPolicy(max_attempts=3))
    return GitHubClaimWriter(_client(settings, http, governor))
