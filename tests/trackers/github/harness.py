"""Running GitHub syncs against the fake GitHub the way `impactbot sync` does, with a recorded
(not real) sleep; shared by the GitHub sync tests."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import httpx

from bot.core.models import Issue
from bot.core.rules_sources import GitHubSources
from bot.store import open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.http import Governor
from bot.trackers.sync import SyncReport, run_sync
from tests.fakes.github import FakeGitHub


class Harness:
    """Runs syncs the way `impactbot sync` does, with a recorded (not real) sleep."""

    def __init__(self, fake: FakeGitHub, db: Path) -> None:
        self.fake, self.db = fake, db
        self.sleeps: list[float] = []
        self.http = httpx.Client(timeout=10)
        self.governor = Governor(
            sleep=self.sleeps.append, clock=lambda: fake.now, jitter=lambda: 0.5
        )

    def sync(
        self, sources: GitHubSources, *, sweep: bool | None = False, **kwargs: object
    ) -> SyncReport:
        """One sync; ``sweep`` None sweeps when due, as production does."""
        client = GitHubClient(
            self.http,
            api_url=self.fake.url,
            graphql_url=self.fake.graphql_url,
            token="t0k",
            governor=self.governor,
        )
        connector = GitHubConnector(client, sources, clock=lambda: self.fake.now, sweep=sweep)
        return run_sync(
            connector,
            open_store=partial(open_store, self.db),
            clock=lambda: self.fake.now,
            concurrency=2,
            **kwargs,  # type: ignore[arg-type]
        )

    def issues(self) -> dict[str, Issue]:
        with open_store(self.db) as store:
            return {i.key: i for i in store.issues.all()}
