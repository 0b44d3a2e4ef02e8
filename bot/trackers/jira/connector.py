"""Jira Cloud on the sync engine: one stream per project (or one for a configured JQL).

Each stream searches ``updated >= bound ORDER BY updated ASC, key ASC``, where the bound is
the newest ``updated`` seen (kept exact, with milliseconds, as the cursor) minus
``overlap_minutes``, floored to Jira's minute in the API user's time zone. The overlap
catches both the minute precision and search's eventual consistency (an issue updated just
now shows up in search a little later). After every page the cursor moves to the newest
``updated`` seen; when that moves the bound, the search restarts from it (so an issue
edited mid-sync cannot shift pages under us), else ``nextPageToken`` is followed (a burst of
more than a page within one overlap window). Re-read issues whose ``updated`` equals the
stored one are skipped. Comments and changelog beyond what search embeds are fetched only
for changed issues. An issue moved to another project (a ``Key`` change in its changelog)
is forgotten under its old key; a weekly sweep forgets deleted issues.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from bot.core.models import Issue
from bot.core.rules_sources import JiraSources
from bot.core.sources import SourceMap
from bot.trackers.http import TrackerError
from bot.trackers.jira.client import JiraClient
from bot.trackers.jira.jql import (
    jql_minute,
    parse_time,
    project_clause,
    search_jql,
    user_clause,
)
from bot.trackers.jira.payloads import (
    SEARCH_FIELDS,
    History,
    JiraIssue,
    former_keys,
    to_issue,
)
from bot.trackers.sync import Page, SavedState, StateAccess, StoreView, Stream

SWEEP_DAYS = 7
SWEEP_PAGE = 5000  # Jira's largest page, for key-only searches


class JiraConnector:
    """Builds one ``SearchStream`` per configured project, or one for the configured JQL."""

    def __init__(
        self,
        client: JiraClient,
        sources: JiraSources,
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
        self.sweep = sweep  # None: when due (weekly); True / False: force / skip
        self.fields = (*SEARCH_FIELDS, *filter(None, [sources.story_points_field]))

    def streams(self, state: StateAccess, *, full: bool) -> list[Stream]:
        """Reads the API user's time zone once; raises ``TrackerError`` if Jira hides it."""
        zone = self._time_zone()
        if self.sources.jql:
            return [SearchStream(self, user_clause(self.sources.jql), "jql", None, zone)]
        return [SearchStream(self, project_clause(p), p, p, zone) for p in self.sources.projects]

    def _time_zone(self) -> ZoneInfo:
        name = self.client.myself().get("timeZone")
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise TrackerError(
                f"Jira's /myself gave the time zone {name!r}, which is not known: JQL dates "
                "are read in it, so the sync cannot bound its searches"
            ) from exc


@dataclass
class _Cursor:
    updated: str | None = None  # newest ``updated`` seen, ISO in UTC
    swept_at: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"updated": self.updated, "swept_at": self.swept_at}


