"""Flagging the issues a Slack message links to, for the person who asked."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.app.services import Services
from bot.errors import ImpactbotError
from bot.slack.answers import may_flag, unknown_person
from bot.slack.blocks_issues import private_notice
from bot.slack.blocks_kit import escape
from bot.slack.links import issue_refs
from bot.slack.people import Asker


def flag_message(services: Services, client: WebClient, *, user_id: str, text: str) -> str:
    """Flag every issue linked in ``text`` for ``user_id``; the sentence to tell them (mrkdwn,
    escaped)."""
    refs = issue_refs(text)
    if not refs:
        return "That message links to no issue I can read (GitHub, GitLab, Jira or Linear)."
    asker = Asker.of(user_id, services, client)
    person = asker.person_id
    if person is None:
        return unknown_person(user_id)
    said = []
    for ref in refs:
        if not may_flag(services, asker.viewer, ref.key):
            said.append(escape(private_notice(ref.key).rstrip(".")))
            continue
        try:
            added = services.flag(ref.key, by=person, note="flagged from Slack")
        except ImpactbotError as exc:
            said.append(escape(str(exc)))
            continue
        key = escape(ref.key)
        said.append(f"flagged {key}" if added else f"you had already flagged {key}")
    text = "; ".join(said)
    return text[:1].upper() + text[1:] + "."
