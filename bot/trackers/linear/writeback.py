"""Claims written back to Linear, and checked (see ``bot.trackers.writeback`` for the contract).

Linear issues have one assignee, so a claim *replaces* whoever was assigned (the detail says
whom); the answer to ``issueUpdate`` must show the new assignee for the claim to count.
Handles are Linear user ids (what ``teams.yaml`` ``linear:`` holds); keys are identifiers
such as ``ENG-12``, which Linear accepts wherever it takes an issue id.
"""

from __future__ import annotations

import re

from bot.trackers.linear.client import LinearClient, LinearRefusedError
from bot.trackers.writeback import WriteResult, comment_once, log_refusal, marker_uuid

_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}-[1-9]\d*$")


class LinearClaimWriter:
    """``ClaimWriter`` for Linear issues keyed by identifier (``ENG-12``)."""

    def __init__(self, client: LinearClient) -> None:
        self.client = client

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.assign``; replaces the previous assignee (Linear has one)."""
        key, user = parse_linear_key(issue_key), _user_id(handle)
        try:
            before = self.client.assignee_of(key)
            if before == user:
                return WriteResult(True, f"{user} was already assigned to {key}")
            after = self.client.set_assignee(key, user)
        except LinearRefusedError as refused:
            return WriteResult(
                False, f"Linear did not assign {user} to {key}: {_why(refused, key)}"
            )
        if after != user:
            now = f"it lists {after}" if after else "it lists nobody"
            return WriteResult(False, f"Linear did not assign {user} to {key}: {now}")
        replaced = f" (replacing {before}; Linear has one assignee)" if before else ""
        return WriteResult(True, f"assigned {user} to {key}{replaced}")

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.unassign``: clears the assignee only while it is ``handle``."""
        key, user = parse_linear_key(issue_key), _user_id(handle)
        try:
            if self.client.assignee_of(key) != user:
                return WriteResult(True, f"{user} is not assigned to {key}")
            after = self.client.set_assignee(key, None)
        except LinearRefusedError as refused:
            return WriteResult(
                False, f"Linear did not unassign {user} from {key}: {_why(refused, key)}"
            )
        if after == user:
            return WriteResult(
                False, f"Linear did not unassign {user} from {key}: it still lists them"
            )
        return WriteResult(True, f"unassigned {user} from {key}")

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        """See ``ClaimWriter.comment``; the detail carries the comment's address. The comment
        is created with an id derived from the marker, so a posted one is found by reading
        that id back (only the bot chose it)."""
        key = parse_linear_key(issue_key)
        comment_id = marker_uuid(marker)
        try:
            url = comment_once(
                lambda: self.client.add_comment(key, body, comment_id),
                lambda: self.client.comment_url(comment_id),
                look_first=look_first,
            )
        except LinearRefusedError as refused:
            return WriteResult(
                False, f"Linear did not take the comment on {key}: {_why(refused, key)}"
            )
        return WriteResult(True, f"commented on {key}: {url}")

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        """See ``ClaimWriter.assignees``: the user id of Linear's one assignee, if any."""
        user = self.client.assignee_of(parse_linear_key(issue_key))
        return (user,) if user else ()


def parse_linear_key(issue_key: str) -> str:
    """The identifier ``ENG-12`` itself; raises ``ValueError`` for anything else."""
    key = issue_key.strip()
    if not _KEY.match(key):
        raise ValueError(f"not a Linear issue identifier (TEAM-N): {issue_key!r}")
    return key


def _user_id(handle: str) -> str:
    user = handle.strip()
    if not user:
        raise ValueError("an empty Linear user id")
    return user


def _why(refused: LinearRefusedError, key: str) -> str:
    """A refusal as the end of a sentence for the person who clicked (Linear's words are
    logged, not shown)."""
    log_refusal(refused, key)
    codes = set(refused.codes)
    if "FORBIDDEN" in codes:
        return f"the API key may not change {key} (details in impactbot's log)"
    if "INVALID_INPUT" in codes:  # Linear's code for a missing issue or user, too
        return "Linear rejected the request: no such issue or user, or invalid input"
    return "Linear refused the request (details in impactbot's log)"
