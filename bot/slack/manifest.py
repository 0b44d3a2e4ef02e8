"""The Slack app manifest: what a user pastes into "Create New App → From a manifest".

``build_manifest`` is pure: it takes the few facts that differ between installs (Socket
Mode or an HTTPS request URL; which tracker hosts to unfurl) and returns the manifest as
data. Its bot scopes come from the table in ``bot.slack.scopes``. The shipped
``manifest.yaml`` is its output for the defaults — Socket Mode, GitHub at github.com (a test
keeps them equal); ``impactbot manifest`` builds the one for an install, unfurling the host of
every tracker configured in ``rules/sources.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from bot.slack.scopes import bot_scopes

COMMAND = "/impact"
FLAG_SHORTCUT = "flag_message"  # callback_id of the message shortcut
BOT_EVENTS = ("app_home_opened", "link_shared", "reaction_added")
BOT_SCOPES = bot_scopes()
USAGE_HINT = "flag|why|orphans|credit|leaderboard|export|help …"


# Slack accepts at most 5 entries in ``features.unfurl_domains``: "A maximum of 5 unfurl
# domains can be included in this array" (https://api.slack.com/concepts/manifests#features).
UNFURL_DOMAIN_LIMIT = 5
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def unfurl_domains(hosts: Sequence[str]) -> list[str]:
    """The distinct hosts to unfurl, in order, without ports or local test servers."""
    domains: list[str] = []
    for host in hosts:
        name = host.split(":", 1)[0].lower()
        if name and name not in domains and name not in LOCAL_HOSTS:
            domains.append(name)
    return domains


def build_manifest(*, public_url: str | None, hosts: Sequence[str]) -> dict[str, Any]:
    """The manifest: Socket Mode when ``public_url`` is None, else HTTP request URLs; links to
    ``hosts`` unfurl — the first ``UNFURL_DOMAIN_LIMIT`` of them, as Slack takes no more
    (``impactbot manifest`` and ``doctor`` name the ones left out)."""
    endpoint = f"{public_url.rstrip('/')}/slack/events" if public_url else None
    return {
        "display_information": {
            "name": "impactbot",
            "description": "Finds orphaned cross-team work and credits whoever does it.",
        },
        "features": _features(endpoint, hosts),
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": _settings(endpoint),
    }


def _features(endpoint: str | None, hosts: Sequence[str]) -> dict[str, Any]:
    """App Home, the bot user, the message shortcut, `/impact`, and the unfurled hosts."""
    features: dict[str, Any] = {
        "app_home": {"home_tab_enabled": True, "messages_tab_enabled": False},
        "bot_user": {"display_name": "impactbot", "always_online": True},
        "shortcuts": [
            {
                "name": "Flag as cross-team impact",
                "type": "message",
                "callback_id": FLAG_SHORTCUT,
                "description": "Endorse the issue linked in this message as cross-team work",
            }
        ],
        "slash_commands": [_slash_command(endpoint)],
    }
    domains = unfurl_domains(hosts)[:UNFURL_DOMAIN_LIMIT]
    if domains:
        features["unfurl_domains"] = domains
    return features


def _slash_command(endpoint: str | None) -> dict[str, Any]:
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Cross-team impact: flag, why, orphans, credit",
        "usage_hint": USAGE_HINT,
        "should_escape": True,
    }
    if endpoint:
        command["url"] = endpoint
    return command


def _settings(endpoint: str | None) -> dict[str, Any]:
    """Events and interactivity: to ``endpoint`` over HTTP, or over Socket Mode when None."""
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
    return {
        "event_subscriptions": events,
        "interactivity": interactivity,
        "org_deploy_enabled": False,
        "socket_mode_enabled": endpoint is None,
        "token_rotation_enabled": False,
    }


def manifest_yaml(manifest: dict[str, Any]) -> str:
    header = (
        "# impactbot's Slack app manifest. Regenerate for your install: `impactbot manifest`.\n"
    )
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
