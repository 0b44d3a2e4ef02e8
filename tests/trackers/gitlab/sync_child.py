"""A GitLab sync in a process of its own, for the crash tests to kill:
``python -m tests.trackers.gitlab.sync_child URL DB PROJECT...``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx

from bot.core.rules_sources import GitLabSources
from bot.store import open_store
from bot.trackers.gitlab.factory import GitLabCredentials, build
from bot.trackers.sync import run_sync
from tests.trackers.gitlab.harness import SOURCE_MAP, TOKEN


def main(url: str, db: str, *projects: str) -> int:
    credentials = GitLabCredentials(token=TOKEN, url=url)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    sources = GitLabSources(projects=projects, page_size=50)
    with httpx.Client(timeout=30) as http:
        connector, _ = build(
            credentials, sources, http=http, clock=clock, source_map=SOURCE_MAP, sweep=False
        )
        report = run_sync(
            connector, open_store=partial(open_store, Path(db)), clock=clock, concurrency=3
        )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
