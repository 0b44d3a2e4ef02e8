"""GitHub on the sync engine: one stream per repository.

Listing walks ``/issues?sort=updated&direction=asc`` by moving ``since`` forward to the
newest ``updated_at`` seen (minus a small overlap), so an issue edited mid-sync is never
skipped by shifting pages, and Link headers are followed only inside a burst of more than
a page of issues updated in the same overlap window. The last request of a sync is the
first request of the next; its ETag is saved, so a sync with nothing new costs one 304 per
repository: no rate-limit points at all. Changed issues (and only those) get their
comments, cross-references, closing pull requests and transfers from GraphQL, 100 at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.models import Issue, PullRequest
from bot.core.rules import GitHubSources
from bot.core.sources import SourceMap
from bot.trackers.github import queries
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.payloads import (
    IssueDetails,
    RestIssue,
    parse_details,
    parse_pull_request,
    parse_timeline,
    to_issue,
)
from bot.trackers.sync import Page, SavedState, StateAccess, StoreView, Stream


class GitHubConnector:
    """Builds one ``RepoStream`` per configured or discovered repository."""

    def __init__(
        self,
        client: GitHubClient,
        sources: GitHubSources,
        *,
        clock: Callable[[], datetime],
        sweep: bool | None = None,
        source_map: SourceMap | None = None,
    ) -> None:
        self.client = client
        self.source_map = source_map
        self.sources = sources
        self.source = sources.source
        self.clock = clock
        self.sweep = sweep  # None: when due (sweep_days); True / False: force / skip

    def streams(self, state: StateAccess, *, full: bool) -> list[Stream]:
        # GitHub names are case-insensitive: one stream per repository however it is spelt.
        repos: dict[str, str] = {}
        for repo in self.sources.repos:
            repos.setdefault(repo.casefold(), repo)
        for org in self.sources.orgs:
            for repo in self._org_repos(org, state):
                repos.setdefault(repo.casefold(), repo)
        excluded = {r.casefold() for r in self.sources.exclude_repos}
        return [RepoStream(self, repos[key]) for key in sorted(repos) if key not in excluded]

    def _org_repos(self, org: str, state: StateAccess) -> list[str]:
        key = f"{self.source}-org:{org}"
        saved = state.sync_state(key)
        names, etag = self.client.org_repos(org, etag=saved["etag"] if saved else None)
        if names is None and saved:
            return list(saved["cursor"])
        state.save_sync_state(key, cursor=names, etag=etag, at=self.clock())
        return names or []


@dataclass
class _Cursor:
    since: str | None = None
    swept_at: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"since": self.since, "swept_at": self.swept_at}


class RepoStream:
    """The issues of one repository, incrementally."""

    def __init__(self, connector: GitHubConnector, repo: str) -> None:
        self.connector = connector
        self.client = connector.client
        self.repo = repo
        self.key = f"{connector.source}:{repo}"
        self.overlap = timedelta(seconds=connector.sources.overlap_seconds)

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]:
        cursor = _Cursor(**state.cursor) if state and state.cursor else _Cursor()
        yield from self._listing(cursor, state.etag if state else None, store)
        if self._sweep_due(cursor):
            yield from self._sweep(cursor, store)

    def _listing(self, cursor: _Cursor, etag: str | None, store: StoreView) -> Iterator[Page]:
        url: str | None = None
        while True:
            since = _parse(cursor.since)
            page = self.client.list_issues(self.repo, since=since, etag=etag, url=url)
            if page.not_modified:
                return
            issues = self._complete(page.items, store)
            next_since = self._next_since(page.items, since)
            if page.next_url and next_since == cursor.since:
                url, etag = page.next_url, None  # a burst larger than a page: follow Link
                yield Page(issues, cursor.as_json(), seen=len(page.items))
                continue
            if page.next_url is None and (next_since == cursor.since or not page.items):
                # Nothing newer than the overlap: this request is the next sync's first one.
                yield Page(
                    issues,
                    cursor.as_json(),
                    etag=page.etag if url is None else None,
                    seen=len(page.items),
                )
                return
            cursor.since, url, etag = next_since, None, None
            yield Page(issues, cursor.as_json(), seen=len(page.items))

    def _next_since(self, items: Sequence[RestIssue], since: datetime | None) -> str | None:
        """The newest ``updated_at`` minus the overlap, never moving backwards."""
        newest = max((i.updated_at for i in items), default=None)
        if newest is None or (since is not None and newest - self.overlap <= since):
            return _format(since)
        return _format(newest - self.overlap)

    def _complete(self, items: Sequence[RestIssue], store: StoreView) -> list[Issue]:
        """Issues (not pull requests) that are new or changed since stored, with details."""
        source = self.connector.source
        candidates = [i for i in items if not i.is_pull_request]
        # Keys use GitHub's own spelling of the repo (from the item), not the configured one.
        stored = store.updated_at_of([f"{source}:{i.repo}#{i.number}" for i in candidates])
        changed = [
            i
            for i in candidates
            if stored.get(f"{source}:{i.repo}#{i.number}") != i.updated_at.isoformat()
        ]
        details = self._details([i.node_id for i in changed if i.node_id])
        closers = {pid: pr for d in details.values() for pid, pr in d.pull_requests}
        closers |= self._pull_requests(
            [pid for d in details.values() for pid in d.closer_ids if pid not in closers]
        )
        return [
            to_issue(
                rest,
                d,
                [closers[c] for c in d.closer_ids if c in closers],
                source=source,
                source_map=self.connector.source_map,
            )
            for rest in changed
            for d in [details.get(rest.node_id, IssueDetails())]
        ]

    def _details(self, node_ids: Sequence[str]) -> dict[str, IssueDetails]:
        found: dict[str, IssueDetails] = {}
        for batch in _batches(node_ids, queries.MAX_IDS):
            data = self.client.graphql(queries.ISSUE_DETAILS, {"ids": list(batch)})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    found[node["id"]] = self._rest_of_timeline(node)
        return found

    def _rest_of_timeline(self, node: dict[str, Any]) -> IssueDetails:
        details = parse_details(node, source=self.connector.source)
        cursor = details.timeline_cursor
        links, moves, closers = (
            list(details.backlinks),
            list(details.moves),
            list(details.closer_ids),
        )
        while cursor:
            data = self.client.graphql(queries.MORE_TIMELINE, {"id": node["id"], "after": cursor})
            timeline = ((data.get("node") or {}).get("timelineItems")) or {}
            more = parse_timeline(timeline.get("nodes", []), source=self.connector.source)
            links += more[0]
            moves += more[1]
            closers += more[2]
            page = timeline.get("pageInfo") or {}
            cursor = page.get("endCursor") if page.get("hasNextPage") else None
        return IssueDetails(
            comments=details.comments,
            backlinks=tuple(links),
            moves=tuple(moves),
            closer_ids=tuple(dict.fromkeys(closers)),
            pull_requests=details.pull_requests,
        )

    def _pull_requests(self, ids: Sequence[str]) -> dict[str, PullRequest]:
        found: dict[str, PullRequest] = {}
        for batch in _batches(list(dict.fromkeys(ids)), queries.MAX_IDS):
            data = self.client.graphql(queries.PULL_REQUESTS, {"ids": list(batch)})
            for node in data.get("nodes") or []:
                if node and node.get("id"):
                    found[node["id"]] = parse_pull_request(node)
        return found

    # ------------------------------------------------------------------ sweep

    def _sweep_due(self, cursor: _Cursor) -> bool:
        if self.connector.sweep is not None:
            return self.connector.sweep
        last = _parse(cursor.swept_at)
        every = timedelta(days=self.connector.sources.sweep_days)
        return last is None or self.connector.clock() - last >= every

    def _sweep(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        """Forget stored issues that left the listing: deleted (410 / 404) or transferred
        away (301; the repo it moved to picks it up, with the move, if it is synced)."""
        started = self.connector.clock()
        listed = self._all_numbers()
        source = self.connector.source
        gone = []
        for key in store.keys_in_container(source, self.repo):
            number = int(key.rsplit("#", 1)[1])
            if number not in listed and self.client.probe_issue(self.repo, number).status != (
                "present"
            ):
                gone.append(f"{source}:{key}")
        cursor.swept_at = _format(started)
        yield Page((), cursor.as_json(), deleted=gone, seen=len(listed))

    def _all_numbers(self) -> set[int]:
        numbers: set[int] = set()
        url: str | None = None
        while True:
            page = self.client.list_issues(self.repo, since=None, url=url)
            numbers.update(i.number for i in page.items if not i.is_pull_request)
            if page.next_url is None:
                return numbers
            url = page.next_url


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _format(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
