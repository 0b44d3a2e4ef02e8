"""GitHub payloads → provider-neutral models. Pure functions over decoded JSON.

REST issue items and GraphQL detail nodes are validated by payload models that ignore
unknown fields (GitHub adds fields often); ``to_issue`` joins them into an ``Issue``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

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
    PullRequest,
    StateReason,
    TrackerKind,
    Visibility,
)
from bot.core.sources import SourceMap
from bot.trackers.github.text import github_text_links


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RestUser(_Payload):
    login: str
    type: str = "User"


class _RestLabel(_Payload):
    name: str


class _Reactions(_Payload):
    total_count: int = 0


class RestIssue(_Payload):
    """One item of ``GET /repos/{owner}/{repo}/issues`` (pull requests included)."""

    node_id: str = ""  # absent from very old API answers: no GraphQL details then
    number: int
    title: str
    body: str | None = None
    state: Literal["open", "closed"]
    state_reason: str | None = None
    html_url: str
    url: str = ""
    repository_url: str = ""
    user: RestUser | None = None
    labels: list[_RestLabel | str] = Field(default_factory=list)
    assignees: list[RestUser] | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    reactions: _Reactions | None = None
    pull_request: dict[str, Any] | None = None

    @property
    def is_pull_request(self) -> bool:
        return self.pull_request is not None

    @property
    def repo(self) -> str:
        """``owner/repo`` from ``repository_url`` (github.com and GHES alike), or from the
        issue's API ``url`` (``…/repos/o/r/issues/N``) where older answers lack it."""
        if self.repository_url:
            parts = urlsplit(self.repository_url).path.rstrip("/").split("/")
            return f"{parts[-2]}/{parts[-1]}"
        parts = urlsplit(self.url or self.html_url).path.rstrip("/").split("/")
        return f"{parts[-4]}/{parts[-3]}"


@dataclass(frozen=True)
class IssueDetails:
    """What the GraphQL detail query adds to a REST issue."""

    comments: tuple[Comment, ...] = ()
    backlinks: tuple[IssueLink, ...] = ()
    moves: tuple[OwnershipChange, ...] = ()
    closer_ids: tuple[str, ...] = ()
    pull_requests: tuple[tuple[str, PullRequest], ...] = ()  # closers the query brought whole
    timeline_cursor: str | None = None  # set when more timeline pages remain
    extra: dict[str, Any] = field(default_factory=dict)
    # Repository.visibility (PUBLIC / PRIVATE / INTERNAL): internal repositories are hidden
    # from outside the enterprise, so only PUBLIC is public. Unknown (no details): restricted.
    visibility: Visibility = Visibility.RESTRICTED


def actor(user: Mapping[str, Any] | RestUser | None) -> Actor | None:
    """A GitHub user or bot as an ``Actor`` (``None`` for a deleted account)."""
    if user is None:
        return None
    if isinstance(user, RestUser):
        login, kind = user.login, user.type
    else:
        login, kind = str(user.get("login") or ""), str(user.get("__typename", "User"))
    if not login:
        return None
    is_bot = kind == "Bot" or login.endswith("[bot]")
    return Actor(tracker=TrackerKind.GITHUB, handle=login, is_bot=is_bot)


def parse_details(node: Mapping[str, Any], *, source: str) -> IssueDetails:
    """Comments, backlinks, moves and closing pull requests from an ``IssueDetails`` node
    (whole where the query brought them, else as ids to fetch)."""
    comments = tuple(
        Comment(
            author=actor(c.get("author")),
            created_at=_time(c["createdAt"]),
            body=c.get("body") or "",
        )
        for c in node.get("comments", {}).get("nodes", [])
    )
    timeline = node.get("timelineItems") or {}
    backlinks, moves, closers = parse_timeline(timeline.get("nodes", []), source=source)
    referenced = [
        pr for pr in (node.get("closedByPullRequestsReferences") or {}).get("nodes", []) if pr
    ]
    closers += tuple(pr["id"] for pr in referenced if pr.get("id") not in closers)
    whole = tuple((pr["id"], parse_pull_request(pr)) for pr in referenced if "number" in pr)
    page = timeline.get("pageInfo") or {}
    return IssueDetails(
        comments=comments,
        backlinks=backlinks,
        moves=moves,
        closer_ids=tuple(dict.fromkeys(closers)),
        pull_requests=whole,
        timeline_cursor=page.get("endCursor") if page.get("hasNextPage") else None,
        visibility=repository_visibility((node.get("repository") or {}).get("visibility")),
    )


def repository_visibility(value: object) -> Visibility:
    """GitHub's ``RepositoryVisibility`` (GraphQL ``PUBLIC``/``PRIVATE``/``INTERNAL``, REST
    ``public``/``private``/``internal``) as an issue's visibility: public only for public."""
    return Visibility.PUBLIC if str(value).lower() == "public" else Visibility.RESTRICTED


