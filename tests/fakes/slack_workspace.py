"""The state behind FakeSlack: one workspace with its tokens, scopes, people and the things the
bot made (messages, views, files). Plain data; the Web API methods in ``slack_methods`` read and
change it under FakeSlack's lock.

Ids follow the patterns of Slack's OpenAPI spec (``C``/``D``/``G`` + 8 or more of ``[A-Z0-9]``,
``ts`` as ``0123456789.012345``) so that answers validate against the spec's success schemas.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.slack_signing import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_EPOCH",
    "SlackError",
    "SlackUser",
    "UploadedFile",
    "Workspace",
    "manifest_scopes",
]

DEFAULT_BOT_TOKEN = "xoxb-0000000001-0000000002-fakebottoken"
DEFAULT_APP_TOKEN = "xapp-1-A0IMPACT01-0000000003-fakeapptoken"
# 2024-06-01T12:00:00Z: the first message ts is f"{DEFAULT_EPOCH}.000001".
DEFAULT_EPOCH = 1_717_243_200
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"


def manifest_scopes(manifest: Path = MANIFEST) -> tuple[str, ...]:
    """The bot scopes ``manifest.yaml`` asks for — exactly what Slack grants the bot token of
    an app installed from it ("Scopes … requested upon app installation",
    https://api.slack.com/concepts/manifests#oauth). FakeSlack grants these unless a test says
    otherwise, so a scope the manifest forgets fails in tests as it would on Slack."""
    data = yaml.safe_load(manifest.read_text())
    return tuple(data["oauth_config"]["scopes"]["bot"])


class SlackError(Exception):
    """An ``{"ok": false, "error": ...}`` answer; ``extra`` adds fields such as
    ``response_metadata`` or ``needed``/``provided``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's answer to a missing or malformed argument in newer validation code paths."""
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


@dataclass
class SlackUser:
    """A member as ``users.info`` describes it. ``email`` is only shown to tokens holding
    ``users:read.email``, as on Slack."""

    id: str
    name: str
    email: str | None = None
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/London"
    team_id: str = TEAM_ID

    def to_json(self, *, with_email: bool) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "team": self.team_id,
        }
        if with_email and self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "tz": self.tz,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "updated": DEFAULT_EPOCH,
            "profile": profile,
        }


@dataclass
class UploadedFile:
    """One ``files_upload_v2`` upload: announced by files.getUploadURLExternal, its bytes POSTed
    to the upload URL (``content``), then shared by files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.content or b""),
            "channels": [self.channel_id] if self.channel_id else [],
        }


@dataclass
class Workspace:
    """Everything FakeSlack knows. ``tokens`` maps a token to its kind, ``"bot"`` (xoxb) or
    ``"app"`` (xapp); ``scopes`` are the bot token's granted scopes."""

    tokens: dict[str, str]
    scopes: set[str]
    team_id: str = TEAM_ID
    team: str = "Impact Test Workspace"
    domain: str = TEAM_DOMAIN
    app_id: str = API_APP_ID
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    bot_name: str = "impactbot"
    epoch: int = DEFAULT_EPOCH
    revoked: set[str] = field(default_factory=set)
    users: dict[str, SlackUser] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → conversation
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_dms: set[str] = field(default_factory=set)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    base_url: str = ""
    socket_url: Callable[[], str] | None = None
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        """A fresh message ts: strictly increasing, unique across channels."""
        return f"{self.epoch}.{next(self._seq):06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh object id such as ``V000000007`` or ``F000000008``."""
        return f"{prefix}{next(self._seq):09d}"

    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def conversation_id(self, channel: str) -> str:
        """Where a message to ``channel`` lands: a user id (``U``/``W``) means the DM with the
        bot, answered as its ``D`` id, as Slack does; anything else is taken as is."""
        if channel[:1] in {"U", "W"}:
            return dm_id(channel)
        return channel


def dm_id(user_id: str) -> str:
    """The stable id of the bot's DM with ``user_id`` (``U0ALICE001`` → ``D0ALICE001``)."""
    return "D" + user_id[1:].rjust(8, "0")
