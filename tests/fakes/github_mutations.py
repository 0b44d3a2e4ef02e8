"""The set-up API of the fake GitHub: what tests do to the world between requests.

Each method imitates what GitHub records when that thing happens: a comment bumps the issue's
`updated_at` and comment count; a cross-reference adds a CrossReferencedEvent to the *target*
but does not touch the target's `updated_at` (GitHub's behaviour, checked by
python-github-backup#168: `issues?since=` never lists a merely mentioned issue), while the
source, whose text holds the mention, counts as updated at that time; closing through a pull
request merges the PR and adds a ClosedEvent whose `closer` is the PR; a transfer leaves a 301
at the old address; a deletion leaves a 410.

`IssueWrites` is what a client's write requests do (the REST write routes call it): assigning
adds only logins that may be assigned in the repository and drops the others without a word,
as GitHub does; every change moves `updated_at` up to the fake's clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tests.fakes.github_model import Actor, Comment, Event, Issue, Review, Store, require_aware

MAX_ASSIGNEES = 10  # GitHub keeps at most ten; further logins are ignored


class GitHubData:
    """Mixed into FakeGitHub, which provides the store, the lock, the clock and the viewer."""

    _store: Store
    _lock: threading.RLock
    _now: datetime
    _viewer: str
    _assignable: dict[int, frozenset[str]]

    def add_repo(self, full_name: str, *, visibility: str = "public") -> None:
        """A repository `org/name`; it is also listed under `GET /orgs/{org}/repos`.
        ``visibility``: public, private or internal (REST `visibility`)."""
        with self._lock:
            self._store.add_repo(full_name, self._now).visibility = visibility

    def set_repo_visibility(self, full_name: str, visibility: str) -> None:
        """Make a repository public, private or internal. As on GitHub, its issues do not
        change (no `updated_at`, same listing ETag); the repository's own answer does."""
        if visibility not in ("public", "private", "internal"):
            raise ValueError(f"GitHub has no {visibility!r} repositories")
        with self._lock:
            self._store.repos[full_name.lower()].visibility = visibility

    def set_assignable(self, repo: str, logins: Iterable[str]) -> None:
        """Only `logins` (any case) may be assigned in `repo` from now on, besides people who
        commented on the issue (GitHub's rule); until this is called, everyone may be."""
        with self._lock:
            allowed = frozenset(_fold(login) for login in logins)
            self._assignable[self._store.repo(repo).db_id] = allowed

    def rename_repo(self, old: str, new: str) -> None:
        """Rename (or move to another owner): the old name then answers 301, like GitHub."""
        with self._lock:
            store = self._store
            repo = store.repo(old)
            del store.repos[old.lower()]
            repo.full_name = new
            repo.owner = store.actor(new.split("/")[0], "Organization")
            store.repos[new.lower()] = repo
            store.renamed[old.lower()] = repo
            for issue in repo.issues.values():
                issue.json_cache = None

    def add_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str = "",
        state: str = "open",
        state_reason: str | None = None,
        labels: Sequence[str] = (),
        assignees: Sequence[str] = (),
        author: str = "octocat",
        author_type: str = "User",
        created_at: datetime,
        updated_at: datetime | None = None,
        closed_at: datetime | None = None,
        reactions: int = 0,
        is_pull_request: bool = False,
        merged: bool = False,
        number: int | None = None,
    ) -> int:
        """Add an issue or PR; returns its number. A closed one gets a ClosedEvent at closed_at
        (default: updated_at, else created_at) with `state_reason` "completed" unless given."""
        created = require_aware(created_at, "created_at")
        closed = require_aware(closed_at, "closed_at") if closed_at else None
        updated = require_aware(updated_at, "updated_at") if updated_at else None
        _check_state(state, closed, merged, is_pull_request)
        if state == "closed" and closed is None:
            closed = updated or created
        updated = updated or max(created, closed or created)
        if state == "closed" and state_reason is None and not is_pull_request:
            state_reason = "completed"
        with self._lock:
            store = self._store
            target = store.repo(repo)
            n = target.next_number if number is None else number
            if n in target.issues or n in target.moved or n in target.deleted:
                raise ValueError(f"{repo}#{n} is already taken")
            actor = store.actor(author, author_type)
            issue = Issue(
                target, n, store.next_id(), title, body, state, state_reason, list(labels),
                [store.actor(a) for a in assignees], actor, created, updated, closed, reactions,
                is_pull_request, merged, closed_by=actor if state == "closed" else None,
            )  # fmt: skip
            if closed is not None:
                issue.events.append(
                    Event("ClosedEvent", store.next_id(), closed, actor, state_reason=state_reason)
                )
            store.insert(issue)
            return n

    def add_comment(
        self,
        repo: str,
        number: int,
        *,
        author: str,
        body: str,
        created_at: datetime,
        author_type: str = "User",
    ) -> None:
        """A comment: bumps the issue's updated_at (never backwards) and its comment count."""
        at = require_aware(created_at, "created_at")
        with self._lock:
            store = self._store
            append_comment(store, store.issue(repo, number), (author, author_type), body, at)

    def add_cross_reference(
        self,
        *,
        target: tuple[str, int],
        source: tuple[str, int],
        created_at: datetime,
        will_close: bool = False,
    ) -> None:
        """`source` mentions `target`: a CrossReferencedEvent on the target's timeline, by the
        source's author. The target's updated_at is left alone (as on GitHub); the source's moves
        up to `created_at`, since its body or a comment of it was written then."""
        at = require_aware(created_at, "created_at")
        with self._lock:
            store = self._store
            target_issue, source_issue = store.issue(*target), store.issue(*source)
            event = Event(
                "CrossReferencedEvent", store.next_id(), at, source_issue.author,
                source=source_issue, will_close=will_close,
            )  # fmt: skip
            target_issue.events.append(event)
            store.bump(source_issue, at)

    def close_by_pull_request(
        self,
        repo: str,
        number: int,
        *,
        pr: tuple[str, int],
        closed_at: datetime,
        reviewers: Sequence[str] = (),
    ) -> None:
        """Merge `pr` (if not yet merged) and close the issue with it: ClosedEvent.closer is the
        PR, the issue lists the PR in closedByPullRequestsReferences, and each reviewer becomes an
        APPROVED PullRequestReview."""
        at = require_aware(closed_at, "closed_at")
        with self._lock:
            store = self._store
            issue, pull = store.issue(repo, number), store.issue(*pr)
            if not pull.is_pr:
                raise ValueError(f"{pr[0]}#{pr[1]} is not a pull request")
            self._merge(pull, at)
            known = {r.author.base_login for r in pull.reviews}
            for login in reviewers:
                if store.actor(login).base_login not in known:
                    pull.reviews.append(Review(store.next_id(), store.actor(login), "APPROVED", at))
            if issue not in pull.closes:
                pull.closes.append(issue)
            self._close(issue, at, "completed", pull.author)
            issue.closed_by_prs.append(pull)
            issue.events.append(
                Event(
                    "ClosedEvent",
                    store.next_id(),
                    at,
                    pull.author,
                    closer=pull,
                    state_reason="completed",
                )
            )

    def mark_as_duplicate(
        self,
        repo: str,
        number: int,
        *,
        canonical: tuple[str, int],
        at: datetime,
        actor: str | None = None,
    ) -> None:
        """Close as a duplicate of `canonical`: MarkedAsDuplicateEvent, then ClosedEvent with
        state reason "duplicate" and `duplicateOf`."""
        when = require_aware(at, "at")
        with self._lock:
            store = self._store
            issue, original = store.issue(repo, number), store.issue(*canonical)
            who = store.actor(actor) if actor else issue.author
            issue.events.append(
                Event("MarkedAsDuplicateEvent", store.next_id(), when, who, canonical=original)
            )
            self._close(issue, when, "duplicate", who)
            issue.events.append(
                Event(
                    "ClosedEvent",
                    store.next_id(),
                    when,
                    who,
                    state_reason="duplicate",
                    canonical=original,
                )
            )

    def touch(self, repo: str, number: int, at: datetime) -> None:
        """An edit: updated_at becomes `at`."""
        when = require_aware(at, "at")
        with self._lock:
            issue = self._store.issue(repo, number)
            with self._store.editing(issue):
                issue.updated_at = when

    def transfer(self, repo: str, number: int, new_repo: str, at: datetime | None = None) -> int:
        """Move the issue to `new_repo` (new number, same node id) with a TransferredEvent; the
        old address answers 301 with a Location on `/repositories/{id}/issues/{n}`."""
        with self._lock:
            store = self._store
            when = require_aware(at, "at") if at else self._now
            issue, destination = store.issue(repo, number), store.repo(new_repo)
            old = issue.repo
            for comment in issue.comments:
                old.remove_comment_key(comment)
            with store.editing(issue):
                del old.issues[number]
                old.moved[number] = issue
                issue.repo, issue.number = destination, destination.next_number
                destination.issues[issue.number] = issue
                destination.next_number += 1
                issue.updated_at = max(issue.updated_at, when)
            for comment in issue.comments:
                destination.add_comment_key(comment)
            viewer = store.actor(self._viewer)
            issue.events.append(
                Event("TransferredEvent", store.next_id(), when, viewer, from_repo=old)
            )
            return issue.number

    def delete_issue(self, repo: str, number: int) -> None:
        """Delete: GET answers 410, listings and timelines drop it, GraphQL gives NOT_FOUND."""
        with self._lock:
            store = self._store
            issue = store.issue(repo, number)
            issue.repo.index.remove(issue)
            for comment in issue.comments:
                issue.repo.remove_comment_key(comment)
            del issue.repo.issues[number]
            issue.repo.deleted.add(number)
            issue.deleted = True

    def node_id(self, repo: str, number: int) -> str:
        """The GraphQL id of an issue or PR (also its REST `node_id`)."""
        with self._lock:
            return self._store.issue(repo, number).node_id

    def _merge(self, pull: Issue, at: datetime) -> None:
        if pull.merged:
            return
        with self._store.editing(pull):
            pull.state, pull.merged, pull.closed_at, pull.closed_by = (
                "closed",
                True,
                at,
                pull.author,
            )
            pull.updated_at = max(pull.updated_at, at)
        pull.events.append(Event("ClosedEvent", self._store.next_id(), at, pull.author))

    def _close(self, issue: Issue, at: datetime, reason: str, actor: Actor) -> None:
        with self._store.editing(issue):
            issue.state, issue.state_reason, issue.closed_at = "closed", reason, at
            issue.closed_by = actor
            issue.updated_at = max(issue.updated_at, at)


