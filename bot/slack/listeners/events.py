"""Events: a flag reaction, link unfurls (restricted issues as their channel may see them),
App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.app.services import Services
from bot.core.permissions import Audience
from bot.errors import ImpactbotError
from bot.slack import blocks
from bot.slack.blocks_issues import private_unfurl
from bot.slack.channels import is_shared_channel
from bot.slack.flagging import flag_message
from bot.slack.home import build_home
from bot.slack.links import issue_refs


def message_text(client: WebClient, channel: str, ts: str) -> str:
    """The text of message ``ts``: from the channel's history, or — for a thread reply,
    which history leaves out — from ``conversations.replies``."""
    history = client.conversations_history(
        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
    )
    for message in history.get("messages") or []:
        if message.get("ts") == ts:
            return str(message.get("text", ""))
    replies = client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)
    for message in replies.get("messages") or []:
        if message.get("ts") == ts:
            return str(message.get("text", ""))
    return ""


def _channel_audience(
    client: WebClient, body: dict[str, Any], event: dict[str, Any], services: Services
) -> Audience:
    """Everybody in the event's channel; whether it is shared is asked of Slack only when
    some restricted issue's source would show its details in a channel (``unfurl: full``)."""
    if body.get("is_ext_shared_channel") is True:
        return Audience.channel(shared=True)
    if not services.some_source_unfurls_full():
        return Audience.channel(shared=False)  # restricted details stay out either way
    return Audience.channel(shared=is_shared_channel(client, str(event["channel"])))


def register(app: App, services: Services, *, flag_emoji: str) -> None:
    @app.event("reaction_added")
    def reaction(event: dict[str, Any], client: WebClient) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != flag_emoji or item.get("type") != "message":
            return
        text = message_text(client, item["channel"], item["ts"])
        said = flag_message(services, client, user_id=event["user"], text=text)
        client.chat_postEphemeral(channel=item["channel"], user=event["user"], text=said)

    @app.event("link_shared")
    def unfurl(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        explained = []
        for link in event.get("links") or []:
            for ref in issue_refs(f"<{link['url']}>"):
                try:
                    explained.append((link["url"], services.explain(ref.key)))
                except ImpactbotError:
                    continue  # not an issue impactbot knows: leave Slack's own preview
        if not explained:
            return
        sight = services.sight(_channel_audience(client, body, event, services))
        unfurls = {
            url: blocks.unfurl_attachment(exp)
            if sight.sees(exp.issue.uid)
            else private_unfurl(exp.issue.key)
            for url, exp in explained
        }
        client.chat_unfurl(channel=event["channel"], ts=event["message_ts"], unfurls=unfurls)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        client.views_publish(
            user_id=event["user"], view=build_home(services, client, event["user"])
        )
