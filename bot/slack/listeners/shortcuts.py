"""The "Flag as cross-team impact" message shortcut."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.app.services import Services
from bot.slack.flagging import flag_message
from bot.slack.manifest import FLAG_SHORTCUT


def register(app: App, services: Services) -> None:
    @app.shortcut(FLAG_SHORTCUT)
    def flag_shortcut(
        ack: Ack, shortcut: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        text = (shortcut.get("message") or {}).get("text", "")
        reply = flag_message(services, client, user_id=shortcut["user"]["id"], text=text)
        respond(text=reply, response_type="ephemeral")
