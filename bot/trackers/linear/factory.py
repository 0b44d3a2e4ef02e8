"""Wiring Linear from settings and ``rules/sources.yaml``: the sync connector and claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from bot.config import Settings
from bot.core.rules import LinearSources
from bot.core.sources import SourceMap
from bot.errors import ConfigurationError
from bot.trackers.http import Governor
from bot.trackers.linear.client import LinearClient
from bot.trackers.linear.connector import LinearConnector
from bot.trackers.linear.normaliser import linear_dialect
from bot.trackers.linear.writeback import LinearClaimWriter
from bot.trackers.ratelimit import RetryPolicy
from bot.trackers.sync import Connector
from bot.trackers.writeback import ClaimWriter


def build(
    settings: Settings,
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
    client = _client(settings, http, governor)
    connector = LinearConnector(client, sources, clock=clock, source_map=source_map, sweep=sweep)
    return connector, governor


def claim_writer(
    settings: Settings,
    sources: LinearSources,
    *,
    http: httpx.Client,
    governor: Governor | None = None,
) -> ClaimWriter:
    """Claim write-back with ``LINEAR_API_KEY`` (a person waits: three attempts at most).
    Raises ``ConfigurationError`` when the key is not set."""
    governor = governor or new_governor(RetryPolicy(max_attempts=3))
    return LinearClaimWriter(_client(settings, http, governor))


def new_governor(policy: RetryPolicy | None = None) -> Governor:
    """A governor that reads Linear's rate-limit headers and errors."""
    if policy is None:
        return Governor(normalise=linear_dialect)
    return Governor(policy=policy, normalise=linear_dialect)


def _client(settings: Settings, http: httpx.Client, governor: Governor) -> LinearClient:
    key = settings.linear_api_key.get_secret_value() if settings.linear_api_key else ""
    if not key.strip():
        raise ConfigurationError("LINEAR_API_KEY is not set (see .env.example)")
    return LinearClient(
        http, api_url=settings.linear_api_url, api_key=key.strip(), governor=governor
    )
