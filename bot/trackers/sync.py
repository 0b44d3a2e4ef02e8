"""The sync engine shared by every tracker connector.

A connector splits its work into *streams* (a GitHub repo, a Jira project...), each with
its own cursor. For every page a stream yields, the engine upserts the page's issues,
forgets vanished ones and saves the stream's cursor **in one transaction**, so a crash at
any point resumes from the last committed page, without loss or duplicates (upserts are
idempotent). Streams run concurrently, each thread with its own database connection, which
the caller's ``open_store`` opens: the engine knows the store only by the ``SyncStore`` port.
Before a page is committed, ``sync_guard`` checks that the stream is getting somewhere (no
address read twice, requests in proportion to items) and stops it with an error otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from bot.core.models import Issue, Visibility
from bot.errors import ImpactbotError
from bot.trackers.http import requests_sent_here
from bot.trackers.sync_guard import StreamGuard

log = logging.getLogger("impactbot.sync")


class StoreView(Protocol):
    """What a stream may read from the store while it syncs."""

    def updated_at_of(self, uids: Sequence[str]) -> dict[str, str]: ...

    def keys_in_container(self, source: str, container: str) -> list[str]: ...


class SyncIssues(StoreView, Protocol):
    """The issues repository as the engine uses it: reads for the streams, the writes of a
    page, and each stream's saved cursor."""

    def upsert(self, issues: Sequence[Issue]) -> None: ...

    def delete(self, uid: str) -> None: ...

    def set_container_visibility(
        self, source: str, container: str, visibility: Visibility
    ) -> object: ...

    def sync_state(self, key: str) -> dict[str, Any] | None: ...

    def save_sync_state(
        self, key: str, *, cursor: object, etag: str | None, at: datetime
    ) -> None: ...


class SyncStore(Protocol):
    """The store port of the engine: one connection, its issues and its transactions."""

    @property
    def issues(self) -> SyncIssues: ...

    def transaction(self) -> AbstractContextManager[object]: ...


#: Opens a connection to the store (the engine closes it): one per stream's thread.
OpenStore = Callable[[], AbstractContextManager[SyncStore]]


@dataclass(frozen=True)
class Page:
    """What one step of a stream produced, and the cursor to save with it."""

    issues: Sequence[Issue]
    cursor: Any  # JSON-serialisable, owned by the connector
    etag: str | None = None
    seen: int = 0  # items looked at, changed or not
    deleted: Sequence[str] = ()  # uids that no longer exist
    url: str | None = None  # the address it was read from, if it has one (see sync_guard)
    # containers (repositories, projects, teams) whose visibility the tracker reported: every
    # stored issue of each takes it, changed on the tracker or not
    visibility: Sequence[ContainerVisibility] = ()


class ContainerVisibility(NamedTuple):
    """A container's visibility as its tracker reports it."""

    source: str
    container: str
    visibility: Visibility


@dataclass(frozen=True)
class SavedState:
    cursor: Any
    etag: str | None


class Stream(Protocol):
    key: str  # unique across sources, e.g. "github:acme/asr"

    def pages(self, state: SavedState | None, store: StoreView) -> Iterator[Page]: ...


class StateAccess(Protocol):
    def sync_state(self, key: str) -> dict[str, Any] | None: ...

    def save_sync_state(
        self, key: str, *, cursor: object, etag: str | None, at: datetime
    ) -> None: ...


class Connector(Protocol):
    source: str

    def streams(self, state: StateAccess, *, full: bool) -> list[Stream]: ...


@dataclass
class StreamResult:
    key: str
    pages: int = 0
    seen: int = 0
    written: int = 0
    deleted: int = 0
    error: str | None = None


@dataclass
class SyncReport:
    source: str
    streams: list[StreamResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StreamResult]:
        return [s for s in self.streams if s.error]

    @property
    def written(self) -> int:
        return sum(s.written for s in self.streams)

    @property
    def changed_uids_count(self) -> int:
        return self.written + sum(s.deleted for s in self.streams)