def append_comment(
    store: Store, issue: Issue, author: tuple[str, str], body: str, at: datetime
) -> Comment:
    """Add a comment by `author` (login, type) to `issue` at `at`, moving its updated_at up
    (never back) and indexing the comment for the repository's comment listing."""
    with store.editing(issue):
        comment = Comment(store.next_id(), issue, store.actor(*author), body, at)
        issue.comments.append(comment)
        issue.updated_at = max(issue.updated_at, at)
    issue.repo.add_comment_key(comment)
    return comment


@dataclass
class IssueWrites:
    """The effect of the REST write routes on the store, done as the viewer at the clock's time.

    `assignable` maps a repository id to the folded logins that may be assigned there (set by
    `GitHubData.set_assignable`); a repository without an entry lets everyone be assigned.
    """

    store: Store
    assignable: dict[int, frozenset[str]]
    viewer: str
    clock: Callable[[], datetime]

    def add_assignees(self, issue: Issue, logins: Sequence[str]) -> None:
        """Assign the assignable ones among `logins` (up to ten in all); ignore the rest."""
        held = {a.base_login.lower() for a in issue.assignees}
        added = [
            actor
            for actor in dict.fromkeys(self._actor(login) for login in logins)
            if actor.base_login.lower() not in held and self.can_assign(issue, actor)
        ][: max(0, MAX_ASSIGNEES - len(issue.assignees))]
        if added:
            self._set_assignees(issue, [*issue.assignees, *added])

    def remove_assignees(self, issue: Issue, logins: Sequence[str]) -> None:
        """Unassign `logins`; logins that are not assigned are ignored."""
        gone = {_fold(login) for login in logins}
        kept = [a for a in issue.assignees if a.base_login.lower() not in gone]
        if len(kept) != len(issue.assignees):
            self._set_assignees(issue, kept)

    def comment(self, issue: Issue, body: str) -> Comment:
        """A comment by the viewer, now."""
        at = self.clock()
        return append_comment(self.store, issue, (self.viewer, "User"), body, at)

    def can_assign(self, issue: Issue, actor: Actor) -> bool:
        """Allowed in the repository, or a commenter on this issue (as on GitHub)."""
        allowed = self.assignable.get(issue.repo.db_id)
        login = actor.base_login.lower()
        commenters = {c.author.base_login.lower() for c in issue.comments}
        return allowed is None or login in allowed or login in commenters

    def _actor(self, login: str) -> Actor:
        """The known actor whatever the case of `login` (GitHub logins ignore case)."""
        folded = _fold(login)
        for actor in self.store.actors.values():
            if actor.base_login.lower() == folded:
                return actor
        return self.store.actor(login)

    def _set_assignees(self, issue: Issue, assignees: list[Actor]) -> None:
        with self.store.editing(issue):
            issue.assignees = assignees
            issue.updated_at = max(issue.updated_at, self.clock())


def _fold(login: str) -> str:
    return login.removesuffix("[bot]").lower()


def _check_state(state: str, closed: datetime | None, merged: bool, is_pr: bool) -> None:
    if state not in ("open", "closed"):
        raise ValueError(f"state must be 'open' or 'closed', got {state!r}")
    if state == "open" and closed is not None:
        raise ValueError("an open issue has no closed_at")
    if merged and not (is_pr and state == "closed"):
        raise ValueError("only a closed pull request can be merged")