def parse_timeline(
    items: Sequence[Mapping[str, Any]], *, source: str
) -> tuple[tuple[IssueLink, ...], tuple[OwnershipChange, ...], tuple[str, ...]]:
    """Backlinks (cross-references, duplicates), moves and closer ids from timeline items."""
    links: list[IssueLink] = []
    moves: list[OwnershipChange] = []
    closers: list[str] = []
    for item in items:
        kind = item.get("__typename")
        if kind == "CrossReferencedEvent" and _is_issue(item.get("source")):
            links.append(_backlink(item["source"], LinkKind.REFERENCED_BY, item, source))
        elif kind == "MarkedAsDuplicateEvent" and _is_issue(item.get("duplicate")):
            links.append(_backlink(item["duplicate"], LinkKind.DUPLICATED_BY, item, source))
        elif kind == "TransferredEvent" and item.get("fromRepository"):
            moves.append(_move(item))
        elif kind == "ClosedEvent" and (item.get("closer") or {}).get("id"):
            closers.append(item["closer"]["id"])
    return tuple(links), tuple(moves), tuple(closers)


def _is_issue(subject: Mapping[str, Any] | None) -> bool:
    # Pull requests that mention an issue are work on it, not another team's need for it.
    return bool(subject) and subject.get("__typename") == "Issue"  # type: ignore[union-attr]


def _backlink(
    subject: Mapping[str, Any], kind: LinkKind, item: Mapping[str, Any], source: str
) -> IssueLink:
    key = f"{subject['repository']['nameWithOwner']}#{subject['number']}"
    when = _time(item["createdAt"]).date().isoformat()
    verb = "referenced" if kind is LinkKind.REFERENCED_BY else "marked as its duplicate"
    return IssueLink(
        kind=kind,
        target=IssueRef(key=key, source=source),
        evidence=f"{key} {verb} on {when} (GitHub timeline)",
    )


def _move(item: Mapping[str, Any]) -> OwnershipChange:
    return OwnershipChange(
        at=_time(item["createdAt"]),
        from_container=item["fromRepository"]["nameWithOwner"],
        to_container="",  # filled by to_issue: the repo it now lives in
    )


def parse_pull_request(node: Mapping[str, Any]) -> PullRequest:
    """A ``PullRequests`` node: author, merge state and the people who reviewed it."""
    reviewers = [actor(r.get("author")) for r in (node.get("reviews") or {}).get("nodes", [])]
    unique = tuple(dict.fromkeys(r for r in reviewers if r is not None))
    return PullRequest(
        key=f"{node['repository']['nameWithOwner']}#{node['number']}",
        url=node.get("url"),
        author=actor(node.get("author")),
        merged=bool(node.get("merged")),
        reviewers=unique,
    )


def to_issue(
    rest: RestIssue,
    details: IssueDetails,
    closers: Sequence[PullRequest],
    *,
    source: str,
    source_map: SourceMap | None = None,
) -> Issue:
    """Join a REST item with its GraphQL details into an ``Issue``; ``source_map`` pins
    references to other trackers."""
    repo = rest.repo
    key = f"{repo}#{rest.number}"
    closed = rest.state == "closed"
    text_links = _text_links(rest, details, key=key, source=source, source_map=source_map)
    return Issue(
        source=source,
        key=key,
        url=rest.html_url,
        title=rest.title,
        body=rest.body or "",
        state=IssueState.CLOSED if closed else IssueState.OPEN,
        state_reason=_state_reason(rest.state_reason) if closed else None,
        container=repo,
        labels=tuple(lb if isinstance(lb, str) else lb.name for lb in rest.labels),
        author=actor(rest.user),
        assignees=tuple(a for a in map(actor, rest.assignees or []) if a is not None),
        created_at=rest.created_at.astimezone(UTC),
        updated_at=rest.updated_at.astimezone(UTC),
        closed_at=rest.closed_at.astimezone(UTC) if closed and rest.closed_at else None,
        comments=details.comments,
        reactions=rest.reactions.total_count if rest.reactions else 0,
        links=_merge_links(text_links, details.backlinks),
        visibility=details.visibility,
        closed_by=tuple(closers),
        ownership_changes=_chain(details.moves, repo),
    )


def _text_links(
    rest: RestIssue,
    details: IssueDetails,
    *,
    key: str,
    source: str,
    source_map: SourceMap | None,
) -> tuple[IssueLink, ...]:
    """The links the issue's title, body and comments write out."""
    return github_text_links(
        title=rest.title,
        body=rest.body or "",
        comments=details.comments,
        key=key,
        container=rest.repo,
        source=source,
        host=urlsplit(rest.html_url).netloc.lower(),
        source_map=source_map,
    )


def _merge_links(*groups: Sequence[IssueLink]) -> tuple[IssueLink, ...]:
    seen: dict[tuple[LinkKind, str | None, str], IssueLink] = {}
    for link in (link for group in groups for link in group):
        seen.setdefault((link.kind, link.target.source, link.target.key.casefold()), link)
    return tuple(seen.values())


def _chain(moves: Sequence[OwnershipChange], current: str) -> tuple[OwnershipChange, ...]:
    """Fill each move's destination: the next move's origin, or where the issue is now."""
    ordered = sorted(moves, key=lambda m: m.at)
    if not ordered:
        return ()
    destinations = [m.from_container for m in ordered[1:]] + [current]
    return tuple(
        m.model_copy(update={"to_container": dest})
        for m, dest in zip(ordered, destinations, strict=True)
    )


_STATE_REASONS = {
    "completed": StateReason.COMPLETED,
    "not_planned": StateReason.NOT_PLANNED,
    "duplicate": StateReason.DUPLICATE,
}


def _state_reason(value: str | None) -> StateReason | None:
    return _STATE_REASONS.get((value or "").lower())


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
