"""Writing a claim back to the tracker, and checking that it took.

A claim made in Slack is only true once the tracker says so. A ``ClaimWriter`` sends the change,
reads the tracker's answer and reports in a ``WriteResult`` whether the change is there now.

Contract shared by every implementation: an expected refusal (not found, deleted, no access,
an invalid request, an assignee the tracker quietly left out) comes back as ``ok=False`` with a
sentence for the person who clicked — a short reason of our own: what the tracker said (its
error body, perhaps long, raw or internal) is logged by ``log_refusal``, never shown. Only
a tracker that cannot be reached or keeps failing raises ``TrackerError`` (after the
governor's retries), and a malformed ``issue_key`` or ``marker`` raises ``ValueError`` (a
bug in the caller, not a user's problem).

A comment is posted at most once per ``marker``. Creating a comment is not idempotent on any
tracker, so it is never blindly repeated: after an ambiguous failure (a 5xx, a timeout, a
connection dropped after the request left) the writer looks among the bot's own comments for
the marker, and posts again only if it is not there (``comment_once``). Each tracker carries
the marker where it does not disturb the reader: a hidden HTML comment in GitHub and GitLab
Markdown, a comment property on Jira (whose comments have no hidden text), the comment's own
client-chosen id on Linear.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.trackers.http import AmbiguousWriteError, TrackerError

log = logging.getLogger("impactbot.trackers")

COMMENT_ATTEMPTS = 3  # posts of one comment, each after looking for the previous one
_MARKER = re.compile(r"^[a-z0-9][a-z0-9-]{7,63}$")


@dataclass(frozen=True)
class WriteResult:
    """Whether a write took, and a human sentence saying so (or why not)."""

    ok: bool
    detail: str


class ClaimWriter(Protocol):
    """Write-back of a claim to one tracker; see the module docstring for the contract."""

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        """Add ``handle`` to the assignees (keeping the others); ``ok`` only if the tracker
        lists them as assigned afterwards."""
        ...

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        """Undo a claim: remove ``handle``; ``ok`` only if the tracker no longer lists them."""
        ...

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        """Comment ``body`` on the issue as the bot's credential, at most once per ``marker``
        (see the module docstring); ``look_first`` looks for the marker before the first
        post too (when finishing a write a crashed process may have made)."""
        ...

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        """The handles the tracker lists as assigned now, as the tracker spells them."""
        ...


def claim_marker(issue_uid: str, claimed_at: datetime) -> str:
    """The marker of one claim's comment: the same for the same claim in any process, so a
    process finishing another's claim finds the comment it may have posted."""
    digest = hashlib.sha256(f"{issue_uid}|{claimed_at.isoformat()}".encode()).hexdigest()
    return f"claim-{digest[:20]}"


def check_marker(marker: str) -> str:
    """``marker`` if it is well-formed (lower-case letters, digits, dashes; 8-64 long)."""
    if not _MARKER.match(marker):
        raise ValueError(f"not a comment marker: {marker!r}")
    return marker


def hidden_marker(marker: str) -> str:
    """The marker as a line of Markdown that renders as nothing (an HTML comment)."""
    return f"<!-- impactbot:{check_marker(marker)} -->"


def marked_body(body: str, marker: str) -> str:
    """``body`` with ``hidden_marker`` as its last line; an empty ``body`` is a caller bug
    (``ValueError``), since the marker alone would make it look non-empty to the tracker."""
    if not body.strip():
        raise ValueError("an empty comment")
    return f"{body}\n\n{hidden_marker(marker)}"


def marker_uuid(marker: str) -> str:
    """A UUID v4-shaped id derived from ``marker`` (for trackers that let the client choose
    a comment's id)."""
    digest = hashlib.sha256(check_marker(marker).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def comment_once(
    post: Callable[[], str],
    find: Callable[[], str | None],
    *,
    look_first: bool = False,
    attempts: int = COMMENT_ATTEMPTS,
) -> str:
    """Post a comment at most once: ``post`` creates it (raising ``AmbiguousWriteError``
    when it may or may not have been stored) and ``find`` looks for it among the bot's own
    comments. Returns what ``post`` or ``find`` returned (the comment's address). Raises
    ``TrackerError`` when it is still unknown after ``attempts`` posts."""
    if look_first and (found := find()) is not None:
        return found
    last: AmbiguousWriteError | None = None
    for _ in range(attempts):
        try:
            return post()
        except AmbiguousWriteError as failure:
            last = failure
        if (found := find()) is not None:
            return found
    raise TrackerError(f"the comment was not confirmed after {attempts} attempts: {last}")


def log_refusal(refused: TrackerError, issue_key: str) -> None:
    """Log everything the tracker said when it refused a write on ``issue_key``."""
    log.warning("a write to %s was refused: %s", issue_key, refused)
