"""GitHub on the sync engine: one stream per repository.

Listing walks ``/issues?sort=updated&direction=asc`` by moving ``since`` forward to the
newest ``updated_at`` seen (minus a small overlap), so an issue edited mid-sync is never
skipped by shifting pages, and Link headers (requested exactly as GitHub wrote them) are
followed only inside a burst of more than a page of issues updated in the same overlap
window. The last window of a sync is the first of the next; the ETags of its pages are saved,
so a sync with nothing new costs one 304 per page of that window (one per repository, unless
a bulk edit filled several pages), and one more for the repository's own answer (is it still
public? making a repository private changes none of its issues): no rate-limit points at
all. Changed issues (and only those) get their comments, cross-references, closing pull
requests, transfers and repository visibility from GraphQL, 100 at a time. The sweep (weekly)
walks every issue in created order and removes only what a direct read says is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.models import Issue, PullRequest
from bot.core.rules_sources import GitHubSources
from bot.core.sources import SourceMap
from bot.trackers.github import queries
from bot.trackers.github.client import PER_PAGE, GitHubClient, IssuePage
from bot.trackers.github.payloads import (
    IssueDetails,
    RestIssue,
    parse_details,
    parse_pull_request,
    parse_timeline,
    repository_visibility,
    to_issue,
)
from bot.trackers.http import TrackerError
from bot.trackers.sync import (
    ContainerVisibility,
    Page,
    SavedState,
    StateAccess,
    StoreView,
    Stream,
    sweep_due,
)


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
    """``since``: where the next listing starts; ``swept_at``: the last sweep; ``tail``: the
    ``[url, etag]`` of every page after the first of the last listing window, so that a sync
    with nothing new re-reads even a window of several pages with free 304s; ``newest``: the
    ``[url, etag]`` of the window's newest issue alone, kept when the window's last page was
    full (an issue added after a full page lands on a page that did not exist, and leaves
    every page read before unchanged)."""

    since: str | None = None
    swept_at: str | None = None
    tail: list[list[str]] = field(default_factory=list)
    newest: list[str] = field(default_factory=list)
    visibility: str | None = None  # the repository's, as last read, and that answer's ETag
    repo_etag: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "swept_at": self.swept_at,
            "tail": self.tail,
            "newest": self.newest,
            "visibility": self.visibility,
            "repo_etag": self.repo_etag,
        }


@dataclass
class _Window:
    """The pages of one listing window (one ``since``): the first page's ETag, then the
    ``[url, etag]`` of each page reached through ``Link``."""

    first_etag: str | None
    tail: list[list[str]] = field(default_factory=list)


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
        yield from self._visibility(cursor, state.etag if state else None)
        etag = yield from self._listing(cursor, state.etag if state else None, store)
        if self._sweep_due(cursor):
            yield from self._sweep(cursor, etag, store)

    def _visibility(self, cursor: _Cursor, etag: str | None) -> Iterator[Page]:
        """Read the repository's visibility (a free 304 while it is unchanged); when it
        changed, every stored issue of the repository takes it — a repository made private
        or public changes none of its issues, so the listing alone would not say."""
        found, repo_etag = self.client.repo_visibility(self.repo, etag=cursor.repo_etag)
        if found is None:
            return
        changed = found != cursor.visibility
        cursor.visibility, cursor.repo_etag = found, repo_etag
        seen = ContainerVisibility(self.connector.source, self.repo, repository_visibility(found))
        yield Page((), cursor.as_json(), etag=etag, visibility=(seen,) if changed else ())

    def _listing(
        self, cursor: _Cursor, etag: str | None, store: StoreView
    ) -> Generator[Page, None, str | None]:
        """Pages of issues updated since the cursor; returns the ETag it leaves saved.

        The last window (the issues updated within the overlap of the newest one) is where
        the next sync starts: its first page's ETag is saved with the cursor, and so are the
        address and ETag of each later page (and of the newest issue alone, when the last
        page is full), so that a sync with nothing new costs only 304s.
        """
        window = _Window(etag)
        page = self._first_changed_page(cursor, window)
        if page is None:
            return etag
        cursor.tail, cursor.newest = [], []  # saved again once the walk reaches its last window
        while True:
            issues = self._complete(page.items, store)
            next_since = self._next_since(page.items, _parse(cursor.since))
            seen = len(page.items)
            if page.next_url and next_since == cursor.since:
                # A window larger than a page (a bulk edit, an import): follow Link.
                yield Page(issues, cursor.as_json(), seen=seen, url=page.url)
                page = self.client.list_issues(self.repo, since=None, url=page.next_url)
                window.tail.append([page.url, page.etag or ""])
                continue
            if page.next_url is None and (next_since == cursor.since or not page.items):
                cursor.tail = window.tail
                if len(page.items) >= PER_PAGE:
                    cursor.newest = self._newest(cursor)
                yield Page(
                    issues, cursor.as_json(), etag=window.first_etag, seen=seen, url=page.url
                )
                return window.first_etag
            cursor.since = next_since
            yield Page(issues, cursor.as_json(), seen=seen, url=page.url)
            page = self.client.list_issues(self.repo, since=_parse(cursor.since))
            window = _Window(page.etag)

    def _newest(self, cursor: _Cursor) -> list[str]:
        """``[url, etag]`` of the window's newest issue alone, for ``_Cursor.newest``."""
        page = self.client.list_issues(self.repo, since=_parse(cursor.since), newest_only=True)
        return [page.url, page.etag] if page.etag else []

    def _first_changed_page(self, cursor: _Cursor, window: _Window) -> IssuePage | None:
        """The first page of the saved window that GitHub no longer answers with 304 (the
        first request, then each saved later page); ``None`` when nothing changed. When only
        the newest issue changed (after a full last page), the window is read again whole."""
        since = _parse(cursor.since)
        page = self.client.list_issues(self.repo, since=since, etag=window.first_etag)
        window.first_etag = page.etag
        if not page.not_modified:
            return page
        for url, etag in cursor.tail:
            page = self.client.list_issues(self.repo, since=None, url=url, etag=etag or None)
            window.tail.append([page.url, page.etag or ""])
            if not page.not_modified:
                return page
        if cursor.newest:
            url, etag = cursor.newest
            newest = self.client.list_issues(self.repo, since=None, url=url, etag=etag)
            if not newest.not_modified:
                fresh = self.client.list_issues(self.repo, since=since)
                window.first_etag, window.tail = fresh.etag, []
                return fresh
        return None

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
        followed: set[str] = set()  # pages read before a Page exists: the engine cannot see
        while cursor:
            if cursor in followed:
                raise TrackerError(
                    f"GitHub gave the timeline cursor {cursor!r} of {node['id']} in {self.repo} "
                    "a second time: stopped (a paging loop)"
                )
            followed.add(cursor)
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
            visibility=details.visibility,
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
        every = timedelta(days=self.connector.sources.sweep_days)
        return sweep_due(self.connector.sweep, cursor.swept_at, self.connector.clock(), every)

    def _sweep(self, cursor: _Cursor, etag: str | None, store: StoreView) -> Iterator[Page]:
        """Forget stored issues that GitHub says are gone: deleted (410 / 404) or transferred
        away (301; the repo it moved to picks it up, with the move, if it is synced).

        Walks every issue oldest-created first, an order that edits cannot change (by
        ``updated`` an issue edited mid-walk jumps to the end and shifts the others past a page
        boundary, unseen). A deletion or transfer mid-walk still shifts pages, so an issue
        the walk did not list is removed only once a direct read says it is gone. Every page
        keeps the listing's ETag saved, so the next sync still starts with a free 304.
        """
        started = self.connector.clock()
        listed: set[int] = set()
        url: str | None = None
        while True:
            page = self.client.list_issues(self.repo, since=None, url=url, sort="created")
            listed.update(i.number for i in page.items if not i.is_pull_request)
            if page.next_url is None:
                break
            yield Page((), cursor.as_json(), etag=etag, seen=len(page.items), url=page.url)
            url = page.next_url
        gone = self._confirmed_gone(listed, store)
        cursor.swept_at = _format(started)
        yield Page(
            (), cursor.as_json(), etag=etag, deleted=gone, seen=len(page.items), url=page.url
        )

    def _confirmed_gone(self, listed: set[int], store: StoreView) -> list[str]:
        """Stored issues of this repository that were not listed and that a direct read
        confirms are no longer here (anything but "present"; an error stops the sweep)."""
        source = self.connector.source
        gone = []
        for key in store.keys_in_container(source, self.repo):
            number = int(key.rsplit("#", 1)[1])
            if number in listed:
                continue
            if self.client.probe_issue(self.repo, number).status != "present":
                gone.append(f"{source}:{key}")
        return gone


def _batches(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _format(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
