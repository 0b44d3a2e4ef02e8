"""The data behind the fake GitHub: repositories, issues, pull requests, comments, timeline events.

Nothing here speaks HTTP. `Store` owns every object and the per-repository sorted indexes that
let a listing answer one page in O(page + log n) instead of scanning the repository, which is
what keeps the fake fast with ~20,000 issues. Every change to an issue goes through
`Store.editing`, which takes the issue out of its indexes and puts it back afterwards.
"""

from __future__ import annotations

import base64
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

STATES = ("open", "closed", "all")
SORTS = ("created", "updated", "comments")
Key = tuple[int, int]  # (sort value, number): ties are broken by number, like GitHub's stable order


def require_aware(dt: datetime, what: str = "datetime") -> datetime:
    """Return `dt` in UTC; raise ValueError for a naive datetime (the fake never guesses a zone)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {dt!r}")
    return dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    """GitHub's timestamp format: `2024-01-02T03:04:05Z` (UTC, whole seconds)."""
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(dt: datetime) -> int:
    """Whole epoch seconds, the unit GitHub uses in `x-ratelimit-reset`."""
    return int(dt.timestamp())


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 `since` value; a value without a zone is taken as UTC, as GitHub does."""
    parsed = datetime.fromisoformat(text.strip().replace(" ", "+"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def node_id(prefix: str, *parts: int) -> str:
    """An opaque global id shaped like GitHub's new ones (`I_kwDO…`, `PR_kwDO…`, `U_kgDO…`)."""
    raw = ":".join(str(p) for p in parts).encode()
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Actor:
    """A user, bot or organisation. REST spells a bot `name[bot]`; GraphQL `Bot.login` drops it."""

    base_login: str
    type: str  # "User" | "Bot" | "Organization"
    db_id: int

    @property
    def rest_login(self) -> str:
        return f"{self.base_login}[bot]" if self.type == "Bot" else self.base_login

    @property
    def graphql_login(self) -> str:
        return self.base_login

    @property
    def node_id(self) -> str:
        prefix = {"Bot": "BOT_kgDO", "Organization": "O_kgDO"}.get(self.type, "U_kgDO")
        return node_id(prefix, self.db_id)


@dataclass(eq=False)
class Comment:
    db_id: int
    issue: Issue
    author: Actor
    body: str
    created_at: datetime

    @property
    def node_id(self) -> str:
        return node_id("IC_kwDO", self.issue.repo.db_id, self.db_id)

    @property
    def key(self) -> Key:
        return (epoch(self.created_at), self.db_id)


@dataclass(eq=False)
class Event:
    """A timeline event other than a comment, named by its GraphQL type."""

    kind: str  # CrossReferencedEvent | ClosedEvent | MarkedAsDuplicateEvent | TransferredEvent
    db_id: int
    created_at: datetime
    actor: Actor | None
    source: Issue | None = None  # CrossReferencedEvent: the issue/PR that mentions the target
    will_close: bool = False
    closer: Issue | None = None  # ClosedEvent: the pull request that closed it
    state_reason: str | None = None
    canonical: Issue | None = None  # MarkedAsDuplicateEvent / ClosedEvent duplicateOf
    from_repo: Repo | None = None  # TransferredEvent

    @property
    def node_id(self) -> str:
        prefix = "".join(c for c in self.kind if c.isupper()) + "_lADO"
        return node_id(prefix, self.db_id)


@dataclass(eq=False)
class Review:
    db_id: int
    author: Actor
    state: str
    submitted_at: datetime

    @property
    def node_id(self) -> str:
        return node_id("PRR_kwDO", self.db_id)


