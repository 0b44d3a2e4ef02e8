"""Linear issue nodes → provider-neutral ``Issue``. Pure functions over decoded JSON.

Decisions a reader should know:

- ``identifier`` (``ENG-12``) is the key and the team key the container; a team move gives
  the issue a new identifier and lists the old ones in ``previousIdentifiers``, which the
  connector forgets.
- Workflow state types ``completed`` → closed, completed; ``canceled`` → closed, not planned
  (duplicate when the issue is marked as a duplicate of another); ``duplicate`` → closed,
  duplicate; everything else is open. An *archived* issue that is still open is stored closed
  as not planned (at ``archivedAt``): Linear hides it from every view, so no manager could
  act on it from a digest. *Trashed* (deleted) issues are not issues: ``is_deleted``.
- Relations ``blocks`` / ``duplicate`` / ``related`` become BLOCKS / DUPLICATES / RELATES, and
  from the other side BLOCKED_BY / DUPLICATED_BY / RELATES, pinned to this source;
  ``similar`` (a suggestion) is left out. Mentions in the title, description and comments
  become REFERENCES links pinned by the ``SourceMap``.
- People are ``Actor``s whose handle is the Linear user id (what ``teams.yaml`` ``linear:``
  holds); apps are bots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from bot.core.models import (
    Actor,
    Comment,
    Issue,
    IssueLink,
    IssueRef,
    IssueState,
    LinkKind,
    StateReason,
    TrackerKind,
    Visibility,
)
from bot.core.references import reference_links
from bot.core.sources import SourceMap
from bot.trackers.http import TrackerError

T = TypeVar("T")


class _Payload(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class LinearUser(_Payload):
    id: str = Field(min_length=1)
    name: str = ""
    display_name: str = ""
    email: str | None = None
    app: bool = False


class _Label(_Payload):
    name: str


class _IssueRef(_Payload):
    identifier: str


class LinearComment(_Payload):
    body: str = ""
    created_at: AwareDatetime
    user: LinearUser | None = None


class LinearRelation(_Payload):
    type: str
    related_issue: _IssueRef | None = None  # on ``relations``: the other issue
    issue: _IssueRef | None = None  # on ``inverseRelations``: the other issue


class PageInfo(_Payload):
    has_next_page: bool = False
    end_cursor: str | None = None


class Connection(_Payload, Generic[T]):
    nodes: list[T] = Field(default_factory=list)
    page_info: PageInfo = PageInfo()


class _State(_Payload):
    type: str


class LinearTeam(_Payload):
    key: str
    private: bool | None = None
    visibility: str | None = None

    @property
    def public(self) -> bool:
        """Visible to every member of the workspace (Linear's ``TeamVisibility.public``);
        a team that says neither ``private`` nor ``visibility`` counts as private."""
        if self.private or self.visibility not in (None, "public"):
            return False
        return self.visibility == "public" or self.private is False


class LinearIssue(_Payload):
    """One node of the ``issues`` listing (see ``queries.ISSUE``)."""

    id: str
    identifier: str = Field(pattern=r"^[A-Z0-9_]+-\d+$")
    url: str | None = None
    title: str
    description: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    completed_at: AwareDatetime | None = None
    canceled_at: AwareDatetime | None = None
    archived_at: AwareDatetime | None = None
    trashed: bool | None = None
    estimate: float | None = Field(default=None, ge=0)
    previous_identifiers: list[str] = Field(default_factory=list)
    state: _State
    team: LinearTeam
    assignee: LinearUser | None = None
    creator: LinearUser | None = None
    labels: Connection[_Label] = Connection[_Label]()
    comments: Connection[LinearComment] = Connection[LinearComment]()
    relations: Connection[LinearRelation] = Connection[LinearRelation]()
    inverse_relations: Connection[LinearRelation] = Field(
        default_factory=Connection[LinearRelation]
    )

    @property
    def is_deleted(self) -> bool:
        """Trashed: deleted in Linear (purged for good after 30 days)."""
        return bool(self.trashed)

    def more_needed(self) -> list[str]:
        """The nested connections (GraphQL names) with more items than came in the listing."""
        return [
            name
            for name, (attr, _) in _NESTED.items()
            if getattr(self, attr).page_info.has_next_page
        ]

    def end_cursor_of(self, name: str) -> str | None:
        """Where the next page of nested connection ``name`` starts."""
        connection: Connection[Any] = getattr(self, _NESTED[name][0])
        return connection.page_info.end_cursor

    def with_more(self, name: str, nodes: Sequence[Mapping[str, Any]]) -> LinearIssue:
        """This issue with ``nodes`` appended to nested connection ``name`` (now complete).
        Raises ``TrackerError`` when a node does not fit."""
        attr, model = _NESTED[name]
        current: Connection[Any] = getattr(self, attr)
        try:
            extra = [model.model_validate(node) for node in nodes]
        except ValidationError as exc:
            raise TrackerError(
                f"unexpected {name} of {self.identifier} from Linear: {exc}"
            ) from exc
        whole = current.model_copy(
            update={"nodes": [*current.nodes, *extra], "page_info": PageInfo()}
        )
        return self.model_copy(update={attr: whole})


_NESTED: dict[str, tuple[str, type[_Payload]]] = {
    "labels": ("labels", _Label),
    "comments": ("comments", LinearComment),
    "relations": ("relations", LinearRelation),
    "inverseRelations": ("inverse_relations", LinearRelation),
}


def parse_issue(node: Mapping[str, Any]) -> LinearIssue:
    """Validate one listing node; raises ``TrackerError`` naming what is wrong."""
    try:
        return LinearIssue.model_validate(node)
    except ValidationError as exc:
        ident = node.get("identifier", "?") if isinstance(node, Mapping) else "?"
        raise TrackerError(f"unexpected issue payload from Linear ({ident}): {exc}") from exc


def actor(user: LinearUser | None) -> Actor | None:
    """A Linear user as an ``Actor`` keyed by user id (``None`` for nobody)."""
    if user is None:
        return None
    return Actor(
        tracker=TrackerKind.LINEAR,
        handle=user.id,
        display_name=user.display_name or user.name or None,
        email=user.email or None,
        is_bot=user.app,
    )


def to_issue(issue: LinearIssue, *, source: str, source_map: SourceMap) -> Issue:
    """The provider-neutral ``Issue`` of a (not deleted) Linear issue; pure."""
    key = issue.identifier
    comments = tuple(
        Comment(author=actor(c.user), created_at=_utc(c.created_at), body=c.body)
        for c in issue.comments.nodes
    )
    state, reason, closed_at = _state(issue)
    typed = _relation_links(issue, source)
    texts = _texts(issue, comments)
    mentioned = reference_links(
        texts, exclude=key, source_of=lambda ref: source_map.source_of(ref, home=source)
    )
    return Issue(
        source=source,
        key=key,
        url=issue.url,
        title=issue.title,
        body=issue.description or "",
        state=state,
        state_reason=reason,
        container=issue.team.key,
        labels=tuple(label.name for label in issue.labels.nodes),
        author=actor(issue.creator),
        assignees=tuple(a for a in [actor(issue.assignee)] if a is not None),
        created_at=_utc(issue.created_at),
        updated_at=_utc(issue.updated_at),
        closed_at=closed_at,
        comments=comments,
        story_points=issue.estimate,
        links=(*typed, *mentioned),
        visibility=team_visibility(issue),
    )


def team_visibility(issue: LinearIssue) -> Visibility:
    """The visibility an issue takes from its team (see ``LinearTeam.public``)."""
    return visibility_of(issue.team)


def visibility_of(team: LinearTeam) -> Visibility:
    return Visibility.PUBLIC if team.public else Visibility.RESTRICTED


def parse_team(item: object) -> LinearTeam:
    """One node of the ``teams`` listing (``queries.TEAMS``)."""
    try:
        return LinearTeam.model_validate(item)
    except ValidationError as exc:
        raise TrackerError(f"unexpected team payload from Linear: {exc}") from exc


def _state(issue: LinearIssue) -> tuple[IssueState, StateReason | None, datetime | None]:
    kind = issue.state.type
    duplicate = any(r.type == "duplicate" for r in issue.relations.nodes)
    ended = issue.completed_at or issue.canceled_at or issue.archived_at or issue.updated_at
    if kind == "completed":
        return IssueState.CLOSED, StateReason.COMPLETED, _utc(issue.completed_at or ended)
    if kind == "duplicate" or (kind == "canceled" and duplicate):
        return IssueState.CLOSED, StateReason.DUPLICATE, _utc(issue.canceled_at or ended)
    if kind == "canceled":
        return IssueState.CLOSED, StateReason.NOT_PLANNED, _utc(issue.canceled_at or ended)
    if issue.archived_at is not None:
        return IssueState.CLOSED, StateReason.NOT_PLANNED, _utc(issue.archived_at)
    return IssueState.OPEN, None, None


_OUTGOING = {
    "blocks": (LinkKind.BLOCKS, "blocks"),
    "duplicate": (LinkKind.DUPLICATES, "is a duplicate of"),
    "related": (LinkKind.RELATES, "relates to"),
}
_INCOMING = {
    "blocks": (LinkKind.BLOCKED_BY, "is blocked by"),
    "duplicate": (LinkKind.DUPLICATED_BY, "is duplicated by"),
    "related": (LinkKind.RELATES, "relates to"),
}


def _relation_links(issue: LinearIssue, source: str) -> list[IssueLink]:
    found: dict[tuple[LinkKind, str], IssueLink] = {}
    sides = (
        (issue.relations.nodes, _OUTGOING, "related_issue"),
        (issue.inverse_relations.nodes, _INCOMING, "issue"),
    )
    for relations, kinds, other in sides:
        for relation in relations:
            target: _IssueRef | None = getattr(relation, other)
            if relation.type not in kinds or target is None:
                continue
            kind, verb = kinds[relation.type]
            evidence = f"{issue.identifier} {verb} {target.identifier} (Linear relation)"
            link = IssueLink(
                kind=kind, target=IssueRef(key=target.identifier, source=source), evidence=evidence
            )
            found.setdefault((kind, target.identifier), link)
    return list(found.values())


def _texts(issue: LinearIssue, comments: Sequence[Comment]) -> list[tuple[str, str]]:
    key = issue.identifier
    texts = [
        (issue.title, f"mentioned in the title of {key}"),
        (issue.description or "", f"mentioned in the description of {key}"),
    ]
    for comment in comments:
        who = comment.author.display_name or comment.author.handle if comment.author else "someone"
        when = comment.created_at.date().isoformat()
        texts.append((comment.body, f"mentioned in a comment by {who} on {when}"))
    return texts


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
