"""Wiring Linear from explicit credentials and ``rules/sources.yaml``: the sync connector and
claims (wiring reads the settings; see ``bot.trackers.registry``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from bot.core.rules_sources import LinearSources
from bot.core.sources import SourceMap
from bot.errors import ConfigurationError
from bot.trackers.http import Governor
from bot.trackers.linear.client import LinearClient
from bot.trackers.linear.connector import LinearConnector
from bot.trackers.linear.dialect import linear_dialect
from bot.trackers.linear.writeback import LinearClaimWriter
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter

WEB_HOST = "linear.app"


@dataclass(frozen=True)
class LinearCredentials:
    """LINEAR_API_KEY (empty: unset) and LINEAR_API_URL."""

    api_key: str = ""
    api_url: str = "https://api.linear.app/graphql"


def build(
    credentials: LinearCredentials,
    sources: LinearSources,
    *,
    http: httpx.Client,
    clock: Callable[[], datetime],
    source_map: SourceMap,
    sweep: bool | None = None,
    governor: Governor | None = None,
) -> tuple[Connector, Governor]:
    """The connector for ``sources`` and the governor of its key. ``sweep``: None sweeps
    when due (weekly), True / False force or skip it. Raises ``ConfigurationError`` when
    ``LINEAR_API_KEY`` is not set."""
    governor = governor or new_governor()
    client = _client(credentials, http, governor)
    connector = LinearConnector(client, sources, clock=clock, source_map=source_map, sweep=sweep)
    return connector, governor


def claim_writer(
    credentials: LinearCredentials,
    sources: LinearSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back with ``LINEAR_API_KEY`` (a person waits: three attempts at most).
    Raises ``ConfigurationError`` when the key is not set."""
    governor = governor or new_governor(RetryPolicy(max_attempts=3))
    return LinearClaimWriter(_client(credentials, http, governor))


def web_hosts(credentials: LinearCredentials, sources: LinearSources) -> tuple[str, ...]:
    """Linear issues live on linear.app, whatever the API address."""
    return (WEB_HOST,)


def new_governor(policy: RetryPolicy | None = None) -> Governor:
    """A governor that reads Linear's rate-limit headers and errors."""
    if policy is None:
        return Governor(normalise=linear_dialect)
    return Governor(policy=policy, normalise=linear_dialect)


def _client(credentials: LinearCredentials, http: httpx.Client, governor: Governor) -> LinearClient:
    key = credentials.api_key.strip()
    if not key:
        raise ConfigurationError("LINEAR_API_KEY is not set (see .env.example)")
    return LinearClient(http, api_url=credentials.api_url, api_key=key, governor=governor)
