"""GitHub sync of a repository where one bulk edit touched hundreds of issues in one second.

A bulk label change, an import or a transfer gives ``burst`` issues one ``updated_at``: the
listing (sorted by update, oldest first, moving ``since`` forward) cannot step past them and
must follow ``Link`` through the whole burst. A client that loses the link's query never gets
past its first page (issue 13). The repository also has ``background`` issues with distinct
update times, older than the burst.

Figures are the fake's counts (requests, 304s, rate-limit points), read from a FakeGitHub in
this process, for: a full sync (fresh database), a no-change re-sync, one more issue edited,
and a sweep. The floor beside them: one listing per 100 issues and one GraphQL batch per 100
changed issues, plus the requests that move ``since`` past each page.
"""

from __future__ import annotations

import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bot.core.rules_sources import GitHubSources
from bot.store import open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.http import Governor
from bot.trackers.sync import SyncReport, run_sync

REPO = "bench/burst"
TOKEN = "bench-token"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BURST_AT = NOW - timedelta(hours=1)
BUDGET = 1_000_000


def bench_github_burst(burst: int = 500, background: int = 1_500) -> list[dict[str, Any]]:
    """One row per step (full sync, re-sync, one edit, sweep) with the fake's counts."""
    from tests.fakes.github import FakeGitHub  # the fake is test code: imported when run

    with FakeGitHub(token=TOKEN, now=NOW, rate_limit=BUDGET, graphql_limit=BUDGET) as fake:
        fake.add_repo(REPO)
        for n in range(background):
            created = NOW - timedelta(days=400) + timedelta(hours=n)
            fake.add_issue(REPO, title=f"Old {n}", created_at=created)
        for n in range(burst):
            created = NOW - timedelta(days=30) + timedelta(minutes=n)
            fake.add_issue(REPO, title=f"Imported {n}", created_at=created, updated_at=BURST_AT)
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "burst.db"
            rows = [_step(fake, db, "full sync", sweep=False)]
            rows.append(_step(fake, db, "no-change re-sync", sweep=False))
            fake.now = NOW + timedelta(minutes=1)
            fake.touch(REPO, 1, fake.now)
            rows.append(_step(fake, db, "one issue edited", sweep=False))
            rows.append(_step(fake, db, "sweep", sweep=True))
    total = burst + background
    rows[0]["floor"] = 2 * math.ceil(total / 100)  # listings (since moves per page) + GraphQL
    for row in rows:
        row.update(burst=burst, background=background)
    return rows


def _step(fake: Any, db: Path, name: str, *, sweep: bool) -> dict[str, Any]:
    fake.reset_requests()
    fake.core_remaining = fake.graphql_remaining = BUDGET
    started = time.perf_counter()
    report = _sync(fake, db, sweep=sweep)
    seconds = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"{name} failed: {[s.error for s in report.failed]}")
    requests = list(fake.requests)
    return {
        "name": name,
        "seconds": seconds,
        "requests": len(requests),
        "listings": sum(r.path.endswith("/issues") for r in requests),
        "graphql_requests": sum(r.path == "/graphql" for r in requests),
        "probes": sum(r.path.rsplit("/", 1)[-1].isdigit() for r in requests),
        "not_modified": sum(r.status == 304 for r in requests),
        "core_points": BUDGET - fake.core_remaining,
        "graphql_points": BUDGET - fake.graphql_remaining,
        "written": report.written,
    }


def _sync(fake: Any, db: Path, *, sweep: bool) -> SyncReport:
    clock = lambda: fake.now  # noqa: E731
    with httpx.Client(timeout=30) as http:
        client = GitHubClient(
            http,
            api_url=fake.url,
            graphql_url=fake.graphql_url,
            token=TOKEN,
            governor=Governor(clock=clock),
        )
        connector = GitHubConnector(client, GitHubSources(repos=(REPO,)), clock=clock, sweep=sweep)
        return run_sync(connector, open_store=partial(open_store, db), clock=clock)


def format_github_burst(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table."""
    first = rows[0]
    lines = [
        f"GitHub sync with a same-second burst — {first['burst']:,} issues updated in one second"
        f" + {first['background']:,} older ones, one repository (fake GitHub, in process)",
        f"{'':22}{'requests':>10}{'listings':>10}{'GraphQL':>9}{'probes':>8}{'304':>6}"
        f"{'core pts':>10}{'GQL pts':>9}{'written':>9}{'s':>7}",
    ]
    for r in rows:
        lines.append(
            f"{r['name']:22}{r['requests']:>10,}{r['listings']:>10,}{r['graphql_requests']:>9,}"
            f"{r['probes']:>8,}{r['not_modified']:>6,}{r['core_points']:>10,}"
            f"{r['graphql_points']:>9,}{r['written']:>9,}{r['seconds']:>7.2f}"
        )
    lines.append(
        f"floor for the full sync: about {first['floor']:,} requests (a listing and a GraphQL "
        "batch per 100 issues)"
    )
    return "\n".join(lines)
