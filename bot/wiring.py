"""The composition root: the one place that reads the settings and builds clients.

Minimal version written by the CLI's part of the redesign (issue 17) for what the command
line needs; the application's part extends it (one HTTP client per credential, writers).
Nothing is built at import time: each function builds when an entry point calls it.
The tracker factories never read ``Settings``: ``tracker_credentials`` reads them once, by the
environment names ``bot.trackers.registry.FAMILIES`` declares.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from pydantic import SecretStr
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app.claims import WriterFor, tracker_writer_for
from bot.app.context import Clock, utc_now
from bot.app.services import Services
from bot.config import Settings, load_settings
from bot.core.models import TrackerKind
from bot.errors import ConfigurationError
from bot.slack.app import create_app, slack_secrets
from bot.slack.sender import SlackSender
from bot.trackers.registry import Credentials, setting_names


def services(**overrides: Any) -> Services:
    """The use cases over the settings read once from the environment and ``overrides``;
    raises ``ConfigurationError`` naming a bad setting."""
    return services_over(load_settings(**overrides))


def services_over(settings: Settings, clock: Clock = utc_now) -> Services:
    """The use cases over ``settings`` already read (tests, benchmarks), with the trackers'
    credentials from them and one connection pool per credential."""
    return Services(
        settings, clock, credentials=tracker_credentials(settings), http_for=TrackerHttp()
    )


def slack_client(settings: Settings) -> WebClient | None:
    """The bot's Slack Web API client (rate-limited calls retried up to 3 times after
    Slack's Retry-After), or None when SLACK_BOT_TOKEN is not set."""
    token = settings.slack_bot_token
    if token is None or not token.get_secret_value():
        return None
    client = WebClient(token=token.get_secret_value(), base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def required_slack_client(settings: Settings, needed_by: str) -> WebClient:
    """``slack_client``, or ``ConfigurationError`` saying ``needed_by`` needs the token."""
    client = slack_client(settings)
    if client is None:
        raise ConfigurationError(f"SLACK_BOT_TOKEN is not set: {needed_by}")
    return client


def slack_app(
    settings: Settings, services: Services, *, writer_for: WriterFor | None = None
) -> App:
    """The Slack app ``serve`` runs, with its own Web API client (Slack's 429s retried twice,
    after Retry-After) and the claim writers (``claim_writers`` unless ``writer_for``).
    Raises ``ConfigurationError`` when the bot token or signing secret is missing, or Slack
    refuses the token or cannot be reached."""
    token, _ = slack_secrets(settings)
    client = WebClient(token=token, base_url=settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    writers = writer_for or claim_writers(services)
    return create_app(settings, services, client=client, writer_for=writers)


def slack_sender(client: WebClient | None) -> SlackSender:
    """Digests and credit notices sent through ``client``, every call of a run paced; with
    no client it renders only (a dry run)."""
    return SlackSender(client)


class TrackerHttp:
    """One HTTP connection pool per tracker credential — each family (GitHub, Jira, Linear,
    GitLab) has one set of credentials in the settings — built on first use and kept open
    for every sync and claim write-back of the process. Thread-safe."""

    TIMEOUT = httpx.Timeout(30.0, connect=10.0)

    def __init__(self) -> None:
        self._clients: dict[TrackerKind, httpx.Client] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: TrackerKind) -> httpx.Client:
        with self._lock:
            client = self._clients.get(kind)
            if client is None:
                client = self._clients[kind] = httpx.Client(timeout=self.TIMEOUT)
            return client

    def close(self) -> None:
        """Close every pool (the process is done with the trackers)."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def http_client(timeout: float) -> httpx.Client:
    """An HTTP connection pool for trackers' and GitHub's APIs; its user closes it."""
    return httpx.Client(timeout=timeout)


def claim_writers(services: Services) -> WriterFor:
    """Claim write-back to each source's tracker, over its credential's connection pool."""
    return tracker_writer_for(services.credentials, services.rules, services.http_for)


def tracker_credentials(settings: Settings) -> Credentials:
    """Every tracker's credentials and addresses from ``settings`` (each ``Settings``
    attribute is its environment name lower-cased; secrets revealed, unset ones None)."""
    return Credentials({name: _plain(getattr(settings, name.lower())) for name in setting_names()})


def _plain(value: object) -> str | None:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return None if value is None else str(value)
