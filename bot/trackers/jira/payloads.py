"""Jira Cloud payloads → provider-neutral models. Pure functions over decoded JSON.

Search results (``IssueBean`` with the fields the sync asks for, and ``expand=changelog``),
comment pages and changelog pages are validated by payload models that ignore unknown
fields (a real site sends dozens of ``customfield_*``); ``to_issue`` turns one issue, with
its complete comments and changelog, into an ``Issue``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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
)
from bot.core.references import reference_links
from bot.core.sources import SourceMap
from bot.trackers.jira.adf import adf_to_text

#: Fields the sync asks search for (plus the configured story-points field).
SEARCH_FIELDS = (
    "summary", "description", "status", "resolution", "resolutiondate",
    "statuscategorychangedate", "labels", "components", "assignee", "reporter", "created",
    "updated", "issuelinks", "comment", "project", "votes",
)  # fmt: skip
_NOT_PLANNED = frozenset(
    {"won't do", "won't fix", "cannot reproduce", "incomplete", "declined", "obsolete",
     "not a bug", "rejected", "abandoned"}
)  # fmt: skip


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class JiraUser(_Payload):
    accountId: str | None = None  # noqa: N815 - Jira's spelling
    displayName: str | None = None  # noqa: N815
    emailAddress: str | None = None  # noqa: N815
    accountType: str | None = None  # noqa: N815


class _Named(_Payload):
    name: str = ""


class _StatusCategory(_Payload):
    key: str = ""


class _Status(_Payload):
    name: str = ""
    statusCategory: _StatusCategory | None = None  # noqa: N815


class _Project(_Payload):
    key: str


class _LinkType(_Payload):
    name: str = ""
    inward: str = ""
    outward: str = ""


class _LinkedIssue(_Payload):
    key: str | None = None


class JiraLink(_Payload):
    type: _LinkType = _LinkType()
    inwardIssue: _LinkedIssue | None = None  # noqa: N815
    outwardIssue: _LinkedIssue | None = None  # noqa: N815


class JiraComment(_Payload):
    id: str = ""
    author: JiraUser | None = None
    body: Any = None
    created: AwareDatetime


class CommentPage(_Payload):
    """``PageOfComments``: the ``comment`` field of an issue, or ``GET …/comment``."""

    comments: list[JiraComment] = Field(default_factory=list)
    startAt: int = 0  # noqa: N815
    maxResults: int = 0  # noqa: N815
    total: int = 0


class _Votes(_Payload):
    votes: int = 0


class JiraFields(BaseModel):
    """The fields of an ``IssueBean``; custom fields stay in ``model_extra``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    summary: str
    description: Any = None
    status: _Status | None = None
    resolution: _Named | None = None
    resolutiondate: AwareDatetime | None = None
    statuscategorychangedate: AwareDatetime | None = None
    labels: list[str] = Field(default_factory=list)
    components: list[_Named] = Field(default_factory=list)
    assignee: JiraUser | None = None
    reporter: JiraUser | None = None
    created: AwareDatetime
    updated: AwareDatetime
    issuelinks: list[JiraLink] = Field(default_factory=list)
    # The official examples show a bare list; real sites send a ``PageOfComments``.
    comment: CommentPage | list[JiraComment] | None = None
    project: _Project | None = None
    votes: _Votes | None = None


class ChangeItem(_Payload):
    field: str = ""
    fromString: str | None = None  # noqa: N815
    toString: str | None = None  # noqa: N815


class History(_Payload):
    """One changelog entry (``ChangeHistory``)."""

    id: str = ""
    created: AwareDatetime
    items: list[ChangeItem] = Field(default_factory=list)


class _Changelog(_Payload):
    """``PageOfChangelogs``: the changelog that ``expand=changelog`` embeds."""

    histories: list[History] = Field(default_factory=list)
    maxResults: int = 0  # noqa: N815
    total: int = 0


class ChangelogPage(_Payload):
    """``GET /rest/api/3/issue/{key}/changelog`` (``PageBeanChangelog``)."""

    values: list[History] = Field(default_factory=list)
    startAt: int = 0  # noqa: N815
    maxResults: int = 0  # noqa: N815
    total: int = 0
    isLast: bool | None = None  # noqa: N815