class SearchStream:
    """The issues matching one restriction (a project, or the configured JQL)."""

    def __init__(
        self,
        connector: JiraConnector,
        clause: str,
        name: str,
        project: str | None,
        zone: ZoneInfo,
    ) -> None:
        self.connector = connector
        self.client = connector.client
        self.clause, self.project, self.zone = clause, project, zone
        self.key = f"{connector.source}:{name}"
        self.overlap = timedelta(minutes=connector.sources.overlap_minutes)

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]:
        cursor = _Cursor(**state.cursor) if state and state.cursor else _Cursor()
        yield from self._listing(cursor, store)
        if self.project is not None and self._sweep_due(cursor):
            yield from self._sweep(cursor, store)

    def _listing(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        newest = parse_time(cursor.updated)
        bound, token = self._bound(newest), None
        while True:
            page = self.client.search(
                search_jql(self.clause, bound),
                fields=self.connector.fields,
                max_results=self.connector.sources.page_size,
                next_token=token,
                expand="changelog",
            )
            raws = [self._parse(item) for item in page.issues]
            issues, gone = self._complete(raws, store)
            newest = max([newest, *(r.fields.updated for r in raws)], key=_instant)
            cursor.updated = newest.astimezone(UTC).isoformat() if newest else None
            yield Page(issues, cursor.as_json(), seen=len(raws), deleted=gone)
            if page.next_token is None:
                return
            next_bound = self._bound(newest)
            bound, token = (bound, page.next_token) if next_bound == bound else (next_bound, None)

    def _bound(self, newest: datetime | None) -> str | None:
        return jql_minute(newest - self.overlap, self.zone) if newest else None

    def _parse(self, item: dict[str, object]) -> JiraIssue:
        try:
            return JiraIssue.model_validate(item)
        except ValidationError as exc:
            key = item.get("key", "an issue")
            raise TrackerError(f"unexpected issue payload from Jira for {key}: {exc}") from exc

    def _complete(
        self, raws: Sequence[JiraIssue], store: StoreView
    ) -> tuple[list[Issue], list[str]]:
        """Changed issues, whole; and the uids they had before moving between projects."""
        source = self.connector.source
        stored = store.updated_at_of([f"{source}:{r.key}" for r in raws])
        issues: list[Issue] = []
        gone: list[str] = []
        for raw in raws:
            if stored.get(f"{source}:{raw.key}") == raw.fields.updated.astimezone(UTC).isoformat():
                continue
            histories = self._histories(raw)
            issues.append(self._issue(raw, histories))
            gone += [f"{source}:{k}" for k in former_keys(histories) if k != raw.key]
        return issues, sorted(set(gone))

    def _histories(self, raw: JiraIssue) -> list[History]:
        """The whole changelog of ``raw``: the embedded one when complete, else read."""
        if raw.changelog is not None and raw.changelog_complete:
            return list(raw.changelog.histories)
        return self.client.changelog(raw.key)

    def _issue(self, raw: JiraIssue, histories: list[History]) -> Issue:
        comments = None if raw.comments_complete else self.client.comments(raw.key)
        try:
            return to_issue(
                raw,
                source=self.connector.source,
                site=self.client.site,
                source_map=self.connector.source_map,
                comments=comments,
                histories=histories,
                story_points_field=self.connector.sources.story_points_field,
            ).model_copy(update={"visibility": self.connector.sources.visibility})
        except (ValueError, ValidationError) as exc:
            raise TrackerError(f"unexpected issue payload from Jira for {raw.key}: {exc}") from exc

    # ------------------------------------------------------------------ sweep

    def _sweep_due(self, cursor: _Cursor) -> bool:
        if self.connector.sweep is not None:
            return self.connector.sweep
        last = parse_time(cursor.swept_at)
        return last is None or self.connector.clock() - last >= timedelta(days=SWEEP_DAYS)

    def _sweep(self, cursor: _Cursor, store: StoreView) -> Iterator[Page]:
        """Forget stored issues of the project that search no longer finds (deleted, or
        moved away: the project they moved to picks them up if it is synced)."""
        assert self.project is not None
        started = self.connector.clock()
        listed: set[str] = set()
        token: str | None = None
        while True:
            page = self.client.search(
                f"{self.clause} ORDER BY key ASC",
                fields=["key"],
                max_results=SWEEP_PAGE,
                next_token=token,
            )
            listed.update(str(item.get("key")) for item in page.issues)
            token = page.next_token
            if token is None:
                break
        source = self.connector.source
        stored = store.keys_in_container(source, self.project)
        gone = [f"{source}:{key}" for key in stored if key not in listed]
        cursor.swept_at = started.astimezone(UTC).isoformat()
        yield Page((), cursor.as_json(), deleted=gone, seen=len(listed))


def _instant(moment: datetime | None) -> datetime:
    return moment if moment is not None else datetime.min.replace(tzinfo=UTC)
