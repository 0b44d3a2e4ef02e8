"""`/impact`: ack at once, parse, answer through the services, respond ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.app.services import Services
from bot.core.slash import COMMAND
from bot.slack.answers import answer
from bot.slack.command_text import parse_command
from bot.slack.people import Asker
from bot.slack.uploads import send_privately


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def impact(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()  # within Slack's 3 seconds; the answer follows through response_url
        user = command["user_id"]
        parsed = parse_command(command.get("text", ""), now=services.clock())
        # The rules are read once for the request; Slack's leadership user groups only if a
        # permission check needs them (not for a usage error or help).
        reply = answer(parsed, services=services, asker=Asker.of(user, services, client))
        if reply.upload:
            send_privately(client, user, *reply.upload)
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
