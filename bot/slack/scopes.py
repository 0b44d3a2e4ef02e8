"""Which Slack Web API methods impactbot calls, in which kind of conversation, and the bot
scope each use needs — one table, the only place this is written down.

The manifest's bot scopes are derived from it (``bot.slack.manifest``); ``impactbot doctor``
names each scope a token lacks with the uses that need it. Tests hold the table to the code
(every Web API call in ``bot/`` has a row, every row a call) and to Slack's own description of
each method (``tests/slack/test_scopes.py``).

Where a method's scope depends on the conversation (``conversations.open`` needs
``im:write`` for a DM, ``conversations.history`` needs ``im:history`` in a DM,
``channels:history`` in a public channel, ``groups:history`` in a private one), the table has
one row per kind of conversation the bot meets; a method whose scope is the same everywhere has
one row for ``ANY`` conversation, or ``WORKSPACE`` when no conversation is involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Where(StrEnum):
    """The kind of conversation a call is made in (Slack's scopes differ by kind)."""

    DM = "a DM"
    PUBLIC_CHANNEL = "a public channel"
    PRIVATE_CHANNEL = "a private channel"
    ANY = "any conversation"
    WORKSPACE = "no conversation"


@dataclass(frozen=True)
class ApiUse:
    """One use of one Web API method. ``scope`` is the bot scope it needs (None: none);
    ``source`` cites Slack's documentation for methods newer than Slack's OpenAPI spec."""

    method: str
    where: Where
    scope: str | None
    why: str
    source: str = ""


@dataclass(frozen=True)
class FeatureScope:
    """A scope an event subscription or app feature needs, with no Web API call of ours."""

    feature: str
    scope: str
    why: str


_DIGEST_DM = "open a person's DM: a manager's or leader's digest, an export, a claim reply"
_FLAGGED = "read the message someone flagged with the reaction"
_SHARED = "is {} shared with another organisation? (no restricted details there)"
_UPLOAD_V2 = "`/impact export` uploads its CSV into the asker's DM (files_upload_v2, step {})"

API_USES: tuple[ApiUse, ...] = (
    ApiUse("auth.test", Where.WORKSPACE, None, "`impactbot doctor` checks the token's scopes"),
    ApiUse("chat.postMessage", Where.ANY, "chat:write", "post digests, credit notices, replies"),
    ApiUse("chat.update", Where.ANY, "chat:write", "update a digest after Claim / Not ours"),
    ApiUse("chat.postEphemeral", Where.ANY, "chat:write", "tell a flagger what their flag did"),
    ApiUse("chat.unfurl", Where.ANY, "links:write", "unfurl a tracker link with its score"),
    ApiUse("views.publish", Where.WORKSPACE, None, "publish the App Home tab"),
    ApiUse("users.info", Where.WORKSPACE, "users:read", "a manager's time zone, for digests"),
    ApiUse("users.lookupByEmail", Where.WORKSPACE, "users:read.email", "Slack ids from emails"),
    ApiUse(
        "usergroups.users.list", Where.WORKSPACE, "usergroups:read", "leadership as a user group"
    ),
    ApiUse("conversations.open", Where.DM, "im:write", _DIGEST_DM),
    ApiUse(
        "conversations.history",
        Where.DM,
        "im:history",
        f"{_FLAGGED} in a DM; find a digest an interrupted run already posted",
    ),
    ApiUse(
        "conversations.history",
        Where.PUBLIC_CHANNEL,
        "channels:history",
        f"{_FLAGGED}; find a leadership digest already posted to a channel",
    ),
    ApiUse(
        "conversations.history",
        Where.PRIVATE_CHANNEL,
        "groups:history",
        f"{_FLAGGED} in a private channel; find a leadership digest already posted there",
    ),
    ApiUse("conversations.replies", Where.DM, "im:history", f"{_FLAGGED} (a thread reply)"),
    ApiUse(
        "conversations.replies",
        Where.PUBLIC_CHANNEL,
        "channels:history",
        f"{_FLAGGED} (a thread reply)",
    ),
    ApiUse(
        "conversations.replies",
        Where.PRIVATE_CHANNEL,
        "groups:history",
        f"{_FLAGGED} (a thread reply)",
    ),
    ApiUse(
        "conversations.info",
        Where.PUBLIC_CHANNEL,
        "channels:read",
        _SHARED.format("an unfurl's or the leadership digest's public channel"),
    ),
    ApiUse(
        "conversations.info",
        Where.PRIVATE_CHANNEL,
        "groups:read",
        _SHARED.format("an unfurl's or the leadership digest's private channel"),
    ),
    ApiUse(
        "files.getUploadURLExternal",
        Where.DM,
        "files:write",
        _UPLOAD_V2.format(1),
        source="https://api.slack.com/methods/files.getUploadURLExternal (bot token: files:write)",
    ),
    ApiUse(
        "files.completeUploadExternal",
        Where.DM,
        "files:write",
        _UPLOAD_V2.format(2),
        source="https://api.slack.com/methods/files.completeUploadExternal"
        " (bot token: files:write)",
    ),
)

FEATURE_SCOPES: tuple[FeatureScope, ...] = (
    FeatureScope("/impact and the message shortcut", "commands", "the slash command, shortcut"),
    FeatureScope("reaction_added", "reactions:read", "flag an issue with a reaction"),
    FeatureScope("link_shared", "links:read", "hear tracker links to unfurl"),
)


def bot_scopes() -> tuple[str, ...]:
    """Every bot scope the table asks for, sorted: what the manifest requests."""
    scopes = {use.scope for use in API_USES if use.scope} | {f.scope for f in FEATURE_SCOPES}
    return tuple(sorted(scopes))


def uses_of(scope: str) -> list[str]:
    """Human descriptions of what needs ``scope``, e.g. ``conversations.open in a DM (…)``."""
    found = [
        f"{use.method} in {use.where.value} ({use.why})" for use in API_USES if use.scope == scope
    ]
    return found + [f"{f.feature} ({f.why})" for f in FEATURE_SCOPES if f.scope == scope]


def missing_scopes(granted: Iterable[str]) -> dict[str, list[str]]:
    """The required scopes absent from ``granted``, each with the uses that need it."""
    have = set(granted)
    return {scope: uses_of(scope) for scope in bot_scopes() if scope not in have}
