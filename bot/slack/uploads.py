"""Files for one person only: exports go to a direct message, never to a channel."""

from __future__ import annotations

from slack_sdk import WebClient


def send_privately(client: WebClient, user_id: str, filename: str, content: str) -> None:
    """Upload ``content`` as ``filename`` into the bot's direct message with ``user_id``."""
    channel = client.conversations_open(users=[user_id])["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        filename=filename,
        content=content,
        title=filename,
        initial_comment="Your impactbot export",
    )
