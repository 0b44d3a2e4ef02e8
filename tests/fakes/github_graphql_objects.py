"""GraphQL objects of the fake GitHub, as plain dicts for graphql-core's default resolver.

A dict value that is callable is called as `value(info, **arguments)`, which is how connections
get their `first`/`after`/… arguments; objects behind a union or interface carry `__typename`.
DateTime values are strings (`2024-01-02T03:04:05Z`), as the API sends them. Behaviour copied
from GitHub: `Repository.issues` leaves pull requests out (REST mixes them in); a bot's `login`
has no `[bot]` suffix; `closedByPullRequestsReferences` lists only open pull requests unless
`includeClosedPrs: true` ("List of open pull requests referenced from this issue").
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import GraphQLError

from tests.fakes.github_model import (
    Actor,
    Comment,
    Event,
    Issue,
    Repo,
    Review,
    Store,
    epoch,
    iso,
    node_id,
)
from tests.fakes.github_model import parse_iso as _parse_iso
from tests.fakes.github_rest import HttpError, _Ordered, decode_cursor, encode_cursor

JSON = dict[str, Any]
T = TypeVar("T")
_ORDER_FIELDS = {"CREATED_AT": "created", "UPDATED_AT": "updated", "COMMENTS": "comments"}


def item_type(kind: str) -> str:
    """`CrossReferencedEvent` -> `CROSS_REFERENCED_EVENT`, the `itemTypes` enum spelling."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).upper()


def _offset_cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor, validate=True).decode().removeprefix("cursor:offset:"))
    except ValueError:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def _page_info(edges: list[JSON], has_next: bool, has_previous: bool) -> JSON:
    return {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": edges[0]["cursor"] if edges else None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }


def list_connection(items: Sequence[T], render: Callable[[T], JSON], args: JSON) -> JSON:
    """A connection over an in-memory list: first/last/after/before/skip, offset cursors."""
    start, stop = 0, len(items)
    if args.get("after"):
        start = _offset(args["after"]) + 1
    if args.get("before"):
        stop = min(stop, _offset(args["before"]))
    start += args.get("skip") or 0
    if args.get("first") is not None:
        stop = min(stop, start + args["first"])
    if args.get("last") is not None:
        start = max(start, stop - args["last"])
    edges = [
        {"cursor": _offset_cursor(start + i), "node": render(item)}
        for i, item in enumerate(items[start:stop])
    ]
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "totalCount": len(items),
        "pageInfo": _page_info(edges, stop < len(items), start > 0),
    }


