"""Shared set-up of the Linear connector tests: the fake, and syncs run the way
`impactbot sync` runs them, with a sleep that moves the fake's clock instead of waiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest

from bot.core.models import Issue, TrackerKind
from bot.core.rules_sources import LinearSources
from bot.core.sources import SourceInfo, SourceMap
from bot.store import open_store
from bot.trackers.http import Governor
from bot.trackers.linear.client import LinearClient
from bot.trackers.linear.connector import LinearConnector
from bot.trackers.linear.dialect import linear_dialect
from bot.trackers.sync import SyncReport, run_sync
from tests.external import external
from tests.fakes.linear import FakeLinear

KEY = "lin_api_t0k"
SOURCE_MAP = SourceMap(
    [
        SourceInfo(name="linear", kind=TrackerKind.LINEAR, hosts=("linear.app",)),
        SourceInfo(name="github", kind=TrackerKind.GITHUB, hosts=("github.com",)),
    ]
)


def needs_schema() -> None:
    """Skip (with the reason) when Linear's schema is absent (it is in tests/vendor)."""
    external("linear", "schema.graphql")


class Harness:
    """Runs syncs against ``fake`` into ``db``; ``sleeps`` records what the governor waited."""

    def __init__(self, fake: FakeLinear, db: Path) -> None:
        self.fake, self.db = fake, db
        self.sleeps: list[float] = []
        self.http = httpx.Client(timeout=10)
        self.governor = Governor(
            sleep=self._sleep, clock=lambda: fake.now, jitter=lambda: 0.5, normalise=linear_dialect
        )

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.fake.now = self.fake.now + timedelta(seconds=seconds)

    def client(self, key: str = KEY) -> LinearClient:
        return LinearClient(self.http, api_url=self.fake.url, api_key=key, governor=self.governor)

    def sync(
        self,
        sources: LinearSources | None = None,
        *,
        full: bool = False,
        key: str = KEY,
        sweep: bool | None = False,
    ) -> SyncReport:
        connector = LinearConnector(
            self.client(key),
            sources or LinearSources(),
            clock=lambda: self.fake.now,
            source_map=SOURCE_MAP,
            sweep=sweep,
        )
        return run_sync(
            connector,
            open_store=partial(open_store, self.db),
            clock=lambda: self.fake.now,
            full=full,
        )

    def issues(self) -> dict[str, Issue]:
        with open_store(self.db) as store:
            return {i.key: i for i in store.issues.all()}


@pytest.fixture
def fake() -> Iterator[FakeLinear]:
    needs_schema()
    with FakeLinear(api_key=KEY) as linear:
        yield linear


@pytest.fixture
def harness(fake: FakeLinear, tmp_path: Path) -> Iterator[Harness]:
    h = Harness(fake, tmp_path / "sync.db")
    yield h
    h.http.close()
