"""GitLab REST v4 payloads → provider-neutral models. Pure functions over decoded JSON.

Issue, note and linked-issue answers are validated by payload models that ignore unknown
fields (GitLab adds fields with most releases); ``to_issue`` joins an issue with its notes
and links into an ``Issue``. System notes are not comments, but two kinds are read: "mentioned
in issue X" (a backlink) and "moved from X" (GitLab copies a moved issue's notes, so the
newest copy holds every earlier move).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bot.core.models import (
    Actor,
    Comment,
    Issue,
    IssueLink,
    IssueRef,
    IssueState,
    LinkKind,
    OwnershipChange,
    StateReason,
    TrackerKind,
    Visibility,
)
from bot.core.references import reference_links
from bot.core.sources import SourceMap
from bot.trackers.http import TrackerError


class PayloadError(TrackerError):
    """A GitLab answer that does not have the shape of the API (names what is wrong)."""


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GitLabUser(_Payload):
    id: int | None = None
    username: str
    name: str | None = None
    email: str | None = None
    bot: bool = False


class _References(_Payload):
    full: str


class _Label(_Payload):
    name: str


class _IssueLinks(_Payload):
    closed_as_duplicate_of: str | None = None


class GitLabIssue(_Payload):
    """One item of ``GET /projects/:id/issues`` or ``/groups/:id/issues``."""

    id: int
    iid: int
    project_id: int
    title: str
    description: str | None = None
    state: str  # "opened" | "closed" (GitLab also knows "locked", which is open)
    web_url: str
    references: _References | None = None
    labels: list[str | _Label] = Field(default_factory=list)
    author: GitLabUser | None = None
    assignees: list[GitLabUser] | None = None
    assignee: GitLabUser | None = None  # the only one on very old instances
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    user_notes_count: int = 0
    upvotes: int = 0
    weight: int | None = None
    moved_to_id: int | None = None
    links: _IssueLinks | None = Field(default=None, validation_alias="_links")
    # Visible only to the project's members with the Reporter role or above (Planner in newer
    # versions), its author and its assignees: GitLab's "confidential issues"
    # (docs.gitlab.com/user/project/issues/confidential_issues); the v4 issue schema
    # (public_api/v4/issue.json) requires the field.
    confidential: bool = False

    @property
    def key(self) -> str:
        """``group/sub/project#iid``: ``references.full``, else from ``web_url``."""
        if self.references is not None:
            return self.references.full
        return f"{project_path_of(self.web_url)}#{self.iid}"

    @property
    def project(self) -> str:
        return self.key.rsplit("#", 1)[0]

    @property
    def moved(self) -> bool:
        """Closed because it was moved to another project (its successor lives on)."""
        return self.state == "closed" and self.moved_to_id is not None


class GitLabNote(_Payload):
    """One item of ``GET /projects/:id/issues/:iid/notes``."""

    id: int
    body: str = ""
    author: GitLabUser | None = None
    created_at: AwareDatetime
    system: bool = False
    internal: bool = False


class GitLabLinkedIssue(_Payload):
    """One item of ``GET /projects/:id/issues/:iid/links``: the other issue, and how."""

    iid: int
    web_url: str
    references: _References | None = None
    link_type: str = "relates_to"

    @property
    def key(self) -> str:
        if self.references is not None:
            return self.references.full
        return f"{project_path_of(self.web_url)}#{self.iid}"


def parse_issue(item: object) -> GitLabIssue:
    """Validate one issue object; raises ``PayloadError`` naming the problem."""
    return _parse(GitLabIssue, item, "an issue")


def parse_note(item: object) -> GitLabNote:
    return _parse(GitLabNote, item, "a note")


def parse_linked_issue(item: object) -> GitLabLinkedIssue:
    return _parse(GitLabLinkedIssue, item, "a linked issue")


def parse_user(item: object) -> GitLabUser:
    return _parse(GitLabUser, item, "a user")


_M = TypeVar("_M", bound=_Payload)


def _parse(model: type[_M], item: object, what: str) -> _M:
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise PayloadError(f"GitLab sent {what} with a bad {where}: {first['msg']}") from exc


_ISSUE_PATH = re.compile(r"^/(?P<path>.+?)(?:/-)?/(?:issues|work_items)/\d+/?$")


def project_path_of(web_url: str) -> str:
    """``group/sub/project`` from an issue's web address (``…/-/issues/N`` or ``…/issues/N``).
    Raises ``PayloadError`` for any other address."""
    match = _ISSUE_PATH.match(urlsplit(web_url).path)
    if match is None:
        raise PayloadError(f"not a GitLab issue address: {web_url!r}")
    return match["path"]