def embedded_complete(count: int, max_results: int, total: int) -> bool:
    """Whether an embedded page of ``count`` items holds all there are.

    Atlassian's spec describes ``total`` as the number of results *on the page*; sites are
    reported to send the number of all results. Under the first reading ``total`` says
    nothing about what is left, so completeness cannot hang on it alone: a page is complete
    only when it is empty, or holds fewer than ``maxResults`` ("the maximum number of
    results that could be on the page") and no fewer than ``total``. A full page (as Jira
    fills ``maxResults`` with the number embedded, every non-empty one) is fetched whole.
    """
    if count == 0:
        return total == 0
    return count >= total and count < max_results


class JiraIssue(_Payload):
    """One ``IssueBean`` of a search answer."""

    id: str
    key: str
    fields: JiraFields
    changelog: _Changelog | None = None

    @property
    def embedded_comments(self) -> CommentPage:
        comment = self.fields.comment
        if isinstance(comment, list):
            # The bare list of the official examples: how many there could be is unknown.
            return CommentPage(comments=comment, maxResults=len(comment), total=len(comment))
        return comment or CommentPage()

    @property
    def comments_complete(self) -> bool:
        """Whether the embedded comments are all of them (see ``embedded_complete``)."""
        page = self.embedded_comments
        return embedded_complete(len(page.comments), page.maxResults, page.total)

    @property
    def changelog_complete(self) -> bool:
        """Whether the embedded changelog is all of it (see ``embedded_complete``)."""
        log = self.changelog
        return log is not None and embedded_complete(len(log.histories), log.maxResults, log.total)


def actor(user: JiraUser | None) -> Actor | None:
    """A Jira account as an ``Actor`` keyed by its account id (None without one)."""
    if user is None or not user.accountId:
        return None
    return Actor(
        tracker=TrackerKind.JIRA,
        handle=user.accountId,
        display_name=user.displayName,
        email=user.emailAddress,
        is_bot=user.accountType == "app",
    )


def to_issue(
    raw: JiraIssue,
    *,
    source: str,
    site: str,
    source_map: SourceMap,
    comments: Sequence[JiraComment] | None = None,
    histories: Sequence[History] | None = None,
    story_points_field: str | None = None,
) -> Issue:
    """``raw`` as an ``Issue`` of ``source``; ``comments`` / ``histories`` replace the
    embedded ones when the caller read them whole. ``ownership_changes`` is None when no
    changelog was read. Raises ``ValueError`` for a story-points value that is no number."""
    f, closed = raw.fields, _is_done(raw.fields)
    if histories is None and raw.changelog is not None:
        histories = raw.changelog.histories
    notes = tuple(map(_comment, raw.embedded_comments.comments if comments is None else comments))
    return Issue(
        source=source,
        key=raw.key,
        url=f"{site.rstrip('/')}/browse/{raw.key}",
        title=f.summary,
        body=adf_to_text(f.description),
        state=IssueState.CLOSED if closed else IssueState.OPEN,
        state_reason=state_reason(f.resolution.name if f.resolution else None) if closed else None,
        container=f.project.key if f.project else raw.key.rsplit("-", 1)[0],
        labels=tuple(f.labels),
        components=tuple(c.name for c in f.components if c.name),
        author=actor(f.reporter),
        assignees=tuple(a for a in [actor(f.assignee)] if a is not None),
        created_at=f.created.astimezone(UTC),
        updated_at=f.updated.astimezone(UTC),
        closed_at=_closed_at(f) if closed else None,
        comments=notes,
        reactions=f.votes.votes if f.votes else 0,
        story_points=_story_points(f, story_points_field),
        links=_links(raw, notes, source=source, source_map=source_map),
        ownership_changes=None if histories is None else ownership_changes(histories),
    )


def _is_done(f: JiraFields) -> bool:
    """Whether the status is in Jira's "done" category (closed, whatever its name)."""
    return (
        f.status is not None
        and f.status.statusCategory is not None
        and (f.status.statusCategory.key == "done")
    )


