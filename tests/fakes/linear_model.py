"""The data behind the fake Linear: users, teams, issues, comments, relations, and the set-up
methods tests use to shape a workspace. Every change stamps ``updatedAt`` from the fake clock,
as Linear does, and keeps the issues ordered by ``(updatedAt, id)`` for the listing."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

WEB = "https://linear.app/fake"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class User:
    id: str
    name: str
    email: str
    app: bool = False


@dataclass
class CommentRow:
    id: str
    body: str
    user_id: str | None
    created_at: datetime


@dataclass
class Relation:
    id: str
    type: str  # blocks | duplicate | related | similar
    issue_id: str
    related_id: str
    created_at: datetime


@dataclass
class IssueRow:
    id: str
    team: str
    number: int
    title: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    state: str = "unstarted"
    completed_at: datetime | None = None
    canceled_at: datetime | None = None
    archived_at: datetime | None = None
    trashed: bool = False
    estimate: float | None = None
    assignee_id: str | None = None
    creator_id: str | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[CommentRow] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return f"{self.team}-{self.number}"

    @property
    def url(self) -> str:
        return f"{WEB}/issue/{self.identifier}"

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.updated_at, self.id)


class Workspace:
    """Everything the fake serves; not thread-safe on its own (the server holds a lock)."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.teams: dict[str, int] = {}  # key -> last issue number
        # key -> TeamVisibility (Linear's schema: public, private or restricted); `Team.private`
        # (deprecated for it) is true for private teams only
        self.team_visibility: dict[str, str] = {}
        self.issues: dict[str, IssueRow] = {}
        self.by_identifier: dict[str, str] = {}
        self.relations: list[Relation] = []
        self._outgoing: dict[str, list[Relation]] = {}
        self._incoming: dict[str, list[Relation]] = {}
        self._ids = count(1)
        self._order: list[tuple[datetime, str]] = []  # ascending (updatedAt, id)

    def new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids):08d}-0000-4000-8000-000000000000"

    # -- set-up ------------------------------------------------------------------------

    def add_user(self, name: str, *, email: str | None = None, app: bool = False) -> str:
        user = User(self.new_id("user"), name, email or f"{name.lower()}@example.com", app)
        self.users[user.id] = user
        return user.id

    def add_team(self, key: str, *, visibility: str = "public") -> None:
        self.teams.setdefault(key, 0)
        self.team_visibility.setdefault(key, visibility)

    def set_team_visibility(self, key: str, visibility: str) -> None:
        """Make a team public, private or restricted; as on Linear, its issues do not change
        (no ``updatedAt``), only what ``Team.visibility`` answers."""
        if visibility not in ("public", "private", "restricted"):
            raise ValueError(f"Linear has no {visibility!r} teams")
        self.add_team(key)
        self.team_visibility[key] = visibility

    def add_issue(
        self,
        team: str,
        *,
        title: str,
        created_at: datetime,
        description: str | None = None,
        state: str = "unstarted",
        assignee: str | None = None,
        creator: str | None = None,
        labels: tuple[str, ...] = (),
        estimate: float | None = None,
    ) -> str:
        """A new issue; returns its identifier."""
        self.add_team(team)
        self.teams[team] += 1
        row = IssueRow(
            id=self.new_id("issue"),
            team=team,
            number=self.teams[team],
            title=title,
            description=description,
            created_at=created_at,
            updated_at=created_at,
            assignee_id=assignee,
            creator_id=creator,
            labels=list(labels),
            estimate=estimate,
        )
        self.issues[row.id] = row
        self.by_identifier[row.identifier] = row.id
        bisect.insort(self._order, row.order)
        if state != "unstarted":
            self.set_state(row.identifier, state, at=created_at)
        return row.identifier

    def find(self, key: str) -> IssueRow | None:
        """An issue by id, identifier or a previous identifier (trashed ones too)."""
        return self.issues.get(key) or self.issues.get(self.by_identifier.get(key, ""))

    def touch(self, row: IssueRow, at: datetime) -> None:
        """Stamp ``updatedAt``, keeping the listing order."""
        del self._order[bisect.bisect_left(self._order, row.order)]
        row.updated_at = max(at, row.updated_at)
        bisect.insort(self._order, row.order)

    def edit(self, key: str, *, at: datetime, **fields: object) -> None:
        row = self._get(key)
        for name, value in fields.items():
            if not hasattr(row, name):
                raise AttributeError(f"issues have no field {name!r}")
            setattr(row, name, value)
        self.touch(row, at)

    def set_state(self, key: str, state: str, *, at: datetime) -> None:
        row = self._get(key)
        row.state = state
        row.completed_at = at if state == "completed" else None
        row.canceled_at = at if state in ("canceled", "duplicate") else None
        self.touch(row, at)

    def add_comment(
        self, key: str, *, user: str | None, body: str, at: datetime, comment_id: str | None = None
    ) -> str:
        row = self._get(key)
        comment = CommentRow(comment_id or self.new_id("comment"), body, user, at)
        row.comments.append(comment)
        self.touch(row, at)
        return comment.id

    def relate(self, key: str, kind: str, other: str, *, at: datetime) -> None:
        """``key`` blocks / duplicate (of) / related (to) ``other``; both are updated."""
        a, b = self._get(key), self._get(other)
        relation = Relation(self.new_id("relation"), kind, a.id, b.id, at)
        self.relations.append(relation)
        self._outgoing.setdefault(a.id, []).append(relation)
        self._incoming.setdefault(b.id, []).append(relation)
        self.touch(a, at)
        self.touch(b, at)

    def archive(self, key: str, *, at: datetime) -> None:
        row = self._get(key)
        row.archived_at = at
        self.touch(row, at)

    def trash(self, key: str, *, at: datetime) -> None:
        row = self._get(key)
        row.trashed, row.archived_at = True, at
        self.touch(row, at)

    def move(self, key: str, team: str, *, at: datetime) -> str:
        """Move to ``team``: a new identifier, the old one kept in ``previous``."""
        row = self._get(key)
        self.add_team(team)
        self.teams[team] += 1
        row.previous.append(row.identifier)
        row.team, row.number = team, self.teams[team]
        self.by_identifier[row.identifier] = row.id
        self.touch(row, at)
        return row.identifier

    def _get(self, key: str) -> IssueRow:
        row = self.find(key)
        if row is None:
            raise KeyError(f"no issue {key}")
        return row

    # -- reading ---------------------------------------------------------------------------

    def ordered_ids(
        self,
        *,
        gte: datetime | None = None,
        gt: datetime | None = None,
        lt: datetime | None = None,
        lte: datetime | None = None,
        below: tuple[datetime, str] | None = None,
    ) -> list[str]:
        """Issue ids whose ``updatedAt`` is within the bounds, newest first (Linear's order);
        ``below`` keeps those after a Relay cursor's ``(updatedAt, id)`` in that order."""
        start, end = 0, len(self._order)
        if gte is not None:
            start = max(start, bisect.bisect_left(self._order, (gte, "")))
        if gt is not None:
            start = max(start, bisect.bisect_right(self._order, (gt, "\uffff")))
        if lt is not None:
            end = min(end, bisect.bisect_left(self._order, (lt, "")))
        if lte is not None:
            end = min(end, bisect.bisect_right(self._order, (lte, "\uffff")))
        if below is not None:
            end = min(end, bisect.bisect_left(self._order, below))
        return [issue_id for _, issue_id in reversed(self._order[start:end])]

    def relations_of(self, issue_id: str, *, inverse: bool) -> list[Relation]:
        return list((self._incoming if inverse else self._outgoing).get(issue_id, ()))
