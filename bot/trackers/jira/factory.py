"""Wiring a Jira Cloud source from explicit credentials and rules: the connector for
``impactbot sync`` and the claim writer. Credentials are checked here, so a missing one names
its setting (wiring reads the settings; see ``bot.trackers.registry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.core.rules_sources import JiraSources
from bot.core.sources import SourceMap, host_of
from bot.errors import ConfigurationError
from bot.trackers.http import Governor
from bot.trackers.jira.client import JiraClient
from bot.trackers.jira.connector import JiraConnector
from bot.trackers.jira.dialect import jira_dialect
from bot.trackers.jira.jql import user_clause
from bot.trackers.jira.writeback import JiraClaimWriter
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter


@dataclass(frozen=True)
class JiraCredentials:
    """JIRA_URL (the site a source without ``site:`` reads), JIRA_EMAIL and JIRA_API_TOKEN;
    empty or None: unset."""

    url: str | None = None
    email: str | None = None
    api_token: str = ""


def build(
    credentials: JiraCredentials,
    sources: JiraSources,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
    governor: Governor | None = None,
) -> tuple[Connector, Governor]:
    """The connector of ``sources`` and its governor (one per site and credential).
    Raises ``ConfigurationError`` for a missing credential or a JQL that orders itself."""
    if sources.jql:
        try:
            user_clause(sources.jql)
        except ValueError as exc:
            raise ConfigurationError(f"rules/sources.yaml, jira {sources.source!r}: {exc}") from exc
    governor = governor or Governor(normalise=jira_dialect)
    client = _client(credentials, sources, http, governor)
    connector = JiraConnector(client, sources, source_map=source_map, clock=clock, sweep=sweep)
    return connector, governor


def claim_writer(
    credentials: JiraCredentials,
    sources: JiraSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back to the site of ``sources`` (few retries: a person is waiting)."""
    governor = governor or Governor(normalise=jira_dialect, policy=RetryPolicy(max_attempts=3))
    return JiraClaimWriter(_client(credentials, sources, http, governor))


def web_hosts(credentials: JiraCredentials, sources: JiraSources) -> tuple[str, ...]:
    """The host of the source's site (``site:``, else JIRA_URL); none when neither is set."""
    site = sources.site or credentials.url
    return (host_of(site),) if site else ()


def _client(
    credentials: JiraCredentials, sources: JiraSources, http: httpx.Client, governor: Governor
) -> JiraClient:
    site = sources.site or credentials.url
    missing = [
        name
        for name, value in (
            ("JIRA_URL", site),
            ("JIRA_EMAIL", credentials.email),
            ("JIRA_API_TOKEN", credentials.api_token),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set, needed "
            f"for the Jira source {sources.source!r} (see .env.example)"
        )
    assert site is not None and credentials.email is not None
    return JiraClient(
        http, site=site, email=credentials.email, api_token=credentials.api_token, governor=governor
    )
