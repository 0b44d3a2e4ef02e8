"""Claim write-back to GitLab: assignees through ``PUT /projects/:id/issues/:iid`` and notes,
each checked against GitLab's answer (see ``bot.trackers.writeback`` for the contract).

GitLab replaces the whole assignee list, so a claim reads the current assignees first and
sends them with the new one. GitLab Free keeps only the first assignee of a list, and GitLab
quietly drops users who may not be assigned in the project; both answer 200, which is why the
saved issue is checked for the username.
"""

from __future__ import annotations

import re

from bot.trackers.gitlab.client import GitLabClient, RefusedError
from bot.trackers.gitlab.payloads import GitLabIssue
from bot.trackers.writeback import (
    WriteResult,
    comment_once,
    hidden_marker,
    log_refusal,
    marked_body,
)

_KEY = re.compile(r"^(?P<project>[A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_.-]+)#(?P<iid>[1-9]\d*)$")


class GitLabClaimWriter:
    """``ClaimWriter`` for GitLab issues keyed ``group/project#iid``; handles are GitLab
    usernames (teams.yaml ``gitlab:``), with or without a leading ``@``."""

    def __init__(self, client: GitLabClient) -> None:
        self.client = client

    def assign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.assign``: adds ``handle`` to the current assignees; ``ok`` only
        if GitLab's answer lists them."""
        project, iid = parse_gitlab_key(issue_key)
        username = _username(handle)
        try:
            user_id = self.client.user_id(username)
            if user_id is None:
                return WriteResult(False, f"GitLab did not assign @{username}: no such user")
            issue = self.client.issue(project, iid)
            if _listed(username, issue):
                return WriteResult(True, f"@{username} was already assigned")
            ids = [u.id for u in issue.assignees or [] if u.id is not None]
            saved = self.client.set_assignees(project, iid, [*ids, user_id])
        except RefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitLab did not assign @{username}: {why}")
        if _listed(username, saved):
            return WriteResult(True, f"assigned @{username}")
        return WriteResult(False, f"GitLab did not assign @{username}: {_dropped(ids, project)}")

    def unassign(self, issue_key: str, handle: str) -> WriteResult:
        """See ``ClaimWriter.unassign``; someone who was not assigned is ``ok`` too."""
        project, iid = parse_gitlab_key(issue_key)
        username = _username(handle)
        try:
            issue = self.client.issue(project, iid)
            if not _listed(username, issue):
                return WriteResult(True, f"@{username} was not assigned")
            keep = [
                u.id
                for u in issue.assignees or []
                if u.id is not None and u.username.casefold() != username.casefold()
            ]
            # GitLab reads 0 as "nobody"; an empty JSON list is not accepted everywhere.
            saved = self.client.set_assignees(project, iid, keep or [0])
        except RefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitLab did not unassign @{username}: {why}")
        if _listed(username, saved):
            why = f"it still lists them on {issue_key}"
            return WriteResult(False, f"GitLab did not unassign @{username}: {why}")
        return WriteResult(True, f"unassigned @{username}")

    def comment(
        self, issue_key: str, body: str, *, marker: str, look_first: bool = False
    ) -> WriteResult:
        """See ``ClaimWriter.comment``. The marker is a hidden line at the end (GitLab
        Markdown renders HTML comments as nothing); a posted note is found among the token
        user's notes on the issue."""
        project, iid = parse_gitlab_key(issue_key)
        tag = hidden_marker(marker)

        def find() -> str | None:
            me = self.client.current_username().casefold()
            for note in self.client.notes(project, iid):
                author = note.author.username.casefold() if note.author else None
                if author == me and not note.system and tag in note.body:
                    return str(note.id)
            return None

        try:
            note = comment_once(
                lambda: str(self.client.add_note(project, iid, marked_body(body, marker))),
                find,
                look_first=look_first,
            )
        except RefusedError as refused:
            why = _why(refused, issue_key)
            return WriteResult(False, f"GitLab did not take the comment on {issue_key}: {why}")
        return WriteResult(True, f"commented on {issue_key} (note {note})")

    def assignees(self, issue_key: str) -> tuple[str, ...]:
        """See ``ClaimWriter.assignees``: GitLab usernames."""
        project, iid = parse_gitlab_key(issue_key)
        return tuple(u.username for u in self.client.issue(project, iid).assignees or [])


def parse_gitlab_key(issue_key: str) -> tuple[str, int]:
    """``("group/project", iid)`` from ``group/project#iid``; ``ValueError`` for anything else."""
    match = _KEY.match(issue_key.strip())
    if match is None:
        raise ValueError(f"not a GitLab issue key (group/project#iid): {issue_key!r}")
    return match["project"], int(match["iid"])


def _username(handle: str) -> str:
    username = handle.strip().removeprefix("@")
    if not username:
        raise ValueError("an empty GitLab username")
    return username


def _listed(username: str, issue: GitLabIssue) -> bool:
    return username.casefold() in {u.username.casefold() for u in issue.assignees or []}


def _dropped(before: list[int], project: str) -> str:
    """Why GitLab answered 200 without the user: one assignee only, or no access."""
    if before:
        return "the issue already has an assignee and this GitLab allows only one (GitLab Free)"
    return f"they cannot be assigned in {project} (not a member, or blocked)"


def _why(refused: RefusedError, issue_key: str) -> str:
    """A refusal as the end of a sentence for the person who clicked (GitLab's words are
    logged, not shown)."""
    log_refusal(refused, issue_key)
    if refused.status == 404:
        return f"{issue_key} was not found, or the token cannot see it"
    if refused.status == 403:
        return f"the token may not change {issue_key} (it needs the api scope and Reporter role)"
    if refused.status in (400, 422):
        return "GitLab rejected the request as invalid (details in impactbot's log)"
    return f"GitLab answered {refused.status} (details in impactbot's log)"
