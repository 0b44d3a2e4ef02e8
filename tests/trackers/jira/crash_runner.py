"""``python -m tests.trackers.jira.crash_runner SITE DB`` — one Jira sync of ASR and DATA
into DB, as `impactbot sync` would run it; the crash test SIGKILLs it at random points."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx

from bot.core.rules_sources import JiraSources
from bot.store import open_store
from bot.trackers.jira.factory import build
from bot.trackers.sync import run_sync
from tests.fakes.jira import FakeJira
from tests.trackers.jira.harness import credentials, source_map

SOURCES = JiraSources(projects=("ASR", "DATA"), page_size=40, concurrency=2)


class _Site:
    """Just enough of ``FakeJira`` for ``settings`` and ``source_map``: its URL."""

    def __init__(self, url: str) -> None:
        self.url = url


def main(site: str, db: str) -> int:
    fake: FakeJira = _Site(site)  # type: ignore[assignment]
    with httpx.Client(timeout=30) as http:
        connector, _ = build(
            credentials(fake),
            SOURCES,
            http=http,
            clock=lambda: datetime.now(UTC),
            source_map=source_map(fake),
            sweep=False,
        )
        report = run_sync(
            connector, open_store=partial(open_store, Path(db)), clock=lambda: datetime.now(UTC)
        )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
