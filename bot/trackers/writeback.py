"""Writing a claim back to the tracker, and checking that it took.

A claim made in Slack is only true once the tracker says so. A ``ClaimWriter`` sends the change,
reads the tracker's answer and reports in a ``WriteResult`` whether the change is there now.

Contract shared by every implementation: an expected refusal (not found, deleted, no access,
an invalid request, an assignee the tracker quietly left out) comes back as ``ok=False`` with a
sentence for the person who clicked; only a tracker that cannot be reached or keeps failing
raises ``TrackerError`` (after the governor's retries), and a malformed ``issue_key`` raises
``ValueError`` (a bug in the caller, not a user's problem).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.trackers.github.client import GitHubClient, WriteRefusedError

GITHUB_MAX_ASSIGNEES = 10
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

    def comment(self, issue_key: str, body: str) -> WriteResult:
        """Comment ``body`` on the issue as the bot's credential."""
        ...


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

    def comment(self, issue_key: str, body: str) -> WriteResult:
        """See ``ClaimWriter.comment``; the detail carries the comment's web address. Not
        idempotent: GitHub failing with a 5xx *after* storing the comment makes the retry post
        it twice."""
        repo, number = parse_github_key(issue_key)
        try:
            url = self.client.add_comment(repo, number, body)
        except WriteRefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitHub did not take the comment on {issue_key}: {why}")
        return WriteResult(True, f"commented on {issue_key}: {url}")


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


def _why(refused: WriteRefusedError, issue_key: str) -> str:
    """A refusal as the end of a sentence for the person who clicked."""
    if refused.status == 404:
        return f"{issue_key} was not found, or the token cannot see it"
    if refused.status == 410:
        return f"{issue_key} was deleted"
    if refused.status == 403:
        return f"the token may not change {issue_key} ({refused.message})"
    if refused.status == 422:
        return f"GitHub rejected the request ({refused.message})"
    if 300 <= refused.status < 400:
        return f"{issue_key} {refused.message}"
    return f"GitHub answered {refused.status} ({refused.message})"
