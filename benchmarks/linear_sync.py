"""Linear sync against the local fake Linear: a full sync and a no-change re-sync.

The fake runs in a process of its own (spawned; it builds Linear's schema and seeds the
workspace there), so that GraphQL execution does not compete with the contender for the GIL;
each sync runs in a fresh child process too (``benchmarks.github_sync.in_child``), so its
wall time excludes imports and its peak RSS is its own. Requests and complexity points are
counted by the fake.
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fake_process import answer_commands, fake_in_process
from benchmarks.github_sync import measured_row, sync_figures
from bot.core.models import TrackerKind
from bot.core.rules_sources import LinearSources
from bot.core.sources import SourceInfo, SourceMap
from bot.store import open_store
from bot.trackers.linear import factory
from bot.trackers.sync import run_sync

KEY = "lin_api_bench"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
TEAMS = ("ENG", "DATA", "OPS")
SOURCES = LinearSources(teams=TEAMS, window_days=30)


def _seed(fake: Any, n: int, seed: int = 8) -> None:
    rng = random.Random(seed)
    ws = fake.workspace
    people = [ws.add_user(f"dev{k:02d}") for k in range(40)]
    start = NOW - timedelta(days=733)  # every change lands before NOW
    step = timedelta(days=730) / max(n, 1)
    keys: list[str] = []
    for i in range(n):
        at = start + step * i
        mention = f" Related: https://github.com/acme/asr/issues/{i}" if i % 7 == 0 else ""
        key = ws.add_issue(
            TEAMS[i % 3],
            title=f"Issue {i}",
            description=f"Steps to reproduce are in the log.{mention}",
            created_at=at,
            assignee=rng.choice([None, *people]),
            creator=rng.choice(people),
            labels=tuple(rng.sample(["bug", "data", "infra", "perf"], rng.randint(0, 2))),
            estimate=rng.choice([None, 1, 2, 3, 5]),
        )
        for c in range(rng.choice([0, 0, 1, 2, 3])):
            ws.add_comment(
                key, user=rng.choice(people), body="same here", at=at + timedelta(hours=c + 1)
            )
        if keys and rng.random() < 0.15:
            ws.relate(
                key, rng.choice(["blocks", "related"]), rng.choice(keys), at=at + timedelta(hours=5)
            )
        if rng.random() < 0.4:
            ws.set_state(key, rng.choice(["completed", "canceled"]), at=at + timedelta(days=2))
        keys.append(key)


def serve(conn: Connection, n: int) -> None:
    """Child side: seed and serve a fake Linear until told to stop."""
    from tests.fakes.linear import FakeLinear
    from tests.fakes.linear_graphql import load_schema

    load_schema()
    with FakeLinear(
        api_key=KEY, now=NOW, requests_per_hour=10**7, complexity_per_hour=10**10
    ) as fake:
        _seed(fake, n)
        conn.send({"url": fake.url})
        answer_commands(conn, stats=lambda: _stats(fake), reset=fake.reset_requests)


def _stats(fake: Any) -> dict[str, Any]:
    return {
        "requests": len(fake.requests),
        "complexity": sum(r.complexity for r in fake.requests),
    }


def sync_once(url: str, db: str) -> dict[str, Any]:
    """One sync of the bench workspace into ``db`` (child side)."""
    credentials = factory.LinearCredentials(api_key=KEY, api_url=url)
    source_map = SourceMap(
        [SourceInfo(name="linear", kind=TrackerKind.LINEAR, hosts=("linear.app",))]
    )
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0)) as http:
        connector, governor = factory.build(
            credentials, SOURCES, http=http, clock=lambda: NOW, source_map=source_map
        )
        report = run_sync(
            connector,
            open_store=partial(open_store, Path(db)),
            clock=lambda: NOW,
            concurrency=SOURCES.concurrency,
        )
    return sync_figures(report, governor)


def bench_linear_sync(issues: int = 20_000) -> list[dict[str, Any]]:
    """Full sync and no-change re-sync of ``issues`` Linear issues against the fake."""
    rows = []
    with (
        fake_in_process(serve, issues, label="fake Linear") as fake,
        tempfile.TemporaryDirectory() as tmp,
    ):
        db = str(Path(tmp) / "linear.db")
        for name in ("full sync", "no-change re-sync"):
            figures = measured_row(name, fake, f"{__name__}:sync_once", fake.url, db)
            rows.append({**figures, "issues": issues})
    return rows


def format_linear_sync(rows: list[dict[str, Any]]) -> str:
    """The figures as a small aligned table."""
    lines = [
        f"Linear sync — {rows[0]['issues']:,} issues in {len(TEAMS)} teams; "
        "fake Linear in its own process",
        f"{'':24}" + "".join(f"{r['name']:>22}" for r in rows),
    ]
    cells = [
        ("wall time (s)", "seconds", "{:,.2f}"),
        ("  CPU time (s)", "cpu_seconds", "{:,.2f}"),
        ("requests", "requests", "{:,}"),
        ("complexity points", "complexity", "{:,}"),
        ("issues written / seen", None, ""),
        ("peak RSS (MB)", "peak_rss_mb", "{:,.1f}"),
    ]
    for label, key, fmt in cells:
        values = [fmt.format(r[key]) if key else f"{r['written']:,} / {r['seen']:,}" for r in rows]
        lines.append(f"{label:24}" + "".join(f"{v:>22}" for v in values))
    return "\n".join(lines)
