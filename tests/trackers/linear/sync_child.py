"""A Linear sync in a process of its own, for the crash tests to SIGKILL:
``python -m tests.trackers.linear.sync_child DB_PATH API_URL KEY NOW_ISO``."""

from __future__ import annotations

import sys
from datetime import datetime
from functools import partial
from pathlib import Path

import httpx

from bot.core.rules_sources import LinearSources
from bot.store import open_store
from bot.trackers.linear import factory
from bot.trackers.sync import run_sync
from tests.trackers.linear.harness import SOURCE_MAP

SOURCES = LinearSources(teams=("ENG", "DATA"), window_days=20, page_size=15)


def main(db: str, url: str, key: str, now: str) -> int:
    moment = datetime.fromisoformat(now)
    credentials = factory.LinearCredentials(api_key=key, api_url=url)
    with httpx.Client(timeout=30) as http:
        connector, _ = factory.build(
            credentials, SOURCES, http=http, clock=lambda: moment, source_map=SOURCE_MAP
        )
        report = run_sync(
            connector, open_store=partial(open_store, Path(db)), clock=lambda: moment, concurrency=2
        )
    for failed in report.failed:
        print(f"{failed.key}: {failed.error}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
