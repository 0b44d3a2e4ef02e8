"""The Slack app manifest: what a user pastes into "Create New App → From a manifest".

``build_manifest`` is pure: it takes the few facts that differ between installs (Socket
Mode or an HTTPS request URL; which tracker hosts to unfurl) and returns the manifest as
data. The shipped ``manifest.yaml`` is its output for the defaults (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import yaml

COMMAND = "/impact"
FLAG_SHORTCUT = "flag_message"  # callback_id of the message shortcut
BOT_EVENTS = ("app_home_opened", "link_shared", "reaction_added")
BOT_SCOPES = (
    "channels:history",  # read the message a flag reaction was added to (public channels)
    "chat:write",  # answer commands, post notices
    "commands",  # /impact and the message shortcut
    "files:write",  # `/impact export` uploads a CSV
    "groups:history",  # as channels:history, for private channels the bot is in
    "links:read",  # link_shared events for tracker URLs
    "links:write",  # chat.unfurl
    "reactions:read",  # reaction_added events
    "usergroups:read",  # leadership given as a user group
    "users:read",  # who is asking (names, bots)
    "users:read.email",  # users.lookupByEmail fills Slack ids from tracker emails
)
USAGE_HINT = "flag|why|orphans|credit|leaderboard|export|help …"


def unfurl_domains(tracker_urls: Sequence[str]) -> list[str]:
    """The hosts whose links impactbot unfurls: github.com for api.github.com, a GitHub
    Enterprise / Jira / GitLab host as itself."""
    hosts: list[str] = []
    for url in tracker_urls:
        host = urlsplit(url).hostname or ""
        host = "github.com" if host == "api.github.com" else host
        if host and host not in hosts and host not in ("127.0.0.1", "localhost"):
            hosts.append(host)
    return hosts


def build_manifest(*, public_url: str | None, tracker_urls: Sequence[str]) -> dict[str, Any]:
    """The manifest: Socket Mode when ``public_url`` is None, else HTTP request URLs."""
    endpoint = f"{public_url.rstrip('/')}/slack/events" if public_url else None
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Cross-team impact: flag, why, orphans, credit",
        "usage_hint": USAGE_HINT,
        "should_escape": True,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        command["url"] = endpoint
        events["request_url"] = endpoint
        interactivity["request_url"] = endpoint
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
        "slash_commands": [command],
    }
    domains = unfurl_domains(tracker_urls)
    if domains:
        features["unfurl_domains"] = domains
    return {
        "display_information": {
            "name": "impactbot",
            "description": "Finds orphaned cross-team work and credits whoever does it.",
        },
        "features": features,
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": endpoint is None,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(manifest: dict[str, Any]) -> str:
    header = (
        "# impactbot's Slack app manifest. Regenerate for your install: `impactbot manifest`.\n"
    )
    return header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
