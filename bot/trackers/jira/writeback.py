"""Claim write-back to Jira Cloud (see ``bot.trackers.writeback`` for the contract).

Jira has a single assignee: assigning replaces whoever had it, and the detail says so.
Every assignment is checked by reading the issue back; handles are Atlassian account ids
(what ``teams.yaml`` holds under ``jira``). Jira comments have no hidden text, so a comment's
marker travels as a comment property (``MARKER_PROPERTY``), stored with the comment itself.
"""

from __future__ import annotations

import re

from bot.trackers.jira.adf import text_to_adf
from bot.trackers.jira.client import JiraClient, WriteRefusedError
from bot.trackers.jira.payloads import JiraUser
from bot.trackers.writeback import WriteResult, check_marker, comment_once, log_refusal

_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]*$")
MARKER_PROPERTY = "impactbot.marker"


class JiraClaimWriter:
    """``ClaimWriter`` for issues keyed ``ABC-12`` on one Jira Cloud site."""

    def __init__(self, client: JiraClient) -> None:
        self.client = client

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.assign``: ``ok`` only if Jira lists the account afterwards."""
        key, account = parse_jira_key(issue_key), _account(handle)
        try:
            before = self.client.assignee(key)
            self.client.set_assignee(key, account)
            after = self.client.assignee(key)
        except WriteRefusedError as refused:
            return WriteResult(False, f"Jira did not assign {account}: {_why(refused, key)}")
        if after is None or after.accountId != account:
            now = _name(after) if after else "nobody"
            return WriteResult(False, f"Jira did not assign {account}: {key} is assigned to {now}")
        replaced = before is not None and before.accountId not in (None, account)
        tail = f" (replacing {_name(before)}: Jira has one assignee)" if before and replaced else ""
        return WriteResult(True, f"assigned {_name(after)} on {key}{tail}")

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.unassign``; someone else assigned since is left in place (``ok``:
        the account is not assigned)."""
        key, account = parse_jira_key(issue_key), _account(handle)
        try:
            current = self.client.assignee(key)
            if current is None or current.accountId != account:
                who = _name(current) if current else "nobody"
                return WriteResult(True, f"{account} was not assigned on {key} ({who} is)")
            self.client.set_assignee(key, None)
            after = self.client.assignee(key)
        except WriteRefusedError as refused:
            return WriteResult(False, f"Jira did not unassign {account}: {_why(refused, key)}")
        if after is not None and after.accountId == account:
            return WriteResult(False, f"Jira did not unassign {account}: {key} still lists them")
        return WriteResult(True, f"unassigned {_name(current)} on {key}")

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        """See ``ClaimWriter.comment``; the detail carries the comment's web address. A
        posted comment is found among the API user's comments, newest first, by its
        ``MARKER_PROPERTY``."""
        key = parse_jira_key(issue_key)
        tag = {"marker": check_marker(marker)}

        def find() -> str | None:
            me = self.client.account_id()
            for comment in reversed(self.client.comments(key)):
                mine = comment.author is not None and comment.author.accountId == me
                if mine and self.client.comment_property(comment.id, MARKER_PROPERTY) == tag:
                    return comment.id
            return None

        try:
            comment_id = comment_once(
                lambda: self.client.add_comment(key, text_to_adf(body), {MARKER_PROPERTY: tag}),
                find,
                look_first=look_first,
            )
        except WriteRefusedError as refused:
            return WriteResult(
                False, f"Jira did not take the comment on {key}: {_why(refused, key)}"
            )
        url = f"{self.client.site}/browse/{key}?focusedCommentId={comment_id}"
        return WriteResult(True, f"commented on {key}: {url}")

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        """See ``ClaimWriter.assignees``: the account id of Jira's one assignee, if any."""
        user = self.client.assignee(parse_jira_key(issue_key))
        return (user.accountId,) if user is not None and user.accountId else ()


def parse_jira_key(issue_key: str) -> str:
    """``ABC-12`` as given (trimmed); raises ``ValueError`` for anything else."""
    key = issue_key.strip()
    if not _KEY.match(key):
        raise ValueError(f"not a Jira issue key (ABC-12): {issue_key!r}")
    return key


def _account(handle: str) -> str:
    account = handle.strip()
    if not account:
        raise ValueError("an empty Jira account id")
    return account


def _name(user: JiraUser) -> str:
    return user.displayName or user.accountId or "an unnamed account"


def _why(refused: WriteRefusedError, key: str) -> str:
    """A refusal as the end of a sentence for the person who clicked (Jira's words are
    logged, not shown)."""
    log_refusal(refused, key)
    if refused.status == 404:
        return f"{key} was not found, or the account cannot see it"
    if refused.status == 403:
        return f"the account may not change {key} (details in impactbot's log)"
    if refused.status == 400:
        return "Jira rejected the request as invalid (details in impactbot's log)"
    return f"Jira answered {refused.status} (details in impactbot's log)"
