"""Shared set-up of the GitLab connector tests: credentials, source map and a sync runner."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx

from bot.core.models import Issue, TrackerKind
from bot.core.rules_sources import GitLabSources
from bot.core.sources import SourceInfo, SourceMap
from bot.store import open_store
from bot.trackers.gitlab.dialect import gitlab_dialect
from bot.trackers.gitlab.factory import GitLabCredentials, build
from bot.trackers.http import Governor
from bot.trackers.sync import SyncReport, run_sync
from tests.fakes.gitlab import FakeGitLab

TOKEN = "glpat-t0k"
SOURCE_MAP = SourceMap(
    [
        SourceInfo(name="github", kind=TrackerKind.GITHUB, hosts=("github.com",)),
        SourceInfo(name="gitlab", kind=TrackerKind.GITLAB, hosts=("gitlab.example.com",)),
    ]
)


def credentials(fake: FakeGitLab, token: str = TOKEN) -> GitLabCredentials:
    return GitLabCredentials(token=token, url=fake.url)


class Harness:
    """Runs syncs as `impactbot sync` would, with a recorded (not real) sleep."""

    def __init__(self, fake: FakeGitLab, db: Path) -> None:
        self.fake, self.db = fake, db
        self.sleeps: list[float] = []
        self.http = httpx.Client(timeout=10)
        self.governor = Governor(
            sleep=self.sleeps.append,
            clock=lambda: fake.now,
            jitter=lambda: 0.5,
            normalise=gitlab_dialect,
        )

    def sync(
        self, sources: GitLabSources, *, sweep: bool = False, full: bool = False
    ) -> SyncReport:
        connector, _ = build(
            credentials(self.fake),
            sources,
            http=self.http,
            clock=lambda: self.fake.now,
            source_map=SOURCE_MAP,
            sweep=sweep,
            governor=self.governor,
        )
        return run_sync(
            connector,
            open_store=partial(open_store, self.db),
            clock=lambda: self.fake.now,
            concurrency=2,
            full=full,
        )

    def issues(self) -> dict[str, Issue]:
        with open_store(self.db) as store:
            return {i.key: i for i in store.issues.all()}