def actor(user: GitLabUser | None) -> Actor | None:
    """A GitLab user as an ``Actor`` keyed by username (what teams.yaml ``gitlab:`` holds)."""
    if user is None or not user.username:
        return None
    return Actor(
        tracker=TrackerKind.GITLAB,
        handle=user.username,
        display_name=user.name or None,
        email=user.email or None,
        is_bot=user.bot or bool(_BOT_NAME.search(user.username)),
    )


# Project / group access-token users (``project_42_bot_1a2b``) and GitLab's own bots.
_BOT_NAME = re.compile(r"^(?:project|group)_\d+_bot(?:_[0-9a-f]+)?$|^(?:alert|support|ghost)-bot$")

_LINK_KINDS = {
    "relates_to": LinkKind.RELATES,
    "blocks": LinkKind.BLOCKS,
    "is_blocked_by": LinkKind.BLOCKED_BY,
}
_VERBS = {
    LinkKind.RELATES: "relates to",
    LinkKind.BLOCKS: "blocks",
    LinkKind.BLOCKED_BY: "is blocked by",
}
_MENTIONED = re.compile(r"^mentioned in (?:issue |work item )?(?P<ref>[\w.\-/]*#\d+)\s*$")
_MOVED_FROM = re.compile(r"^moved from (?P<ref>[\w.\-/]*#\d+)\s*$")


def typed_links(linked: Sequence[GitLabLinkedIssue], *, source: str) -> tuple[IssueLink, ...]:
    """Issue links as typed links pinned to ``source`` (other projects of it included)."""
    return tuple(
        IssueLink(
            kind=kind,
            target=IssueRef(key=item.key, source=source),
            evidence=f"{_VERBS[kind]} {item.key} (GitLab issue link)",
        )
        for item in linked
        for kind in [_LINK_KINDS.get(item.link_type, LinkKind.RELATES)]
    )


def resolve_reference(ref: str, project: str) -> str:
    """A reference as GitLab writes it in notes, relative to ``project``, made full:
    ``#12`` → ``project#12``; ``proj#12`` → a sibling in the same group; ``a/b#12`` as is."""
    path, _, iid = ref.rpartition("#")
    if not path:
        return f"{project}#{iid}"
    if "/" not in path and "/" in project:
        return f"{project.rsplit('/', 1)[0]}/{path}#{iid}"
    return ref


def backlinks(notes: Sequence[GitLabNote], *, project: str, source: str) -> tuple[IssueLink, ...]:
    """``REFERENCED_BY`` links from "mentioned in issue X" system notes."""
    links = []
    for note in notes:
        match = _MENTIONED.match(note.body.strip()) if note.system else None
        if match:
            key = resolve_reference(match["ref"], project)
            when = note.created_at.astimezone(UTC).date().isoformat()
            links.append(
                IssueLink(
                    kind=LinkKind.REFERENCED_BY,
                    target=IssueRef(key=key, source=source),
                    evidence=f"{key} mentioned it on {when} (GitLab system note)",
                )
            )
    return tuple(links)


def moves(notes: Sequence[GitLabNote], *, project: str) -> tuple[OwnershipChange, ...]:
    """Every move, oldest first, from "moved from X" system notes; each one's destination is
    the next move's origin, or ``project`` for the last."""
    origins = sorted(
        (note.created_at.astimezone(UTC), resolve_reference(m["ref"], project).rsplit("#", 1)[0])
        for note in notes
        if note.system
        for m in [_MOVED_FROM.match(note.body.strip())]
        if m
    )
    if not origins:
        return ()
    destinations = [origin for _, origin in origins[1:]] + [project]
    return tuple(
        OwnershipChange(at=at, from_container=origin, to_container=dest)
        for (at, origin), dest in zip(origins, destinations, strict=True)
    )


def comments(notes: Sequence[GitLabNote]) -> tuple[Comment, ...]:
    """People's notes, oldest first: system notes and internal (confidential) notes left out."""
    people = [n for n in notes if not n.system and not n.internal]
    return tuple(
        Comment(author=actor(n.author), created_at=n.created_at.astimezone(UTC), body=n.body)
        for n in sorted(people, key=lambda n: (n.created_at, n.id))
    )


