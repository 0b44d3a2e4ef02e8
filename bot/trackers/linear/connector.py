"""Linear on the sync engine: one stream per configured team (one for the whole workspace
when no team is named), so a team added later gets its whole history.

Linear lists ``orderBy: updatedAt`` newest first, so a cursor cannot advance page by page.
Each stream walks bounded windows ``[lo, hi)`` of ``updatedAt`` from its cursor to now
(``window_days`` wide; the first sync starts at the oldest issue, found with one
``last: 1`` probe). Inside a window the Relay ``endCursor`` is checkpointed with every page,
so a crash resumes mid-window; only a finished window moves ``since`` to its ``hi`` — or, for
the last window (whose ``hi`` is now), to ``hi`` minus ``overlap_seconds``. An issue edited
while a window is read moves past ``hi`` and is read by the next window, never lost.

A page's issues that the store already holds at the same ``updatedAt`` are not rebuilt;
trashed issues and the old identifiers of issues moved between teams are forgotten.

An issue moved to a team that is not synced, or deleted for good, is never listed again: a
weekly sweep lists the stream's identifiers updated before the sweep began (a fixed set,
walked with keyset cursors, which an edit during the walk cannot shift), and reads each
stored issue it did not see directly: forgotten when Linear does not find it, finds it
trashed, or finds it under another identifier (its old one in ``previousIdentifiers``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.models import Issue, Visibility
from bot.core.rules_sources import LinearSources
from bot.core.sources import SourceMap
from bot.trackers.http import TrackerError
from bot.trackers.linear import queries
from bot.trackers.linear.client import LinearClient, QueryTooComplexError
from bot.trackers.linear.payloads import (
    LinearIssue,
    parse_issue,
    parse_team,
    team_visibility,
    to_issue,
    visibility_of,
)
from bot.trackers.sync import (
    ContainerVisibility,
    Page,
    SavedState,
    StateAccess,
    StoreView,
    Stream,
    sweep_due,
)

ALL_TEAMS = "*"
SWEEP_DAYS = 7  # how often, at most, a stream looks for vanished issues when not told
log = logging.getLogger("impactbot.sync.linear")


class LinearConnector:
    """Builds one ``TeamStream`` per configured team key (or one for every team)."""

    def __init__(
        self,
        client: LinearClient,
        sources: LinearSources,
        *,
        clock: Callable[[], datetime],
        source_map: SourceMap,
        sweep: bool | None = None,
    ) -> None:
        self.client = client
        self.sources = sources
        self.source = sources.source
        self.clock = clock
        self.source_map = source_map
        self.sweep = sweep  # None: every SWEEP_DAYS; True / False: force / skip
        self.page_size = queries.fitting_page_size(sources.page_size)
        self._teams: dict[str, Visibility] | None = None  # team key → visibility, this sync
        self._teams_lock = threading.Lock()

    def streams(self, state: StateAccess, *, full: bool) -> list[Stream]:
        teams = sorted(set(self.sources.teams)) or [ALL_TEAMS]
        return [TeamStream(self, team) for team in teams]

    def team_visibility(self) -> dict[str, Visibility]:
        """Each team's visibility, asked once a sync (one small query per 100 teams) by the
        first stream that needs it."""
        with self._teams_lock:
            if self._teams is None:
                self._teams = self._read_team_visibility()
            return self._teams

    def _read_team_visibility(self) -> dict[str, Visibility]:
        found: dict[str, Visibility] = {}
        after: str | None = None
        while True:
            data = self.client.query(queries.TEAMS, {"after": after}, doing="listing teams")
            listing = data.get("teams") or {}
            for node in listing.get("nodes") or []:
                team = parse_team(node)
                found[team.key] = visibility_of(team)
            page = listing.get("pageInfo") or {}
            after = page.get("endCursor") if page.get("hasNextPage") else None
            if after is None:
                return found


@dataclass
class _Cursor:
    """What a stream saves: ``since`` (issues updated before it are stored) and the window
    being read, with the Relay cursor of its last committed page."""

    since: str | None = None
    lo: str | None = None
    hi: str | None = None
    after: str | None = None
    last: bool = False  # the window's hi is the sync's "now"
    swept_at: str | None = None


class TeamStream:
    """The issues of one team (or of the whole workspace), window by window."""

    def __init__(self, connector: LinearConnector, team: str) -> None:
        self.connector = connector
        self.client = connector.client
        self.team = team
        self.key = f"{connector.source}:{team}"
        sources = connector.sources
        self.page_size = connector.page_size  # halved when Linear finds a page too complex
        self.window = timedelta(days=sources.window_days)
        self.overlap = timedelta(seconds=sources.overlap_seconds)

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]:
        cursor = _Cursor(**state.cursor) if state and state.cursor else _Cursor()
        if cursor.swept_at is None and not self._had_issues(cursor, store):
            # Nothing stored before this sync, so nothing can have vanished: the first
            # sweep is due a sweep interval from now (saved with the first page).
            cursor.swept_at = _format(self.connector.clock())
        yield from self._windows(cursor, store)
        if self._sweep_due(cursor):
            yield from self._sweep(cursor, store)
        yield Page((), asdict(cursor), visibility=self._teams_now())

    def _windows(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        while True:
            if cursor.hi is None and not self._open_window(cursor):
                return
            last = cursor.last
            yield from self._read_window(cursor, store)
            if last:
                return

    def _open_window(self, cursor: _Cursor) -> bool:
        """Set the next window from ``since``; False when there is nothing to read."""
        now = self.connector.clock()
        lo = _parse(cursor.since) or self._oldest()
        if lo is None or lo >= now:
            return False
        hi = min(lo + self.window, now)
        cursor.lo, cursor.hi, cursor.after, cursor.last = _format(lo), _format(hi), None, hi >= now
        return True

    def _oldest(self) -> datetime | None:
        data = self.client.query(
            queries.OLDEST, {"filter": self._team_filter()}, doing=f"probing {self.key}"
        )
        nodes = (data.get("issues") or {}).get("nodes") or []
        return _parse(nodes[0].get("updatedAt")) if nodes else None

    def _read_window(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        while True:
            listing = self._listing_page(cursor)
            nodes = listing.get("nodes") or []
            parsed = [parse_issue(n) for n in nodes]
            issues, deleted = self._complete(parsed, store)
            page_info = listing.get("pageInfo") or {}
            if page_info.get("hasNextPage") and page_info.get("endCursor"):
                cursor.after = page_info["endCursor"]
            else:
                self._finish(cursor)
            yield Page(
                issues,
                asdict(cursor),
                seen=len(nodes),
                deleted=deleted,
                visibility=self._teams_seen(parsed),
            )
            if cursor.hi is None:
                return

    def _listing_page(self, cursor: _Cursor) -> dict[str, Any]:
        """One page of the open window. When Linear finds the query too complex (its count
        is not published and may exceed our estimate), the page size is halved for the rest
        of this stream and the same page asked again; a refusal at one issue a page raises
        ``TrackerError`` with what Linear said."""
        while True:
            variables = {
                "first": self.page_size,
                "after": cursor.after,
                "filter": {**self._team_filter(), "updatedAt": {"gte": cursor.lo, "lt": cursor.hi}},
            }
            try:
                data = self.client.query(queries.ISSUES, variables, doing=f"listing {self.key}")
            except QueryTooComplexError as refused:
                if self.page_size <= 1:
                    raise TrackerError(
                        f"Linear finds even one issue a page too complex when listing "
                        f"{self.key}; Linear said: {refused.message}"
                    ) from refused
                self.page_size = max(1, self.page_size // 2)
                log.warning(
                    "Linear refused a page of %s as too complex (Linear said: %s); "
                    "retrying with %d issues a page",
                    self.key,
                    refused.message,
                    self.page_size,
                )
                continue
            listing = data.get("issues") or {}
            return listing if isinstance(listing, dict) else {}

    def _finish(self, cursor: _Cursor) -> None:
        hi = _parse(cursor.hi)
        assert hi is not None
        cursor.since = _format(hi - self.overlap if cursor.last else hi)
        cursor.lo = cursor.hi = cursor.after = None
        cursor.last = False

    def _team_filter(self) -> dict[str, Any]:
        return {} if self.team == ALL_TEAMS else {"team": {"key": {"eq": self.team}}}

    def _complete(
        self, items: Sequence[LinearIssue], store: StoreView
    ) -> tuple[list[Issue], list[str]]:
        """Issues new or changed since stored (completed with their nested pages), and the
        uids to forget: trashed issues and the old keys of moved ones."""
        source = self.connector.source
        deleted = [f"{source}:{i.identifier}" for i in items if i.is_deleted]
        deleted += [
            f"{source}:{old}"
            for i in items
            for old in i.previous_identifiers
            if old != i.identifier
        ]
        live = [i for i in items if not i.is_deleted]
        stored = store.updated_at_of([f"{source}:{i.identifier}" for i in live])
        changed = [
            i
            for i in live
            if stored.get(f"{source}:{i.identifier}") != i.updated_at.astimezone(UTC).isoformat()
        ]
        issues = [
            to_issue(self._whole(i), source=source, source_map=self.connector.source_map)
            for i in changed
        ]
        return issues, deleted

    def _teams_now(self) -> tuple[ContainerVisibility, ...]:
        """This stream's teams' visibility as Linear answered it this sync: every stored
        issue of a team takes it, changed or not."""
        source, known = self.connector.source, self.connector.team_visibility()
        teams = sorted(known) if self.team == ALL_TEAMS else [self.team]
        return tuple(ContainerVisibility(source, t, known[t]) for t in teams if t in known)

    def _teams_seen(self, items: Sequence[LinearIssue]) -> tuple[ContainerVisibility, ...]:
        """The visibility of each team the page's issues belong to: a team made private or
        public changes none of its issues, so every stored issue of it takes its team's."""
        found = {i.team.key: team_visibility(i) for i in items if not i.is_deleted}
        return tuple(
            ContainerVisibility(self.connector.source, team, seen) for team, seen in found.items()
        )

    def _whole(self, issue: LinearIssue) -> LinearIssue:
        """``issue`` with every label, comment and relation, paging those cut short."""
        for name in issue.more_needed():
            after = issue.end_cursor_of(name)
            nodes: list[dict[str, Any]] = []
            while after:
                data = self.client.query(
                    queries.MORE_OF[name],
                    {"id": issue.id, "after": after},
                    doing=f"reading {name} of {issue.identifier}",
                )
                more = (data.get("issue") or {}).get(name) or {}
                nodes += more.get("nodes") or []
                info = more.get("pageInfo") or {}
                after = info.get("endCursor") if info.get("hasNextPage") else None
            issue = issue.with_more(name, nodes)
        return issue

    # ------------------------------------------------------------------ sweep

    def _had_issues(self, cursor: _Cursor, store: StoreView) -> bool:
        """Whether anything of this stream was stored before this sync: a team's stored
        keys; for the whole workspace, a cursor that has moved."""
        if self.team == ALL_TEAMS:
            return cursor.since is not None or cursor.hi is not None
        return bool(store.keys_in_container(self.connector.source, self.team))

    def _sweep_due(self, cursor: _Cursor) -> bool:
        return sweep_due(
            self.connector.sweep, cursor.swept_at, self.connector.clock(), timedelta(SWEEP_DAYS)
        )

    def _sweep(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        """Forget stored issues of this stream that Linear no longer shows in it (see the
        module docstring); a whole-workspace stream sweeps the teams its listing shows."""
        started = self.connector.clock()
        listed = self._identifiers_before(started)
        teams = {self.team} if self.team != ALL_TEAMS else {k.rsplit("-", 1)[0] for k in listed}
        source = self.connector.source
        missing = [
            key
            for team in sorted(teams)
            for key in store.keys_in_container(source, team)
            if key not in listed
        ]
        gone = [f"{source}:{key}" for key in missing if self._confirmed_gone(key)]
        cursor.swept_at = _format(started)
        yield Page((), asdict(cursor), seen=len(listed), deleted=gone)

    def _identifiers_before(self, bound: datetime) -> set[str]:
        """Identifiers of this stream's issues updated before ``bound``."""
        found: set[str] = set()
        after: str | None = None
        while True:
            variables = {
                "first": queries.SWEEP_PAGE,
                "after": after,
                "filter": {**self._team_filter(), "updatedAt": {"lt": _format(bound)}},
            }
            data = self.client.query(queries.IDENTIFIERS, variables, doing=f"sweeping {self.key}")
            listing = data.get("issues") or {}
            found.update(str(n.get("identifier")) for n in listing.get("nodes") or [])
            info = listing.get("pageInfo") or {}
            after = info.get("endCursor") if info.get("hasNextPage") else None
            if not after:
                return found

    def _confirmed_gone(self, key: str) -> bool:
        """Whether a direct read says ``key`` is no longer an issue of this stream: not
        found, trashed, or known now by another identifier (moved to another team)."""
        issue = self.client.where_is(key)
        if issue is None or issue.get("trashed"):
            return True
        return issue.get("identifier") != key


def _format(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as Linear writes its own times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None
