"""Shared set-up for the Jira connector tests: a fake site, and syncs run the way
`impactbot sync` runs them, with the governor's sleep moving the fake clock instead."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bot.core.models import Issue, TrackerKind
from bot.core.rules_sources import JiraSources
from bot.core.sources import SourceInfo, SourceMap
from bot.store import open_store
from bot.trackers.http import Governor
from bot.trackers.jira.dialect import jira_dialect
from bot.trackers.jira.factory import JiraCredentials, build, claim_writer
from bot.trackers.sync import SyncReport, run_sync
from bot.trackers.writeback import ClaimWriter
from tests.fakes.jira import FakeJira

EMAIL, TOKEN = "bot@acme.io", "jira-token"


def source_map(fake: FakeJira, source: str = "jira") -> SourceMap:
    """Jira at the fake's host, and GitHub at github.com."""
    host = fake.url.split("://", 1)[1]
    return SourceMap(
        [
            SourceInfo(name=source, kind=TrackerKind.JIRA, hosts=(host,)),
            SourceInfo(name="github", kind=TrackerKind.GITHUB, hosts=("github.com",)),
        ]
    )


def credentials(fake: FakeJira, *, email: str = EMAIL, api_token: str = TOKEN) -> JiraCredentials:
    return JiraCredentials(url=fake.url, email=email, api_token=api_token)


class Harness:
    def __init__(self, fake: FakeJira, db: Path) -> None:
        self.fake, self.db = fake, db
        self.sleeps: list[float] = []
        self.http = httpx.Client(timeout=10)
        self.governor = Governor(
            sleep=self._sleep, clock=lambda: fake.now, jitter=lambda: 0.5, normalise=jira_dialect
        )

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.fake.advance(seconds)

    def sync(
        self, sources: JiraSources, *, full: bool = False, sweep: bool | None = False
    ) -> SyncReport:
        connector, _ = build(
            credentials(self.fake),
            sources,
            http=self.http,
            clock=lambda: self.fake.now,
            source_map=source_map(self.fake, sources.source),
            sweep=sweep,
            governor=self.governor,
        )
        return run_sync(
            connector,
            open_store=partial(open_store, self.db),
            clock=lambda: self.fake.now,
            full=full,
            concurrency=2,
        )

    def writer(self) -> ClaimWriter:
        return claim_writer(
            credentials(self.fake),
            JiraSources(projects=("ASR",)),
            http=self.http,
            governor=self.governor,
        )

    def issues(self) -> dict[str, Issue]:
        with open_store(self.db) as store:
            return {i.key: i for i in store.issues.all()}

    def cursor(self, key: str) -> dict[str, Any]:
        with open_store(self.db) as store:
            row = store.issues.sync_state(key)
        assert row is not None
        return dict(row["cursor"])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