class Progress(Protocol):
    def stream_started(self, key: str) -> None: ...

    def page_done(self, key: str, result: StreamResult) -> None: ...

    def stream_done(self, result: StreamResult) -> None: ...


class ProgressDisplay(Progress, Protocol):
    """A progress display that is shown while its ``with`` block runs."""

    def __enter__(self) -> ProgressDisplay: ...

    def __exit__(self, *args: Any) -> None: ...


class _Silent:
    def stream_started(self, key: str) -> None:
        pass

    def page_done(self, key: str, result: StreamResult) -> None:
        pass

    def stream_done(self, result: StreamResult) -> None:
        pass


def run_sync(
    connector: Connector,
    *,
    open_store: OpenStore,
    clock: Callable[[], datetime],
    full: bool = False,
    concurrency: int = 4,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync every stream of ``connector`` into the store ``open_store`` opens (once for the
    streams' list, then once in each stream's thread).

    ``full`` ignores saved cursors (re-reads everything; upserts keep it idempotent). A
    stream that fails is reported in its result; the others carry on.
    """
    progress = progress or _Silent()
    with open_store() as store:
        streams = connector.streams(_Committing(store), full=full)
    report = SyncReport(source=connector.source)

    def work(stream: Stream) -> StreamResult:
        return _sync_stream(
            stream, open_store=open_store, clock=clock, full=full, progress=progress
        )

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        report.streams = list(pool.map(work, streams))
    return report


def _sync_stream(
    stream: Stream,
    *,
    open_store: OpenStore,
    clock: Callable[[], datetime],
    full: bool,
    progress: Progress,
) -> StreamResult:
    result = StreamResult(key=stream.key)
    progress.stream_started(stream.key)
    guard, spent_before = StreamGuard(stream.key), requests_sent_here()
    with open_store() as store:
        saved = None if full else _saved(store, stream.key)
        try:
            for page in stream.pages(saved, store.issues):
                guard.check(
                    url=page.url,
                    items=page.seen + len(page.deleted),
                    requests=requests_sent_here() - spent_before,
                )
                _commit(store, stream.key, page, clock())
                result.pages += 1
                result.seen += page.seen
                result.written += len(page.issues)
                result.deleted += len(page.deleted)
                progress.page_done(stream.key, result)
        except ImpactbotError as exc:
            result.error = str(exc)
        except Exception as exc:  # one odd answer must not stop the other streams
            log.exception("sync of %s failed", stream.key)
            result.error = f"unexpected {type(exc).__name__}: {exc} (logged)"
    progress.stream_done(result)
    return result


def _saved(store: SyncStore, key: str) -> SavedState | None:
    row = store.issues.sync_state(key)
    return SavedState(cursor=row["cursor"], etag=row["etag"]) if row else None


def _commit(store: SyncStore, key: str, page: Page, at: datetime) -> None:
    issues = store.issues
    with store.transaction():
        if page.issues:
            issues.upsert(page.issues)
        for uid in page.deleted:
            issues.delete(uid)
        for seen in page.visibility:
            issues.set_container_visibility(seen.source, seen.container, seen.visibility)
        issues.save_sync_state(key, cursor=page.cursor, etag=page.etag, at=at)


class _Committing:
    """State access for ``Connector.streams``: each save is its own small transaction."""

    def __init__(self, store: SyncStore) -> None:
        self._store = store

    def sync_state(self, key: str) -> dict[str, Any] | None:
        return self._store.issues.sync_state(key)

    def save_sync_state(self, key: str, *, cursor: object, etag: str | None, at: datetime) -> None:
        with self._store.transaction():
            self._store.issues.save_sync_state(key, cursor=cursor, etag=etag, at=at)


def sweep_due(forced: bool | None, swept_at: str | None, now: datetime, every: timedelta) -> bool:
    """Whether a stream looks for vanished issues now: ``forced`` (True / False, from the
    caller) wins; otherwise when it never swept or its last sweep (``swept_at``, ISO 8601 with
    a zone) is at least ``every`` old."""
    if forced is not None:
        return forced
    if not swept_at:
        return True
    return now - datetime.fromisoformat(swept_at.replace("Z", "+00:00")) >= every