def _links(
    raw: JiraIssue, notes: tuple[Comment, ...], *, source: str, source_map: SourceMap
) -> tuple[IssueLink, ...]:
    """The issue's typed links, then the references its text makes to other issues."""
    f = raw.fields
    typed = _typed_links(f.issuelinks, source)
    texts = _texts(raw.key, f.summary, adf_to_text(f.description), notes)
    mentions = reference_links(
        texts,
        exclude=raw.key,
        source_of=lambda ref: source_map.source_of(ref, home=source),
        skip={link.target.key for link in typed},
    )
    return (*typed, *mentions)


def state_reason(resolution: str | None) -> StateReason:
    """Jira's resolution name as a reason: Duplicate, the not-planned family, else done."""
    name = (resolution or "").strip().lower()
    if name == "duplicate":
        return StateReason.DUPLICATE
    if name in _NOT_PLANNED:
        return StateReason.NOT_PLANNED
    return StateReason.COMPLETED


def ownership_changes(histories: Sequence[History]) -> tuple[OwnershipChange, ...]:
    """Moves between projects (a ``Key`` change) and components (one removed, one added in
    the same change), oldest first."""
    moves: list[OwnershipChange] = []
    for history in sorted(histories, key=lambda h: h.created):
        at = history.created.astimezone(UTC)
        for item in history.items:
            if item.field.lower() == "key" and item.fromString and item.toString:
                old, new = item.fromString.rsplit("-", 1)[0], item.toString.rsplit("-", 1)[0]
                if old != new:
                    moves.append(OwnershipChange(at=at, from_container=old, to_container=new))
        parts = [i for i in history.items if i.field.lower() == "component"]
        removed = [i.fromString for i in parts if i.fromString]
        added = [i.toString for i in parts if i.toString]
        moves += [
            OwnershipChange(at=at, from_container=old, to_container=new)
            for old, new in zip(removed, added, strict=False)
        ]
    return tuple(moves)


def former_keys(histories: Sequence[History]) -> list[str]:
    """Keys the issue had before it moved to another project (changelog ``Key`` items)."""
    return [
        item.fromString
        for history in histories
        for item in history.items
        if item.field.lower() == "key" and item.fromString
    ]


_LINK_KINDS = {
    ("blocks", True): LinkKind.BLOCKS,
    ("blocks", False): LinkKind.BLOCKED_BY,
    ("duplicate", True): LinkKind.DUPLICATES,
    ("duplicate", False): LinkKind.DUPLICATED_BY,
}


def _typed_links(links: Sequence[JiraLink], source: str) -> tuple[IssueLink, ...]:
    """Issue links as typed links pinned to ``source``; a link without a key is skipped."""
    typed: dict[tuple[LinkKind, str], IssueLink] = {}
    for link in links:
        outward = link.outwardIssue is not None and bool(link.outwardIssue.key)
        other = link.outwardIssue if outward else link.inwardIssue
        if other is None or not other.key:
            continue
        kind = _LINK_KINDS.get((link.type.name.lower(), outward), LinkKind.RELATES)
        verb = (link.type.outward if outward else link.type.inward) or link.type.name
        evidence = f"{verb} {other.key} (Jira issue link)"
        typed.setdefault(
            (kind, other.key),
            IssueLink(kind=kind, target=IssueRef(key=other.key, source=source), evidence=evidence),
        )
    return tuple(typed.values())


def _texts(key: str, title: str, body: str, comments: Sequence[Comment]) -> list[tuple[str, str]]:
    texts = [(title, f"mentioned in the title of {key}"), (body, f"mentioned in the body of {key}")]
    for comment in comments:
        who = comment.author.display_name or comment.author.handle if comment.author else "someone"
        when = comment.created_at.date().isoformat()
        texts.append((comment.body, f"mentioned in a comment by {who} on {when}"))
    return texts


def _comment(comment: JiraComment) -> Comment:
    return Comment(
        author=actor(comment.author),
        created_at=comment.created.astimezone(UTC),
        body=adf_to_text(comment.body),
    )


def _closed_at(f: JiraFields) -> datetime:
    """When it was resolved; without a resolution date, when its status category changed."""
    moment = f.resolutiondate or f.statuscategorychangedate or f.updated
    return moment.astimezone(UTC)


def _story_points(f: JiraFields, field: str | None) -> float | None:
    value = (f.model_extra or {}).get(field) if field else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"story points field {field} holds {value!r}, not a number ≥ 0")
    return float(value)
