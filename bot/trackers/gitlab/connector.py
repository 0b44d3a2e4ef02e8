"""GitLab on the sync engine: one stream per configured group (subgroups included) or project.

Listing walks ``/issues?order_by=updated_at&sort=asc`` by moving ``updated_after`` forward to
the newest ``updated_at`` seen (minus a small overlap) and restarting, so an issue edited
mid-sync is never skipped by shifting offset pages, and no listing goes deep enough to need
``X-Total`` (absent above 10,000 results). Pages are followed (``Link`` or ``X-Next-Page``)
only inside a burst of more than a page of issues updated in the same overlap window. A sync
with nothing new costs one request per stream. Changed issues (and only those) get their
notes and links, one request each. An issue closed because it moved (``moved_to_id``) is
forgotten: its successor, where synced, carries the move in ``ownership_changes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.models import Issue
from bot.core.rules import GitLabSources
from bot.core.sources import SourceMap
from bot.trackers.gitlab.client import GitLabClient, Scope
from bot.trackers.gitlab.payloads import GitLabIssue, to_issue
from bot.trackers.sync import Page, SavedState, StateAccess, StoreView, Stream

SWEEP_DAYS = 7  # how often, at most, a stream looks for deleted issues when not told


class GitLabConnector:
    """Builds one ``IssueStream`` per configured group and project."""

    def __init__(
        self,
        client: GitLabClient,
        sources: GitLabSources,
        *,
        source_map: SourceMap,
        clock: Callable[[], datetime],
        sweep: bool | None = None,
    ) -> None:
        self.client = client
        self.sources = sources
        self.source = sources.source
        self.source_map = source_map
        self.clock = clock
        self.sweep = sweep  # None: every SWEEP_DAYS; True / False: force / skip
        self.excluded = {p.casefold() for p in sources.exclude_projects}
        self.own_streams = {p.casefold() for p in sources.projects}

    def streams(self, state: StateAccess, *, full: bool) -> list[Stream]:
        """Groups first, then projects; one stream per path however it is spelt."""
        wanted: dict[str, tuple[Scope, str]] = {}
        for group in self.sources.groups:
            wanted.setdefault(group.strip("/").casefold(), ("groups", group.strip("/")))
        for project in self.sources.projects:
            if project.casefold() not in self.excluded:
                wanted.setdefault(project.casefold(), ("projects", project))
        return [IssueStream(self, scope, path) for scope, path in wanted.values()]


@dataclass
class _Cursor:
    since: str | None = None
    swept_at: str | None = None
    projects: list[str] = field(default_factory=list)  # a group's projects seen so far

    def as_json(self) -> dict[str, object]:
        return {"since": self.since, "swept_at": self.swept_at, "projects": self.projects}

    def saw(self, items: Sequence[GitLabIssue]) -> None:
        self.projects = sorted(set(self.projects) | {i.project for i in items})


class IssueStream:
    """The issues of one group or project, incrementally."""

    def __init__(self, connector: GitLabConnector, scope: Scope, path: str) -> None:
        self.connector = connector
        self.client = connector.client
        self.scope, self.path = scope, path
        self.source = connector.source
        self.key = f"{connector.source}:{path}"
        self.overlap = timedelta(seconds=connector.sources.overlap_seconds)

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]:
        cursor = _Cursor(**state.cursor) if state and state.cursor else _Cursor()
        yield from self._listing(cursor, store)
        if self._sweep_due(cursor):
            yield from self._sweep(cursor, store)

    def _listing(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        url: str | None = None
        while True:
            since = _parse(cursor.since)
            page = self.client.list_issues(self.scope, self.path, updated_after=since, url=url)
            mine = [i for i in page.items if self._ours(i)]
            issues, gone = self._complete(mine, store)
            if self.scope == "groups":
                cursor.saw(mine)
            next_since = self._next_since(page.items, since)
            seen = len(page.items)
            if page.next_url and next_since == cursor.since:
                url = page.next_url  # a burst larger than a page: follow the next link
                yield Page(issues, cursor.as_json(), seen=seen, deleted=gone)
                continue
            if page.next_url is None and (next_since == cursor.since or not page.items):
                yield Page(issues, cursor.as_json(), seen=seen, deleted=gone)
                return
            cursor.since, url = next_since, None
            yield Page(issues, cursor.as_json(), seen=seen, deleted=gone)

    def _ours(self, item: GitLabIssue) -> bool:
        """Whether this stream owns ``item``: a group's stream leaves out excluded projects
        and those configured as streams of their own."""
        if self.scope == "projects":
            return True
        project = item.project.casefold()
        return project not in self.connector.excluded and project not in self.connector.own_streams

    def _next_since(self, items: Sequence[GitLabIssue], since: datetime | None) -> str | None:
        """The newest ``updated_at`` minus the overlap, never moving backwards."""
        newest = max((i.updated_at for i in items), default=None)
        if newest is None or (since is not None and newest - self.overlap <= since):
            return _format(since)
        return _format(newest - self.overlap)

    def _complete(
        self, items: Sequence[GitLabIssue], store: StoreView
    ) -> tuple[list[Issue], list[str]]:
        """New or changed issues with their notes and links; uids of stored moved ones."""
        uids = {i.id: f"{self.source}:{i.key}" for i in items}
        stored = store.updated_at_of(list(uids.values()))
        gone = [uids[i.id] for i in items if i.moved and uids[i.id] in stored]
        changed = [
            i
            for i in items
            if not i.moved and stored.get(uids[i.id]) != i.updated_at.astimezone(UTC).isoformat()
        ]
        return [self._whole(i) for i in changed], gone

    def _whole(self, item: GitLabIssue) -> Issue:
        project = item.project
        return to_issue(
            item,
            self.client.notes(project, item.iid),
            self.client.links(project, item.iid),
            source=self.source,
            source_map=self.connector.source_map,
        )

    # ------------------------------------------------------------------ sweep

    def _sweep_due(self, cursor: _Cursor) -> bool:
        if self.connector.sweep is not None:
            return self.connector.sweep
        last = _parse(cursor.swept_at)
        return last is None or self.connector.clock() - last >= timedelta(days=SWEEP_DAYS)

    def _sweep(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        """Forget stored issues of this stream's projects that the full listing no longer has
        (deleted, or moved: moved ones are listed, closed, and forgotten too). A group's
        projects are those its listings ever showed, kept in the cursor."""
        started = self.connector.clock()
        listed: set[str] = set()
        containers = set(cursor.projects) if self.scope == "groups" else {self.path}
        url: str | None = None
        while True:
            page = self.client.list_issues(self.scope, self.path, updated_after=None, url=url)
            mine = [i for i in page.items if self._ours(i)]
            listed.update(i.key.casefold() for i in mine if not i.moved)
            containers.update(i.project for i in mine)
            if page.next_url is None:
                break
            url = page.next_url
        gone = [
            f"{self.source}:{key}"
            for container in sorted(containers)
            for key in store.keys_in_container(self.source, container)
            if key.casefold() not in listed
        ]
        cursor.swept_at = _format(started)
        yield Page((), cursor.as_json(), deleted=gone, seen=len(listed))


def _format(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
