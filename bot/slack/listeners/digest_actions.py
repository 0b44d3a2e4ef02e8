"""Clicks in a digest: Claim… (a user picker), Not ours, Snooze, Undo. Each acks, calls one
service, and updates the item in the message in place (or says why it could not)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.app import claims
from bot.app.services import Services
from bot.core.digest import DEFAULT_RULES, DigestItem
from bot.slack.blocks_digest import assignee_options, item_blocks
from bot.slack.blocks_digest_clicks import (
    ACTION_CLAIM,
    ACTION_NOT_OURS,
    ACTION_SNOOZE,
    ACTION_UNDO,
    claimed_item_blocks,
    issue_uid_of,
    not_ours_item_blocks,
    parse_undo,
    replace_item,
    snoozed_item_blocks,
)
from bot.slack.blocks_kit import Block, escape


def register(app: App, services: Services, writer_for: claims.WriterFor) -> None:
    """Claim…, Not ours, Snooze and Undo on the items of a digest."""
    _register_claim(app, services, writer_for)
    _register_decisions(app, services)
    _register_undo(app, services, writer_for)


def _register_claim(app: App, services: Services, writer_for: claims.WriterFor) -> None:
    @app.action(ACTION_CLAIM)
    def claim(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        uid = issue_uid_of(action.get("block_id", "")) or ""
        result = claims.claim(
            services,
            uid,
            manager_slack=body["user"]["id"],
            assignee_slack=_selected(action),
            writer_for=writer_for,
        )
        if result.ok and result.item:
            assignee = result.assignee_slack or _selected(action)
            new = claimed_item_blocks(result.item, assignee, body["user"]["id"])
            _update(client, body, uid, new)
        else:
            respond(
                text=f"Not claimed: {escape(result.detail)}",
                response_type="ephemeral",
                replace_original=False,
            )


def _register_decisions(app: App, services: Services) -> None:
    @app.action(ACTION_NOT_OURS)
    def not_ours(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        result = claims.decide(
            services, action["value"], manager_slack=body["user"]["id"], kind="not_ours"
        )
        if result.ok and result.item:
            _update(client, body, action["value"], not_ours_item_blocks(result.item))
        elif not result.ok:
            _refused(respond, "Not recorded", result.detail)

    @app.action(ACTION_SNOOZE)
    def snooze(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        result = claims.decide(
            services, action["value"], manager_slack=body["user"]["id"], kind="snooze"
        )
        if result.ok and result.item:
            until = services.clock() + timedelta(weeks=DEFAULT_RULES.snooze_weeks)
            _update(client, body, action["value"], snoozed_item_blocks(result.item, until))
        elif not result.ok:
            _refused(respond, "Not snoozed", result.detail)


def _register_undo(app: App, services: Services, writer_for: claims.WriterFor) -> None:
    @app.action(ACTION_UNDO)
    def undo(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        parsed = parse_undo(action.get("value", ""))
        if parsed is None:
            return
        kind, uid = parsed
        result = claims.undo(
            services, uid, kind=kind.value, manager_slack=body["user"]["id"], writer_for=writer_for
        )
        if result.ok and result.item:
            restored = _restored(services, result.item, body["user"]["id"])
            _update(client, body, uid, restored)
        elif not result.ok:
            _refused(respond, "Not undone", result.detail)


def _restored(services: Services, item: DigestItem, manager_slack: str) -> list[Block]:
    """The item as it first appeared, its Claim… offering whom the manager may assign."""
    rules = services.rules()
    directory = services.directory_for(rules)
    manager = directory.person_of_slack(manager_slack)
    slack_ids = {p.id: p.slack for p in rules.teams.people if p.slack}
    offered = assignee_options(manager, item, directory, slack_ids)
    return list(item_blocks(item, assignees=offered))


def _refused(respond: Respond, what: str, why: str) -> None:
    """Tell the clicker, and only them, why their click changed nothing."""
    respond(text=f"{what}: {why}", response_type="ephemeral", replace_original=False)


def _selected(action: dict[str, Any]) -> str:
    """The Slack id picked in a Claim… select: a static select's option value (digests
    since the picker offers only the people the manager may assign), or a users select's
    user (digests posted before)."""
    option = action.get("selected_option") or {}
    return str(option.get("value") or action.get("selected_user") or "")


def _update(client: WebClient, body: dict[str, Any], uid: str, new: list[dict[str, Any]]) -> None:
    """Swap the item in the digest message for ``new`` (the rest of the message stays)."""
    message = body.get("message") or {}
    blocks = replace_item(message.get("blocks") or [], uid, new)
    client.chat_update(
        channel=body["channel"]["id"],
        ts=message["ts"],
        blocks=blocks,
        text=message.get("text") or "impactbot digest",
    )
