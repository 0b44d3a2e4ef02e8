"""The data behind the fake GitLab: users, projects, issues, notes and links, with the set-up
methods tests call and the JSON GitLab renders for them (REST v4 shapes, checked against
GitLab's own issue schema in tests/fakes/test_fake_gitlab.py).

What it keeps as GitLab does: an assignment, a close or a move updates the issue's
``updated_at``; a note (a link or a mention adds a system note) only *touches* it, and GitLab
throttles that touch: ``Note`` has ``belongs_to :noteable, polymorphic: true, touch: true``
(app/models/note.rb) and ``Issue`` includes ``ThrottledTouch``
(app/models/concerns/throttled_touch.rb, gitlabhq/gitlabhq: ``TOUCH_INTERVAL = 1.minute``;
``touch`` does nothing unless the last update is more than a minute old), so a note within a
minute of the issue's last update leaves ``updated_at`` where it was (``throttle_touch``,
on by default); times have millisecond precision; ``user_notes_count`` counts people's notes
only; a move copies every note to a new issue in the target project, adds "moved from" there
and "moved to" on the old one, and closes the old one with ``moved_to_id``; links exist in
both directions (``blocks`` on one side is ``is_blocked_by`` on the other).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

JSON = dict[str, Any]
_INVERSE = {"relates_to": "relates_to", "blocks": "is_blocked_by", "is_blocked_by": "blocks"}


def ms(moment: datetime) -> datetime:
    """``moment`` in UTC with millisecond precision, as GitLab stores times."""
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def render_time(moment: datetime | None) -> str | None:
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        if moment
        else None
    )


@dataclass
class User:
    id: int
    username: str
    name: str


@dataclass
class Note:
    id: int
    body: str
    author: str
    created_at: datetime
    system: bool = False
    ref: tuple[str, int] | None = None  # an issue the note names after ``body``

    def text(self, holder: str) -> str:
        """The body as shown on an issue of project ``holder``: GitLab rewrites references
        relative to the project holding the note (also when it copies notes in a move)."""
        if self.ref is None:
            return self.body
        return f"{self.body} {relative_reference(*self.ref, holder)}"


@dataclass
class FakeIssue:
    id: int
    iid: int
    project: str
    title: str
    description: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "opened"
    closed_at: datetime | None = None
    assignees: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    upvotes: int = 0
    weight: int | None = None
    moved_to_id: int | None = None
    duplicate_of: int | None = None
    notes: list[Note] = field(default_factory=list)
    links: dict[int, str] = field(default_factory=dict)  # other issue id → link type
    cache: tuple[datetime, bytes] | None = None
    confidential: bool = False


@dataclass
class Project:
    id: int
    path: str
    members: set[str] | None  # who may be assigned; None: everybody
    issues: dict[int, FakeIssue] = field(default_factory=dict)
    # private, internal or public ("Project visibility level", docs.gitlab.com/api/projects)
    visibility: str = "public"


class GitLabData:
    """The fake's data and set-up methods; ``FakeGitLab`` adds HTTP on top."""

    #: GitLab's ThrottledTouch::TOUCH_INTERVAL (see the module docstring).
    TOUCH_INTERVAL = timedelta(minutes=1)

    def __init__(self, web_url: str) -> None:
        self.web_url = web_url.rstrip("/")
        self.throttle_touch = True
        self.api_base = "http://gitlab.invalid/api/v4"  # replaced by the server's address
        self.users: dict[str, User] = {}
        self.projects: dict[str, Project] = {}
        self.issues_by_id: dict[int, FakeIssue] = {}
        self._ids = count(1)
        self._note_ids = count(1)
        self.single_assignee = False  # GitLab Free: only the first of assignee_ids is kept

    # -- set-up ------------------------------------------------------------------------------

    def add_user(self, username: str, name: str | None = None) -> User:
        if username not in self.users:
            self.users[username] = User(len(self.users) + 1, username, name or username.title())
        return self.users[username]

    def add_project(
        self, path: str, *, members: set[str] | None = None, visibility: str = "public"
    ) -> Project:
        if path not in self.projects:
            self.projects[path] = Project(
                len(self.projects) + 1, path, members, visibility=visibility
            )
        return self.projects[path]

    def set_project_visibility(self, path: str, visibility: str) -> None:
        """Change a project's visibility: as on GitLab, none of its issues changes."""
        if visibility not in ("private", "internal", "public"):
            raise ValueError(f"GitLab has no {visibility!r} projects")
        self.projects[path].visibility = visibility

    def project_json(self, project: Project) -> dict[str, Any]:
        """``GET /projects/:id``: the fields of GitLab's answer impactbot and tests read."""
        return {
            "id": project.id,
            "path_with_namespace": project.path,
            "path": project.path.rsplit("/", 1)[-1],
            "web_url": f"{self.web_url}/{project.path}",
            "visibility": project.visibility,
        }

    def add_issue(
        self,
        project: str,
        *,
        title: str,
        created_at: datetime,
        description: str | None = "",
        author: str = "root",
        assignees: tuple[str, ...] | list[str] = (),
        labels: tuple[str, ...] | list[str] = (),
        updated_at: datetime | None = None,
        closed_at: datetime | None = None,
        upvotes: int = 0,
        weight: int | None = None,
    ) -> int:
        """A new issue (closed when ``closed_at`` is given); returns its iid."""
        where = self.add_project(project)
        for name in (author, *assignees):
            self.add_user(name)
        created = ms(created_at)
        issue = FakeIssue(
            id=next(self._ids),
            iid=len(where.issues) + 1,
            project=project,
            title=title,
            description=description,
            author=author,
            created_at=created,
            updated_at=ms(updated_at or closed_at or created_at),
            state="closed" if closed_at else "opened",
            closed_at=ms(closed_at) if closed_at else None,
            assignees=list(assignees),
            labels=list(labels),
            upvotes=upvotes,
            weight=weight,
        )
        where.issues[issue.iid] = self.issues_by_id[issue.id] = issue
        return issue.iid

    def issue(self, project: str, iid: int) -> FakeIssue:
        return self.projects[project].issues[iid]

    def set_confidential(self, project: str, iid: int, confidential: bool, at: datetime) -> None:
        """Mark an issue confidential or not: an edit of the issue, so ``updated_at`` moves
        (GitLab records it as a system note and an update of the issue)."""
        issue = self.issue(project, iid)
        issue.confidential = confidential
        issue.updated_at, issue.cache = max(issue.updated_at, ms(at)), None

    def touch(self, project: str, iid: int, at: datetime) -> None:
        issue = self.issue(project, iid)
        issue.updated_at, issue.cache = ms(at), None

    def add_note(
        self,
        project: str,
        iid: int,
        *,
        author: str,
        body: str,
        at: datetime,
        system: bool = False,
        ref: tuple[str, int] | None = None,
    ) -> Note:
        """A note by ``author``; like any note on GitLab it touches the issue, throttled."""
        self.add_user(author)
        issue = self.issue(project, iid)
        note = Note(next(self._note_ids), body, author, ms(at), system, ref)
        issue.notes.append(note)
        self.touch_for_note(issue, note.created_at)
        return note

    def touch_for_note(self, issue: FakeIssue, at: datetime) -> None:
        """``ThrottledTouch#touch``: move ``updated_at`` only when it is more than
        ``TOUCH_INTERVAL`` old at ``at``."""
        if self.throttle_touch and at - issue.updated_at <= self.TOUCH_INTERVAL:
            issue.cache = None  # the rendered notes count changed all the same
            return
        issue.updated_at, issue.cache = max(issue.updated_at, at), None

    def mention(self, *, source: tuple[str, int], target: tuple[str, int], at: datetime) -> None:
        """``source`` mentions ``target`` in its description: GitLab adds a "mentioned in"
        system note on the target, written relative to the target's project."""
        self.add_note(
            *target, author="root", body="mentioned in issue", at=at, system=True, ref=source
        )

    def link(self, a: tuple[str, int], b: tuple[str, int], link_type: str, at: datetime) -> None:
        """Link ``a`` → ``b`` (``relates_to``, ``blocks``, ``is_blocked_by``), both ways."""
        first, second = self.issue(*a), self.issue(*b)
        first.links[second.id] = link_type
        second.links[first.id] = _INVERSE[link_type]
        for here, there in ((a, b), (b, a)):
            body = "marked this issue as related to"
            self.add_note(*here, author="root", body=body, at=at, system=True, ref=there)

    def close(
        self, project: str, iid: int, at: datetime, *, duplicate_of: tuple[str, int] | None = None
    ) -> None:
        issue = self.issue(project, iid)
        issue.state, issue.closed_at = "closed", ms(at)
        issue.updated_at, issue.cache = max(issue.updated_at, ms(at)), None
        if duplicate_of is not None:
            issue.duplicate_of = self.issue(*duplicate_of).id

    def move(self, project: str, iid: int, to_project: str, at: datetime) -> int:
        """Move an issue as GitLab does; returns its iid in ``to_project``."""
        old = self.issue(project, iid)
        new_iid = self.add_issue(
            to_project,
            title=old.title,
            description=old.description,
            author=old.author,
            assignees=old.assignees,
            labels=old.labels,
            created_at=old.created_at,
            updated_at=at,
            upvotes=old.upvotes,
            weight=old.weight,
        )
        new, new_ref = self.issue(to_project, new_iid), (to_project, new_iid)
        new.notes = [
            Note(next(self._note_ids), n.body, n.author, n.created_at, n.system, n.ref)
            for n in old.notes
        ]
        moved_from = (project, iid)
        self.add_note(
            *new_ref, author="root", body="moved from", at=at, system=True, ref=moved_from
        )
        self.add_note(*moved_from, author="root", body="moved to", at=at, system=True, ref=new_ref)
        self.close(project, iid, at)
        old.moved_to_id, old.cache = new.id, None
        return new_iid

    def delete_issue(self, project: str, iid: int) -> None:
        issue = self.projects[project].issues.pop(iid)
        del self.issues_by_id[issue.id]

    # -- rendering ---------------------------------------------------------------------------

    def user_json(self, username: str) -> JSON:
        user = self.add_user(username)
        return {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": "active",
            "avatar_url": f"{self.web_url}/uploads/-/system/user/avatar/{user.id}/avatar.png",
            "web_url": f"{self.web_url}/{user.username}",
        }

    def issue_json(self, issue: FakeIssue) -> JSON:
        project = self.projects[issue.project]
        return {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": render_time(issue.created_at),
            "updated_at": render_time(issue.updated_at),
            "closed_at": render_time(issue.closed_at),
            "closed_by": self.user_json("root") if issue.state == "closed" else None,
            "labels": list(issue.labels),
            "milestone": None,
            "assignees": [self.user_json(u) for u in issue.assignees],
            "assignee": self.user_json(issue.assignees[0]) if issue.assignees else None,
            "author": self.user_json(issue.author),
            "type": "ISSUE",
            "user_notes_count": sum(not n.system for n in issue.notes),
            "merge_requests_count": 0,
            "upvotes": issue.upvotes,
            "downvotes": 0,
            "due_date": None,
            "confidential": issue.confidential,
            "discussion_locked": None,
            "issue_type": "issue",
            "web_url": f"{self.web_url}/{issue.project}/-/issues/{issue.iid}",
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": None,
                "human_total_time_spent": None,
            },
            "task_completion_status": {"count": 0, "completed_count": 0},
            "weight": issue.weight,
            "blocking_issues_count": sum(t == "blocks" for t in issue.links.values()),
            "has_tasks": False,
            "_links": self._links_json(issue, project),
            "references": {
                "short": f"#{issue.iid}",
                "relative": f"#{issue.iid}",
                "full": f"{issue.project}#{issue.iid}",
            },
            "severity": "UNKNOWN",
            "moved_to_id": issue.moved_to_id,
            "service_desk_reply_to": None,
        }

    def issue_bytes(self, issue: FakeIssue) -> bytes:
        """``issue_json`` as sent, cached until a change (every change clears ``cache``)."""
        if issue.cache is None or issue.cache[0] != issue.updated_at:
            issue.cache = (issue.updated_at, dumps(self.issue_json(issue)))
        return issue.cache[1]

    def _links_json(self, issue: FakeIssue, project: Project) -> JSON:
        base = f"{self.api_base}/projects/{project.id}"
        links: JSON = {
            "self": f"{base}/issues/{issue.iid}",
            "notes": f"{base}/issues/{issue.iid}/notes",
            "award_emoji": f"{base}/issues/{issue.iid}/award_emoji",
            "project": base,
            "closed_as_duplicate_of": None,
        }
        original = self.issues_by_id.get(issue.duplicate_of or 0)
        if original is not None:
            other = self.projects[original.project].id
            links["closed_as_duplicate_of"] = (
                f"{self.api_base}/projects/{other}/issues/{original.iid}"
            )
        return links

    def note_json(self, note: Note, issue: FakeIssue) -> JSON:
        return {
            "id": note.id,
            "type": None,
            "body": note.text(issue.project),
            "attachment": None,
            "author": self.user_json(note.author),
            "created_at": render_time(note.created_at),
            "updated_at": render_time(note.created_at),
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": self.projects[issue.project].id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "noteable_iid": issue.iid,
        }

    def linked_json(self, issue: FakeIssue) -> list[JSON]:
        found = []
        for link_id, (other_id, link_type) in enumerate(sorted(issue.links.items()), start=1):
            other = self.issues_by_id.get(other_id)
            if other is None:
                continue
            item = self.issue_json(other)
            item.update(
                issue_link_id=link_id,
                link_type=link_type,
                link_created_at=item["created_at"],
                link_updated_at=item["updated_at"],
            )
            found.append(item)
        return found


def relative_reference(project: str, iid: int, from_project: str) -> str:
    """A reference as GitLab writes it from ``from_project``: ``#N`` in the same project,
    ``name#N`` for a sibling in the same group, the full path otherwise."""
    if project == from_project:
        return f"#{iid}"
    if project.rsplit("/", 1)[0] == from_project.rsplit("/", 1)[0] and "/" in project:
        return f"{project.rsplit('/', 1)[1]}#{iid}"
    return f"{project}#{iid}"


def dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
