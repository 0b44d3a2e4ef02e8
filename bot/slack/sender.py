"""Slack's side of sending digests and credit notices: ``SlackSender`` implements the
``DigestSender`` (``bot.app.digests``) and ``NoticeSender`` (``bot.app.notices``) the app
defines — Block Kit rendering, posting through ``slack_sdk`` with retries, and pacing.

What is due, what each recipient may read and the exactly-once bookkeeping stay in the app;
nothing here opens the store.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.delivery import Message, Parcel, Receipt
from bot.app.results import Ask
from bot.core.credit import CreditEntry
from bot.core.digest import ManagerDigest
from bot.core.digest_leadership import LeadershipDigest
from bot.core.identity import Directory
from bot.slack import channels
from bot.slack.blocks_credit_notice import confirm_blocks, confirm_text, thanks_text
from bot.slack.blocks_digest import claim_picker, digest_blocks
from bot.slack.blocks_kit import Block
from bot.slack.blocks_leadership import leadership_digest_blocks
from bot.slack.blocks_text import blocks_as_text
from bot.slack.delivery import Pacer, SlackMessage, deliver
from bot.slack.digest_text import digest_text, leadership_text

log = logging.getLogger("impactbot.notices")


class SlackSender:
    """Digests and notices through ``client``; without a client it only renders (a dry
    run). One ``pacer`` spaces every Slack call it makes (one sender per run, or one for a
    process's runs: pacing across runs costs nothing)."""

    def __init__(self, client: WebClient | None, *, pacer: Pacer | None = None) -> None:
        self._client = client
        self.pacer = pacer or Pacer()

    @property
    def connected(self) -> bool:
        return self._client is not None

    def _slack(self) -> WebClient:
        if self._client is None:
            raise RuntimeError("this SlackSender has no client: it only renders (a dry run)")
        return self._client

    # ------------------------------------------------------------------ digests

    def zone(self, user_id: str | None) -> tzinfo:
        """The person's own time zone from Slack (``users.info``), UTC when unknown."""
        if self._client is None:
            return UTC
        self.pacer.wait()
        if not user_id:
            return UTC
        try:
            name = self._client.users_info(user=user_id)["user"].get("tz") or "UTC"
            return ZoneInfo(str(name))
        except (SlackApiError, ZoneInfoNotFoundError, ValueError, KeyError):
            return UTC

    def is_shared_channel(self, channel: str) -> bool:
        return channels.is_shared_channel(self._slack(), channel)

    def granted_scopes(self) -> frozenset[str]:
        """The token's scopes (``x-oauth-scopes`` on ``auth.test``); none when Slack refuses
        the token."""
        try:
            header = self._slack().auth_test().headers.get("x-oauth-scopes", "")
        except SlackApiError:
            return frozenset()  # a token Slack refuses grants nothing
        return frozenset(scope.strip() for scope in str(header).split(","))

    def manager_message(
        self,
        digest: ManagerDigest,
        *,
        manager: str,
        directory: Directory,
        slack_ids: Mapping[str, str],
    ) -> SlackMessage:
        picker = claim_picker(manager, directory, slack_ids)
        blocks = digest_blocks(digest, slack_ids=slack_ids, picker=picker)
        return SlackMessage(digest_text(digest), blocks)

    def leadership_message(self, digest: LeadershipDigest) -> SlackMessage:
        blocks = leadership_digest_blocks(digest)
        return SlackMessage(
            leadership_text(digest), blocks, plain=leadership_text(digest, markup=False)
        )

    def preview(self, message: Message) -> str:
        if not isinstance(message, SlackMessage):
            raise TypeError(f"not a SlackMessage: {type(message).__name__}")
        return message.plain if message.plain is not None else blocks_as_text(message.blocks)

    def deliver(self, parcel: Parcel, *, look_first: bool) -> Receipt:
        return deliver(self._slack(), parcel, self.pacer, look_first=look_first)

    # ------------------------------------------------------------------ credit notices

    def thank(self, channel: str, entries: list[CreditEntry], titles: dict[str, str]) -> bool:
        return self._notice(channel, thanks_text(entries, titles))

    def ask_to_confirm(self, channel: str, asks: list[Ask]) -> bool:
        return self._notice(channel, confirm_text(asks), confirm_blocks(asks))

    def _notice(self, channel: str, text: str, blocks: list[Block] | None = None) -> bool:
        """Post one notice (paced); a refusal is logged and answers False."""
        try:
            self.pacer.wait()
            self._slack().chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("credit notice to %s not sent: %s", channel, exc.response.get("error"))
            return False
        return True
