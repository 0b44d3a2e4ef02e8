"""Whether a channel is shared with another organisation (Slack Connect), where details of
restricted issues never appear."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


def is_shared_channel(client: WebClient, channel: str, *, event_says: object = None) -> bool:
    """True when the event's ``is_ext_shared_channel`` says so, or ``conversations.info``
    (``channels:read`` / ``groups:read``) calls the channel ``is_ext_shared`` or ``is_shared``.
    A channel Slack will not describe counts as shared: the safe side."""
    if event_says is True:
        return True
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError:
        return True
    return bool(info.get("is_ext_shared") or info.get("is_shared"))
