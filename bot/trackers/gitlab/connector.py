"""GitLab on the sync engine: one stream per configured group (subgroups included) or project.

Listing walks ``/issues?order_by=updated_at&sort=asc`` by moving ``updated_after`` forward to
the newest ``updated_at`` seen (minus a small overlap) and restarting, so an issue edited
mid-sync is never skipped by shifting offset pages, and no listing goes deep enough to need
``X-Total`` (absent above 10,000 results). Pages are followed (``Link`` or ``X-Next-Page``)
only inside a burst of more than a page of issues updated in the same overlap window. A sync
with nothing new costs one request per stream. Changed issues (and only those) get their
notes and links, one request each. An issue closed because it moved (``moved_to_id``) is
forgotten: its successor, where synced, carries the move in ``ownership_changes``.

GitLab throttles the touch a note gives its issue (``ThrottledTouch``: ``updated_at`` moves
only when it is more than a minute old; a new link adds a system note the same way), so a
note or link added within a minute of an issue's last update leaves ``updated_at`` as it was.
An issue whose notes were read less than ``TOUCH_THROTTLE`` (plus a margin) after its
``updated_at``, by GitLab's clock (the listing's ``Date``), is kept in the cursor's
``recheck`` list and read again by the next sync, listed or not; after that read the minute
has passed and what it shows is final. ``--full`` re-reads the notes and links of every issue.

The sweep lists every issue in creation order (stable: an edit during the walk moves
nothing) and forgets a stored issue only after a direct read answers 404 or 410, or shows it
moved away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.models import Issue
from bot.core.rules_sources import GitLabSources
from bot.core.sources import SourceMap
from bot.trackers.gitlab.client import GitLabClient, Scope
from bot.trackers.gitlab.payloads import GitLabIssue, project_visibility_of, to_issue
from bot.trackers.sync import (
    ContainerVisibility,
    Page,
    SavedState,
    StateAccess,
    StoreView,
    Stream,
    sweep_due,
)

SWEEP_DAYS = 7  # how often, at most, a stream looks for deleted issues when not told
TOUCH_THROTTLE = timedelta(minutes=1)  # GitLab's ThrottledTouch::TOUCH_INTERVAL
THROTTLE_MARGIN = timedelta(seconds=2)  # ``Date`` has whole seconds; the throttle is strict


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
        return [IssueStream(self, scope, path, full=full) for scope, path in wanted.values()]


@dataclass
class _Cursor:
    since: str | None = None
    swept_at: str | None = None
    projects: list[str] = field(default_factory=list)  # a group's projects seen so far
    recheck: list[list[str | int]] = field(default_factory=list)  # [project, iid] pairs

    def as_json(self) -> dict[str, object]:
        return {
            "since": self.since,
            "swept_at": self.swept_at,
            "projects": self.projects,
            "recheck": self.recheck,
        }

    def saw(self, items: Sequence[GitLabIssue]) -> None:
        self.projects = sorted(set(self.projects) | {i.project for i in items})

    def pending(self) -> set[tuple[str, int]]:
        return {(str(project), int(iid)) for project, iid in self.recheck}

    def read(self, item: GitLabIssue, at: datetime) -> None:
        """``item``'s notes were read at ``at`` (GitLab's clock): keep it for the next sync
        while notes might still arrive without moving its ``updated_at``."""
        pending = self.pending() - {(item.project, item.iid)}
        if at - item.updated_at <= TOUCH_THROTTLE + THROTTLE_MARGIN and not item.moved:
            pending.add((item.project, item.iid))
        self.recheck = [[project, iid] for project, iid in sorted(pending)]

    def drop(self, project: str, iid: int) -> None:
        self.recheck = [[p, i] for p, i in sorted(self.pending() - {(project, iid)})]


class IssueStream:
    """The issues of one group or project, incrementally."""

    def __init__(
        self, connector: GitLabConnector, scope: Scope, path: str, *, full: bool = False
    ) -> None:
        self.connector = connector
        self.client = connector.client
        self.scope, self.path = scope, path
        self.source = connector.source
        self.key = f"{connector.source}:{path}"
        self.overlap = timedelta(seconds=connector.sources.overlap_seconds)
        self.full = full  # re-read every issue's notes and links
        self._read: set[tuple[str, int]] = set()  # issues whose notes this sync read
        self._server_now: datetime | None = None  # GitLab's time at the last listing page
        self._visibility: dict[str, str] = {}  # project → its visibility, read once a sync

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]:
        cursor = _Cursor(**state.cursor) if state and state.cursor else _Cursor()
        if self.scope == "projects":  # a project made private changes none of its issues
            yield Page((), cursor.as_json(), visibility=self._projects_seen([self.path]))
        yield from self._listing(cursor, store)
        yield from self._rechecks(cursor)
        if self._sweep_due(cursor):
            yield from self._sweep(cursor, store)

    def _listing(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        url: str | None = None
        while True:
            since = _parse(cursor.since)
            page = self.client.list_issues(self.scope, self.path, updated_after=since, url=url)
            self._server_now = page.server_time or self.connector.clock()
            mine = [i for i in page.items if self._ours(i)]
            seen_projects = self._projects_seen([i.project for i in mine])
            issues, gone = self._complete(mine, store, cursor)
            if self.scope == "groups":
                cursor.saw(mine)
            next_since = self._next_since(page.items, since)
            seen = len(page.items)
            if page.next_url and next_since == cursor.since:
                url = page.next_url  # a burst larger than a page: follow the next link
                yield Page(
                    issues, cursor.as_json(), seen=seen, deleted=gone, visibility=seen_projects
                )
                continue
            if page.next_url is None and (next_since == cursor.since or not page.items):
                yield Page(
                    issues, cursor.as_json(), seen=seen, deleted=gone, visibility=seen_projects
                )
                return
            cursor.since, url = next_since, None
            yield Page(issues, cursor.as_json(), seen=seen, deleted=gone, visibility=seen_projects)

    def _projects_seen(self, projects: Sequence[str]) -> tuple[ContainerVisibility, ...]:
        """The visibility of each project (read once a sync): every stored issue of a
        project takes it, changed on GitLab or not (confidential ones stay restricted)."""
        for project in dict.fromkeys(projects):
            if project not in self._visibility:
                self._visibility[project] = self.client.project_visibility(project)
        return tuple(
            ContainerVisibility(self.source, p, project_visibility_of(self._visibility[p]))
            for p in dict.fromkeys(projects)
        )

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
        self, items: Sequence[GitLabIssue], store: StoreView, cursor: _Cursor
    ) -> tuple[list[Issue], list[str]]:
        """New or changed issues with their notes and links (and, once a sync, those due a
        re-check, or all of them with ``full``); uids of stored moved ones."""
        uids = {i.id: f"{self.source}:{i.key}" for i in items}
        stored = store.updated_at_of(list(uids.values()))
        gone = [uids[i.id] for i in items if i.moved and uids[i.id] in stored]
        for moved in (i for i in items if i.moved):
            cursor.drop(moved.project, moved.iid)
        pending = cursor.pending()
        changed = [
            i
            for i in items
            if not i.moved
            and (
                stored.get(uids[i.id]) != i.updated_at.astimezone(UTC).isoformat()
                or ((self.full or (i.project, i.iid) in pending) and self._unread(i))
            )
        ]
        return [self._whole(i, cursor) for i in changed], gone

    def _unread(self, item: GitLabIssue) -> bool:
        return (item.project, item.iid) not in self._read

    def _rechecks(self, cursor: _Cursor) -> Iterator[Page]:
        """Read directly the issues due a re-check that the listing did not show (their
        ``updated_at`` fell behind the listing's bound); forget those GitLab says are gone
        (404 or 410) or moved away."""
        due = sorted(cursor.pending() - self._read)
        if not due:
            return
        issues: list[Issue] = []
        gone: list[str] = []
        for project, iid in due:
            found = self.client.find_issue(project, iid)
            if found is None or found.moved:
                cursor.drop(project, iid)
                gone.append(f"{self.source}:{project}#{iid}")
            else:
                issues.append(self._whole(found, cursor))
        yield Page(issues, cursor.as_json(), seen=len(due), deleted=gone)

    def _whole(self, item: GitLabIssue, cursor: _Cursor) -> Issue:
        project = item.project
        self._projects_seen([project])
        self._read.add((project, item.iid))
        cursor.read(item, self._server_now or self.connector.clock())
        return to_issue(
            item,
            self.client.notes(project, item.iid),
            self.client.links(project, item.iid),
            source=self.source,
            source_map=self.connector.source_map,
            project_visibility=self._visibility.get(project),
        )

    # ------------------------------------------------------------------ sweep

    def _sweep_due(self, cursor: _Cursor) -> bool:
        return sweep_due(
            self.connector.sweep, cursor.swept_at, self.connector.clock(), timedelta(SWEEP_DAYS)
        )

    def _sweep(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        """Forget stored issues of this stream's projects that are gone: deleted, or moved
        (moved ones are listed, closed, and forgotten too). The listing walks creation order,
        which an edit during the walk cannot reshuffle; a stored issue it does not show is
        read directly and forgotten only on 404 / 410 or a move. A group's projects are those
        its listings ever showed, kept in the cursor."""
        started = self.connector.clock()
        listed: set[str] = set()
        containers = set(cursor.projects) if self.scope == "groups" else {self.path}
        url: str | None = None
        while True:
            page = self.client.list_issues(
                self.scope, self.path, updated_after=None, url=url, order_by="created_at"
            )
            mine = [i for i in page.items if self._ours(i)]
            listed.update(i.key.casefold() for i in mine if not i.moved)
            containers.update(i.project for i in mine)
            if page.next_url is None:
                break
            url = page.next_url
        missing = [
            key
            for container in sorted(containers)
            for key in store.keys_in_container(self.source, container)
            if key.casefold() not in listed
        ]
        gone = [f"{self.source}:{key}" for key in missing if self._confirmed_gone(key)]
        cursor.swept_at = _format(started)
        yield Page((), cursor.as_json(), deleted=gone, seen=len(listed))

    def _confirmed_gone(self, key: str) -> bool:
        """Whether a direct read of ``key`` (``project#iid``) says it is gone or moved."""
        project, _, iid = key.rpartition("#")
        if not iid.isdigit():
            return False
        found = self.client.find_issue(project, int(iid))
        return found is None or found.moved


def _format(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
