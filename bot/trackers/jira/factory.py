"""Wiring a Jira Cloud source from settings and rules: the connector for ``impactbot sync``
and the claim writer. Credentials are checked here, so a missing one names its setting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from bot.config import Settings
from bot.core.rules import JiraSources
from bot.core.sources import SourceMap
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


def build(
    settings: Settings,
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
    client = _client(settings, sources, http, governor)
    connector = JiraConnector(client, sources, source_map=source_map, clock=clock, sweep=sweep)
    return connector, governor


def claim_writer(
    settings: Settings,
    sources: JiraSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back to the site of ``sources`` (few retries: a person is waiting)."""
    governor = governor or Governor(normalise=jira_dialect, policy=RetryPolicy(max_attempts=3))
    return JiraClaimWriter(_client(settings, sources, http, governor))


def _client(
    settings: Settings, sources: JiraSources, http: httpx.Client, governor: Governor
) -> JiraClient:
    site = sources.site or settings.jira_url
    token = settings.jira_api_token.get_secret_value() if settings.jira_api_token else ""
    missing = [
        name
        for name, value in (
            ("JIRA_URL", site),
            ("JIRA_EMAIL", settings.jira_email),
            ("JIRA_API_TOKEN", token),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set, needed "
            f"for the Jira source {sources.source!r} (see .env.example)"
        )
    assert site is not None and settings.jira_email is not None
    return JiraClient(
        http, site=site, email=settings.jira_email, api_token=token, governor=governor
    )