def to_issue(
    issue: GitLabIssue,
    notes: Sequence[GitLabNote],
    linked: Sequence[GitLabLinkedIssue],
    *,
    source: str,
    source_map: SourceMap,
    project_visibility: str | None = None,
) -> Issue:
    """Join an issue with its notes and links into an ``Issue`` of ``source``: public only
    when its project's ``visibility`` is ``public`` (unknown: private) and it is not
    confidential. Deterministic; raises ``PayloadError`` only for an unknowable key."""
    key, project = issue.key, issue.project
    said = comments(notes)
    closed = issue.state == "closed"
    return Issue(
        source=source,
        key=key,
        url=issue.web_url,
        title=issue.title,
        body=issue.description or "",
        state=IssueState.CLOSED if closed else IssueState.OPEN,
        state_reason=_state_reason(issue) if closed else None,
        container=project,
        labels=tuple(lb if isinstance(lb, str) else lb.name for lb in issue.labels),
        author=actor(issue.author),
        assignees=_assignees(issue),
        created_at=issue.created_at.astimezone(UTC),
        updated_at=issue.updated_at.astimezone(UTC),
        closed_at=issue.closed_at.astimezone(UTC) if closed and issue.closed_at else None,
        comments=said,
        reactions=max(0, issue.upvotes),
        story_points=_story_points(issue),
        links=_links(issue, said, notes, linked, source=source, source_map=source_map),
        ownership_changes=moves(notes, project=project),
        confidential=issue.confidential,
        visibility=_visibility(issue, project_visibility),
    )


def _state_reason(issue: GitLabIssue) -> StateReason | None:
    """A closed issue's reason: duplicate when GitLab closed it as one, else not said."""
    duplicate = issue.links is not None and issue.links.closed_as_duplicate_of
    return StateReason.DUPLICATE if duplicate else None


def _story_points(issue: GitLabIssue) -> float | None:
    """GitLab's weight (a negative one is none)."""
    return float(issue.weight) if issue.weight is not None and issue.weight >= 0 else None


def _visibility(issue: GitLabIssue, project_visibility: str | None) -> Visibility:
    """Restricted when confidential, else its project's."""
    return (
        Visibility.RESTRICTED if issue.confidential else project_visibility_of(project_visibility)
    )


def _links(
    issue: GitLabIssue,
    said: Sequence[Comment],
    notes: Sequence[GitLabNote],
    linked: Sequence[GitLabLinkedIssue],
    *,
    source: str,
    source_map: SourceMap,
) -> tuple[IssueLink, ...]:
    """Typed links, then references the text makes, then notes saying another issue
    mentioned this one; each target once."""
    key, project = issue.key, issue.project
    typed = typed_links(linked, source=source)
    mentioned = reference_links(
        _texts(issue, said, key),
        exclude=key,
        source_of=lambda ref: source_map.source_of(ref, home=source),
        container=project,
        skip=[link.target.key for link in typed],
    )
    return _merge(typed, mentioned, backlinks(notes, project=project, source=source))


def project_visibility_of(value: str | None) -> Visibility:
    """A project's ``visibility`` (``private``, ``internal`` — any signed-in user of the
    instance — or ``public``) as its issues': public only for public."""
    return Visibility.PUBLIC if value == "public" else Visibility.RESTRICTED


def _texts(issue: GitLabIssue, said: Sequence[Comment], key: str) -> list[tuple[str, str]]:
    texts = [
        (issue.title, f"mentioned in the title of {key}"),
        (issue.description or "", f"mentioned in the body of {key}"),
    ]
    for comment in said:
        who = comment.author.handle if comment.author else "ghost"
        when = comment.created_at.date().isoformat()
        texts.append((comment.body, f"mentioned in a comment by @{who} on {when}"))
    return texts


def _assignees(issue: GitLabIssue) -> tuple[Actor, ...]:
    users = issue.assignees if issue.assignees is not None else [issue.assignee]
    found = (actor(u) for u in users if u is not None)
    return tuple(dict.fromkeys(a for a in found if a is not None))


def _merge(*groups: Sequence[IssueLink]) -> tuple[IssueLink, ...]:
    seen: dict[tuple[LinkKind, str | None, str], IssueLink] = {}
    for link in (link for group in groups for link in group):
        seen.setdefault((link.kind, link.target.source, link.target.key.casefold()), link)
    return tuple(seen.values())


def issue_items(body: object) -> list[Mapping[str, Any]]:
    """A list answer's objects; raises ``PayloadError`` when the answer is not a list of them."""
    if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
        raise PayloadError(f"GitLab sent {type(body).__name__} where a list was expected")
    return body


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
