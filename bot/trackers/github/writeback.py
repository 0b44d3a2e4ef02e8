"""Claim write-back to GitHub issues and pull requests (see ``bot.trackers.writeback`` for
the contract every writer keeps)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.trackers.github.client import GitHubClient, WriteRefusedError
from bot.trackers.writeback import (
    WriteResult,
    comment_once,
    hidden_marker,
    log_refusal,
    marked_body,
)

GITHUB_MAX_ASSIGNEES = 10
_GITHUB_KEY = re.compile(r"^(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)#(?P<number>[1-9]\d*)$")


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