@dataclass(eq=False)
class Issue:
    """An issue or a pull request (they share numbers per repository, as on GitHub)."""

    repo: Repo
    number: int
    db_id: int
    title: str
    body: str
    state: str
    state_reason: str | None
    labels: list[str]
    assignees: list[Actor]
    author: Actor
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    reactions: int
    is_pr: bool
    merged: bool
    comments: list[Comment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    closed_by_prs: list[Issue] = field(default_factory=list)
    closes: list[Issue] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    closed_by: Actor | None = None
    deleted: bool = False
    json_cache: bytes | None = None

    @property
    def node_id(self) -> str:
        return node_id("PR_kwDO" if self.is_pr else "I_kwDO", self.db_id)

    def key(self, sort: str) -> Key:
        if sort == "created":
            return (epoch(self.created_at), self.number)
        if sort == "updated":
            return (epoch(self.updated_at), self.number)
        return (len(self.comments), self.number)


class RepoIndex:
    """Sorted key lists per (state, kind, sort): kind "any" mixes PRs in (REST), "issue" does not
    (GraphQL `Repository.issues`)."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str, str], list[Key]] = {}
        self._since_cache: dict[tuple[str, str, str, int], list[Key]] = {}

    @staticmethod
    def _slots(issue: Issue) -> Iterator[tuple[str, str, str]]:
        kinds = ("any",) if issue.is_pr else ("any", "issue")
        for state in (issue.state, "all"):
            for kind in kinds:
                for sort in SORTS:
                    yield (state, kind, sort)

    def add(self, issue: Issue) -> None:
        self._since_cache.clear()
        for slot in self._slots(issue):
            insort(self._lists.setdefault(slot, []), issue.key(slot[2]))

    def remove(self, issue: Issue) -> None:
        self._since_cache.clear()
        for slot in self._slots(issue):
            keys = self._lists[slot]
            key = issue.key(slot[2])
            del keys[bisect_left(keys, key)]

    def view(
        self, state: str, kind: str, sort: str, since: int | None, updated: Callable[[int], int]
    ) -> list[Key]:
        """Ascending keys of the matching issues; `since` keeps updated_at >= since (epoch)."""
        keys = self._lists.get((state, kind, sort), [])
        if since is None:
            return keys
        if sort == "updated":
            return keys[bisect_left(keys, (since,)) :]
        cache_key = (state, kind, sort, since)
        if cache_key not in self._since_cache:
            self._since_cache[cache_key] = [k for k in keys if updated(k[1]) >= since]
        return self._since_cache[cache_key]


@dataclass(eq=False)
class Repo:
    db_id: int
    full_name: str
    owner: Actor
    created_at: datetime
    next_number: int = 1
    issues: dict[int, Issue] = field(default_factory=dict)
    moved: dict[int, Issue] = field(default_factory=dict)  # transferred away: number -> issue
    deleted: set[int] = field(default_factory=set)
    index: RepoIndex = field(default_factory=RepoIndex)
    comment_keys: list[Key] = field(default_factory=list)  # (created epoch, comment id), sorted
    comments: dict[int, Comment] = field(default_factory=dict)
    # REST `visibility` / GraphQL `RepositoryVisibility`: public, private or internal (GitHub
    # Enterprise: visible to the enterprise's members only). Tests flip it between syncs.
    visibility: str = "public"

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]

    @property
    def node_id(self) -> str:
        return node_id("R_kgDO", self.db_id)

    def view(self, state: str, kind: str, sort: str, since: int | None) -> list[Key]:
        return self.index.view(state, kind, sort, since, lambda n: epoch(self.issues[n].updated_at))

    def add_comment_key(self, comment: Comment) -> None:
        self.comments[comment.db_id] = comment
        insort(self.comment_keys, comment.key)

    def remove_comment_key(self, comment: Comment) -> None:
        del self.comments[comment.db_id]
        del self.comment_keys[bisect_left(self.comment_keys, comment.key)]


class Store:
    """Every repository, issue and actor of one fake, with ids handed out deterministically."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.repos_by_id: dict[int, Repo] = {}
        self.renamed: dict[str, Repo] = {}
        self.by_node_id: dict[str, Issue] = {}
        self.actors: dict[str, Actor] = {}
        self.label_ids: dict[tuple[int, str], int] = {}
        self._ids = count(1001)

    def next_id(self) -> int:
        return next(self._ids)

    def actor(self, login: str, type_: str = "User") -> Actor:
        """The one Actor for a login (a `[bot]` suffix is accepted and normalised away)."""
        base = login.removesuffix("[bot]")
        if base not in self.actors:
            self.actors[base] = Actor(base, type_, self.next_id())
        return self.actors[base]

    def label_id(self, repo: Repo, name: str) -> int:
        return self.label_ids.setdefault((repo.db_id, name), self.next_id())

    def repo(self, full_name: str) -> Repo:
        try:
            return self.repos[full_name.lower()]
        except KeyError:
            raise KeyError(f"unknown repository {full_name!r}; call add_repo first") from None

    def issue(self, repo: str, number: int) -> Issue:
        found = self.repo(repo).issues.get(number)
        if found is None:
            raise KeyError(f"{repo}#{number} does not exist (or was moved or deleted)")
        return found

    def add_repo(self, full_name: str, created_at: datetime) -> Repo:
        owner_login, _, name = full_name.partition("/")
        if not owner_login or not name or "/" in name:
            raise ValueError(f"repository names look like 'org/name', got {full_name!r}")
        owner = self.actor(owner_login, "Organization")
        repo = Repo(self.next_id(), full_name, owner, created_at)
        self.repos[full_name.lower()] = repo
        self.repos_by_id[repo.db_id] = repo
        return repo

    def insert(self, issue: Issue) -> None:
        repo = issue.repo
        repo.issues[issue.number] = issue
        repo.next_number = max(repo.next_number, issue.number + 1)
        repo.index.add(issue)
        self.by_node_id[issue.node_id] = issue

    @contextmanager
    def editing(self, issue: Issue) -> Iterator[Issue]:
        """Unindex, let the caller change the issue, reindex (in its possibly new repository)."""
        issue.repo.index.remove(issue)
        try:
            yield issue
        finally:
            issue.json_cache = None
            issue.repo.index.add(issue)

    def bump(self, issue: Issue, at: datetime) -> None:
        """Move updated_at forward to `at` (never backwards), like any activity on GitHub."""
        if at > issue.updated_at:
            with self.editing(issue):
                issue.updated_at = at


@dataclass
class Budget:
    """One rate-limit resource (`core` for REST, `graphql`), counted down by the fake."""

    resource: str
    limit: int
    remaining: int
    reset_at: datetime

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(epoch(self.reset_at)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-resource": self.resource,
        }

    def as_json(self) -> dict[str, int]:
        """The shape of one entry of `GET /rate_limit`'s `resources`."""
        return {
            "limit": self.limit,
            "used": self.used,
            "remaining": self.remaining,
            "reset": epoch(self.reset_at),
        }
