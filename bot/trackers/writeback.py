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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.trackers.github.client import GitHubClient, WriteRefusedError
from bot.trackers.http import AmbiguousWriteError, TrackerError

log = logging.getLogger("impactbot.trackers")

GITHUB_MAX_ASSIGNEES = 10
COMMENT_ATTEMPTS = 3  # posts of one comment, each after looking for the previous one
_MARKER = re.compile(r"^[a-z0-9][a-z0-9-]{7,63}$")
_GITHUB_KEY = re.compile(r"^(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)#(?P<number>[1-9]\d*)$")


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


class GitHubClaimWriter:
    """``ClaimWriter`` for GitHub issues and pull requests keyed ``owner/repo#N``; handles are
    GitHub logins, with or without a leading ``@``."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.assign``. GitHub answers 201 and silently drops a login that
        cannot be assigned, so the answer's assignees are checked for the login."""
        repo, number = parse_github_key(issue_key)
        login = _login(handle)
        try:
            assigned = self.client.add_assignees(repo, number, [login])
        except WriteRefusedError as refused:
            return WriteResult(False, f"GitHub did not assign @{login}: {_why(refused, issue_key)}")
        if _listed(login, assigned):
            return WriteResult(True, f"assigned @{login}")
        return WriteResult(False, f"GitHub did not assign @{login}: {_dropped(repo, assigned)}")

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.unassign``; a login that was not assigned is ``ok`` too."""
        repo, number = parse_github_key(issue_key)
        login = _login(handle)
        try:
            remaining = self.client.remove_assignees(repo, number, [login])
        except WriteRefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitHub did not unassign @{login}: {why}")
        if _listed(login, remaining):
            why = f"it still lists them on {issue_key} (the token may lack push access to {repo})"
            return WriteResult(False, f"GitHub did not unassign @{login}: {why}")
        return WriteResult(True, f"unassigned @{login}")

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        """See ``ClaimWriter.comment``; the detail carries the comment's web address. The
        marker is a hidden line at the end; a posted comment is found among the token user's
        comments on the issue."""
        repo, number = parse_github_key(issue_key)
        tag = hidden_marker(marker)

        def find() -> str | None:
            me = _fold(self.client.viewer_login())
            for login, text, url in self.client.comments(repo, number):
                if _fold(login) == me and tag in text:
                    return url
            return None

        try:
            url = comment_once(
                lambda: self.client.add_comment(repo, number, marked_body(body, marker)),
                find,
                look_first=look_first,
            )
        except WriteRefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitHub did not take the comment on {issue_key}: {why}")
        return WriteResult(True, f"commented on {issue_key}: {url}")

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        """See ``ClaimWriter.assignees``: GitHub logins."""
        repo, number = parse_github_key(issue_key)
        return tuple(self.client.assignee_logins(repo, number))


def parse_github_key(issue_key: str) -> tuple[str, int]:
    """``("owner/repo", N)`` from ``owner/repo#N``; raises ``ValueError`` for anything else."""
    match = _GITHUB_KEY.match(issue_key.strip())
    if match is None:
        raise ValueError(f"not a GitHub issue key (owner/repo#N): {issue_key!r}")
    return match["repo"], int(match["number"])


def _login(handle: str) -> str:
    login = handle.strip().removeprefix("@")
    if not login:
        raise ValueError("an empty GitHub login")
    return login


def _fold(login: str) -> str:
    """GitHub logins ignore case; REST spells an app's bot user ``name[bot]``."""
    return login.removesuffix("[bot]").lower()


def _listed(login: str, logins: Sequence[str]) -> bool:
    return _fold(login) in {_fold(other) for other in logins}


def _dropped(repo: str, assigned: Sequence[str]) -> str:
    """Why GitHub answered 201 without the login: the issue is full, or no access."""
    if len(assigned) >= GITHUB_MAX_ASSIGNEES:
        return f"the issue already has {len(assigned)} assignees, GitHub's maximum"
    return f"they cannot be assigned in {repo} (no access)"


def log_refusal(refused: TrackerError, issue_key: str) -> None:
    """Log everything the tracker said when it refused a write on ``issue_key``."""
    log.warning("a write to %s was refused: %s", issue_key, refused)


def _why(refused: WriteRefusedError, issue_key: str) -> str:
    """A refusal as the end of a sentence for the person who clicked (GitHub's words are
    logged, not shown)."""
    log_refusal(refused, issue_key)
    if refused.status == 404:
        return f"{issue_key} was not found, or the token cannot see it"
    if refused.status == 410:
        return f"{issue_key} was deleted"
    if refused.status == 403:
        return f"the token may not change {issue_key} (details in impactbot's log)"
    if refused.status == 422:
        return "GitHub rejected the request as invalid (details in impactbot's log)"
    if 300 <= refused.status < 400:
        return f"{issue_key} {refused.message}"  # "moved to <Location>", our own words
    return f"GitHub answered {refused.status} (details in impactbot's log)"