class GraphObjects:
    """Builds the GraphQL view of store objects (`html` = the web host for `url` fields)."""

    def __init__(self, store: Store, html: str) -> None:
        self.store, self.html = store, html.rstrip("/")

    def actor(self, actor: Actor | None) -> JSON | None:
        if actor is None:
            return None
        path = f"/apps/{actor.base_login}" if actor.type == "Bot" else f"/{actor.rest_login}"
        return {
            "__typename": actor.type,
            "id": actor.node_id,
            "databaseId": actor.db_id,
            "login": actor.graphql_login,
            "url": self.html + path,
            "resourcePath": path,
            "avatarUrl": f"https://avatars.githubusercontent.com/u/{actor.db_id}?v=4",
        }

    def repo(self, repo: Repo) -> JSON:
        return {
            "__typename": "Repository",
            "id": repo.node_id,
            "databaseId": repo.db_id,
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "owner": self.actor(repo.owner),
            "url": f"{self.html}/{repo.full_name}",
            "resourcePath": f"/{repo.full_name}",
            # GitHub's schema: `isPrivate` "Identifies if the repository is private or
            # internal"; `visibility` "Indicates the repository's visibility level".
            "isPrivate": repo.visibility != "public",
            "visibility": repo.visibility.upper(),
            "isArchived": False,
            "createdAt": iso(repo.created_at),
            "issues": lambda info, **args: self.issues(repo, args),
        }

    def issue(self, issue: Issue) -> JSON:
        """An `Issue` or `PullRequest` object, connections resolved lazily."""
        path = f"/{issue.repo.full_name}/{'pull' if issue.is_pr else 'issues'}/{issue.number}"
        state = "MERGED" if issue.merged else issue.state.upper()
        reason = issue.state_reason.upper() if issue.state_reason else None
        return {
            "__typename": "PullRequest" if issue.is_pr else "Issue",
            "id": issue.node_id,
            "databaseId": issue.db_id,
            "fullDatabaseId": issue.db_id,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "bodyText": issue.body,
            "url": self.html + path,
            "resourcePath": path,
            "state": state,
            "stateReason": lambda info, **args: reason,
            "closed": issue.state == "closed",
            "closedAt": iso(issue.closed_at),
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "publishedAt": iso(issue.created_at),
            "lastEditedAt": None,
            "locked": False,
            "activeLockReason": None,
            "authorAssociation": "NONE",
            "author": self.actor(issue.author),
            "repository": self.repo(issue.repo),
            "merged": issue.merged,
            "mergedAt": iso(issue.closed_at) if issue.merged else None,
            "isDraft": False,
            "totalCommentsCount": len(issue.comments),
            "duplicateOf": self._duplicate_of(issue),
            "comments": lambda info, **args: list_connection(issue.comments, self.comment, args),
            "reactions": lambda info, **args: self._reactions(issue.reactions),
            "labels": lambda info, **args: list_connection(issue.labels, self._label(issue), args),
            "assignees": lambda info, **args: list_connection(issue.assignees, self.actor, args),  # type: ignore[arg-type]
            "timelineItems": lambda info, **args: self.timeline(issue, args),
            "closedByPullRequestsReferences": lambda info, **args: self._closed_by(issue, args),
            "closingIssuesReferences": lambda info, **args: list_connection(
                issue.closes, self.issue, args
            ),
            "reviews": lambda info, **args: list_connection(
                issue.reviews, self._review(issue), args
            ),
        }

    def _duplicate_of(self, issue: Issue) -> JSON | None:
        marks = [e for e in issue.events if e.kind == "MarkedAsDuplicateEvent" and e.canonical]
        return self.issue(marks[-1].canonical) if marks and marks[-1].canonical else None

    @staticmethod
    def _reactions(total: int) -> JSON:
        page = {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        }
        return {
            "totalCount": total,
            "nodes": [],
            "edges": [],
            "pageInfo": page,
            "viewerHasReacted": False,
        }

    def _label(self, issue: Issue) -> Callable[[str], JSON]:
        def render(name: str) -> JSON:
            label_id = self.store.label_id(issue.repo, name)
            return {
                "__typename": "Label",
                "id": node_id("LA_kwDO", issue.repo.db_id, label_id),
                "name": name,
                "color": "ededed",
                "description": None,
                "url": f"{self.html}/{issue.repo.full_name}/labels/{name}",
            }

        return render

    def _review(self, pr: Issue) -> Callable[[Review], JSON]:
        def render(review: Review) -> JSON:
            return {
                "__typename": "PullRequestReview",
                "id": review.node_id,
                "author": self.actor(review.author),
                "state": review.state,
                "submittedAt": iso(review.submitted_at),
                "createdAt": iso(review.submitted_at),
                "body": "",
                "url": f"{self.html}/{pr.repo.full_name}/pull/{pr.number}"
                f"#pullrequestreview-{review.db_id}",
            }

        return render

    def comment(self, comment: Comment) -> JSON:
        issue = comment.issue
        kind = "pull" if issue.is_pr else "issues"
        return {
            "__typename": "IssueComment",
            "id": comment.node_id,
            "databaseId": comment.db_id,
            "author": self.actor(comment.author),
            "authorAssociation": "NONE",
            "body": comment.body,
            "bodyText": comment.body,
            "createdAt": iso(comment.created_at),
            "updatedAt": iso(comment.created_at),
            "publishedAt": iso(comment.created_at),
            "lastEditedAt": None,
            "isMinimized": False,
            "minimizedReason": None,
            "url": f"{self.html}/{issue.repo.full_name}/{kind}/{issue.number}"
            f"#issuecomment-{comment.db_id}",
        }

    def _closed_by(self, issue: Issue, args: JSON) -> JSON:
        """Merged closers plus open PRs whose cross-reference will close the issue."""
        prs: list[Issue] = list(issue.closed_by_prs)
        for event in issue.events:
            source = event.source
            if event.will_close and source and source.is_pr and source not in prs:
                prs.append(source)
        shown = [
            p for p in prs if not p.deleted and (args.get("includeClosedPrs") or p.state == "open")
        ]
        return list_connection(shown, self.issue, args)

    def timeline(self, issue: Issue, args: JSON) -> JSON:
        """`timelineItems`: comments and events by time, filtered by `itemTypes` and `since`."""
        entries: list[Comment | Event] = [
            e for e in issue.events if not (e.source is not None and e.source.deleted)
        ]
        entries = sorted([*entries, *issue.comments], key=lambda e: (epoch(e.created_at), e.db_id))
        wanted = set(args.get("itemTypes") or ())
        if wanted:
            entries = [e for e in entries if item_type(_kind(e)) in wanted]
        if args.get("since") is not None:
            since = epoch(_parse_datetime(args["since"]))
            entries = [e for e in entries if epoch(e.created_at) >= since]
        connection = list_connection(entries, lambda e: self._timeline_item(e, issue), args)
        connection["filteredCount"] = len(entries)
        connection["pageCount"] = len(connection["nodes"])
        connection["updatedAt"] = iso(issue.updated_at)
        return connection

    def _timeline_item(self, entry: Comment | Event, issue: Issue) -> JSON:
        if isinstance(entry, Comment):
            return self.comment(entry)
        common = {
            "__typename": entry.kind,
            "id": entry.node_id,
            "createdAt": iso(entry.created_at),
            "actor": self.actor(entry.actor),
        }
        link = f"{self.issue(issue)['url']}#event-{entry.db_id}"
        if entry.kind == "CrossReferencedEvent" and entry.source is not None:
            return {
                **common,
                "referencedAt": iso(entry.created_at),
                "isCrossRepository": entry.source.repo is not issue.repo,
                "willCloseTarget": entry.will_close,
                "source": self.issue(entry.source),
                "target": self.issue(issue),
                "url": link,
                "resourcePath": link.removeprefix(self.html),
            }
        if entry.kind == "ClosedEvent":
            return {
                **common,
                "closer": self.issue(entry.closer) if entry.closer else None,
                "closable": self.issue(issue),
                "stateReason": entry.state_reason.upper() if entry.state_reason else None,
                "duplicateOf": self.issue(entry.canonical) if entry.canonical else None,
                "url": link,
                "resourcePath": link.removeprefix(self.html),
            }
        if entry.kind == "MarkedAsDuplicateEvent":
            canonical = entry.canonical
            return {
                **common,
                "canonical": self.issue(canonical) if canonical else None,
                "duplicate": self.issue(issue),
                "isCrossRepository": canonical is not None and canonical.repo is not issue.repo,
            }
        from_repo = self.repo(entry.from_repo) if entry.from_repo else None
        return {**common, "fromRepository": from_repo, "issue": self.issue(issue)}

    def issues(self, repo: Repo, args: JSON) -> JSON:
        """`Repository.issues`: keyset cursors over the repository index, no pull requests."""
        _reject_unsupported(args)
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
        filters = args.get("filterBy") or {}
        states = args.get("states") or filters.get("states") or ["OPEN", "CLOSED"]
        state = states[0].lower() if len(set(states)) == 1 else "all"
        since = filters.get("since")
        since_epoch = None if since is None else epoch(_parse_datetime(since))
        keys = repo.view(state, "issue", _ORDER_FIELDS[order["field"]], since_epoch)
        view = _Ordered(keys, order["direction"] == "DESC")
        start, stop = _keyset_bounds(view, args)
        window = view.slice(start, stop)
        edges = [
            {"cursor": encode_cursor(k), "node": self.issue(repo.issues[k[1]])} for k in window
        ]
        return {
            "edges": edges,
            "nodes": [e["node"] for e in edges],
            "totalCount": view.n,
            "pageInfo": _page_info(edges, start + len(window) < view.n, start > 0),
        }


def _keyset_bounds(view: _Ordered, args: JSON) -> tuple[int, int]:
    try:
        start = view.after(decode_cursor(args["after"])) if args.get("after") else 0
        stop = view.before(decode_cursor(args["before"])) if args.get("before") else view.n
    except HttpError as error:
        raise GraphQLError(error.message) from None
    if args.get("first") is not None:
        stop = min(stop, start + args["first"])
    if args.get("last") is not None:
        start = max(start, stop - args["last"])
    return start, stop


def _reject_unsupported(args: JSON) -> None:
    filters = {k: v for k, v in (args.get("filterBy") or {}).items() if v}
    unsupported = sorted(set(filters) - {"since", "states"}) + (
        ["labels"] if args.get("labels") else []
    )
    if unsupported:
        raise GraphQLError(f"The fake GitHub does not implement issue filters {unsupported}.")


def _kind(entry: Comment | Event) -> str:
    return "IssueComment" if isinstance(entry, Comment) else entry.kind


def _parse_datetime(value: object) -> Any:
    try:
        return _parse_iso(str(value))
    except ValueError:
        raise GraphQLError(f"{value!r} is not a valid DateTime") from None
