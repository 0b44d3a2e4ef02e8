"""Buttons: "Why?" answers with the score card, "Flag" flags for the clicker, "Not a
duplicate" records that verdict for a pair, "Open in tracker" is a link (Slack still sends
the click; it only needs its ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.app.services import Services
from bot.core.beneficiaries import display_key
from bot.core.issue_refs import IssueRefText
from bot.core.slash import FlagCommand, WhyCommand
from bot.errors import ImpactbotError
from bot.slack.answers import answer
from bot.slack.blocks import ACTION_FLAG, ACTION_OPEN_ISSUE, ACTION_WHY
from bot.slack.blocks_credit_notice import ACTION_CONFIRM
from bot.slack.blocks_dupes import ACTION_NOT_DUPLICATE, split_pair
from bot.slack.blocks_kit import escape
from bot.slack.people import Asker


def register(app: App, services: Services) -> None:
    register_confirm(app, services)
    register_not_duplicate(app, services)

    @app.action(ACTION_OPEN_ISSUE)
    def open_issue(ack: Ack) -> None:
        ack()

    @app.action(ACTION_WHY)
    def why(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        _reply(services, client, respond, body, WhyCommand(IssueRefText(action["value"])))

    @app.action(ACTION_FLAG)
    def flag(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        _reply(services, client, respond, body, FlagCommand(IssueRefText(action["value"])))


def register_not_duplicate(app: App, services: Services) -> None:
    @app.action(ACTION_NOT_DUPLICATE)
    def not_duplicate(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        person = Asker.of(user, services, client).person_id or f"slack:{user}"
        try:
            one, other = split_pair(action["value"])
            first = services.not_a_duplicate(one, other, person=person)
            text = (
                f"Noted: {escape(display_key(one))} and {escape(display_key(other))} are not "
                "duplicates; "
                "impactbot will not pair them again."
                if first
                else "Somebody already said these two are not duplicates."
            )
        except (ImpactbotError, ValueError) as exc:
            text = f"Not recorded: {escape(str(exc))}"
        respond(text=text, response_type="ephemeral", replace_original=False)


def register_confirm(app: App, services: Services) -> None:
    @app.action(ACTION_CONFIRM)
    def confirm(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        person = Asker.of(user, services, client).person_id
        try:
            released = services.confirm(action["value"], by=person or "")
            text = f"Thanks — confirmed; {released} credit entries now count."
        except ImpactbotError as exc:
            text = escape(str(exc))
        respond(text=text, response_type="ephemeral", replace_original=False)


def _reply(
    services: Services,
    client: WebClient,
    respond: Respond,
    body: dict[str, Any],
    command: WhyCommand | FlagCommand,
) -> None:
    user = body["user"]["id"]
    reply = answer(command, services=services, asker=Asker.of(user, services, client))
    if body.get("response_url"):
        respond(
            text=reply.text, blocks=reply.blocks, response_type="ephemeral", replace_original=False
        )
    else:  # a click in App Home has no response_url: answer in the DM with the bot
        channel = client.conversations_open(users=[user])["channel"]["id"]
        client.chat_postMessage(channel=channel, text=reply.text, blocks=reply.blocks)
