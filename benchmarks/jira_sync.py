"""Jira sync against the local fake Jira, beside the naive approach, side by side.

The fake runs in a process of its own (spawned), seeded with ``issues`` issues over four
projects: a fifth with comments (some more than search embeds), a tenth with issue links, a
tenth mentioning another issue in their description, and a changelog entry on a fifth.
Each contender runs in a fresh child (``benchmarks.github_sync.in_child``), so its wall time
excludes imports and its peak RSS is its own. Requests and bytes are counted by the fake.

Rows: impactbot full sync (fresh database; ``run_sync`` with the Jira connector, no sweep,
concurrency 4), impactbot no-change re-sync on the same database, and the naive peer
(``benchmarks.peer_jira_naive``: ``/search/jql`` with ``fields=*all`` at the default page
size), whose every re-sync is the same full read.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fake_process import answer_commands, fake_in_process
from benchmarks.github_sync import measured_row, sync_figures
from bot.store import open_store

PROJECTS = ("ALPHA", "BETA", "GAMMA", "DELTA")
EMAIL, TOKEN = "bench@acme.io", "bench-token"
NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
HISTORY_DAYS = 730


def _populate(fake: Any, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for project in PROJECTS:
        fake.add_project(project)
    fake.add_user("dev", "Dev One", "dev@acme.io")
    times = sorted(NOW - timedelta(days=rng.uniform(0, HISTORY_DAYS)) for _ in range(n))
    keys: list[str] = []
    for i, at in enumerate(times):
        mention = f"Related to {rng.choice(keys)}." if keys and rng.random() < 0.1 else ""
        key = fake.add_issue(
            PROJECTS[i % len(PROJECTS)],
            summary=f"Issue {i}: slow export job",
            created=at,
            description={
                "type": "doc",
                "version": 1,
                "content": [
                    {
                        "type": "paragraph",
                        "content": [{"type": "text", "text": f"Steps to reproduce. {mention}"}],
                    }
                ],
            },
            labels=rng.sample(["bug", "perf", "data", "infra"], rng.randint(0, 2)),
            assignee="dev" if rng.random() < 0.5 else None,
        )
        issue = fake.issues[key]
        if rng.random() < 0.2:
            for c in range(rng.choice([1, 2, 25])):
                fake.add_comment(key, author="dev", text=f"note {c}", at=at + timedelta(minutes=c))
        if keys and rng.random() < 0.1:
            other = fake.issues[rng.choice(keys)]
            issue.links.append(("Blocks", "outward", other.key))
            other.links.append(("Blocks", "inward", key))
        if rng.random() < 0.2:
            issue.histories.append(fake_history(fake, at, "Component", None, "export"))
        keys.append(key)


def fake_history(fake: Any, at: datetime, field: str, old: str | None, new: str | None) -> Any:
    from tests.fakes.jira_model import History

    item = {"field": field, "fieldtype": "jira", "fromString": old, "toString": new}
    return History(fake.next_id(), "dev", at, [item])


def serve(conn: Connection, n_issues: int) -> None:
    """Server process: build the fake, serve, answer ``stats`` / ``reset`` / ``stop``."""
    from tests.fakes.jira import FakeJira

    fake = FakeJira(email=EMAIL, api_token=TOKEN, now=NOW)
    _populate(fake, n_issues)
    handle = fake.handle
    counts = {"bytes": 0, "busy": 0.0}

    def counted(*args: Any) -> Any:
        started = time.perf_counter()
        response = handle(*args)
        counts["busy"] += time.perf_counter() - started
        counts["bytes"] += len(response.body)
        return response

    def stats() -> dict[str, Any]:
        return {
            "requests": len(fake.requests),
            "mb_received": counts["bytes"] / 1e6,
            "server_seconds": counts["busy"],
        }

    def reset() -> None:
        fake.reset_requests()
        counts.update(bytes=0, busy=0.0)

    fake.handle = counted  # type: ignore[method-assign]
    with fake:
        conn.send({"url": fake.url})
        answer_commands(conn, stats, reset)


def sync_once(site: str, db_path: str) -> dict[str, Any]:
    """One impactbot sync of the bench projects into ``db_path`` (child side)."""
    from bot.core.models import TrackerKind
    from bot.core.rules_sources import JiraSources
    from bot.core.sources import SourceInfo, SourceMap
    from bot.trackers.jira.factory import JiraCredentials, build
    from bot.trackers.sync import run_sync

    credentials = JiraCredentials(url=site, email=EMAIL, api_token=TOKEN)
    sources = JiraSources(projects=PROJECTS)
    source_map = SourceMap([SourceInfo(name="jira", kind=TrackerKind.JIRA)])
    clock = lambda: datetime.now(UTC)  # noqa: E731
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        connector, governor = build(
            credentials, sources, http=http, clock=clock, source_map=source_map, sweep=False
        )
        report = run_sync(connector, open_store=partial(open_store, Path(db_path)), clock=clock)
    return sync_figures(report, governor)


def bench_jira_sync(issues: int = 20_000) -> list[dict[str, Any]]:
    """impactbot full sync, no-change re-sync, and the naive peer, at ``issues`` issues."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        fake_in_process(serve, issues, label="fake Jira") as fake,
    ):
        url, db = fake.url, str(Path(tmp) / "jira.db")
        full = measured_row("impactbot full sync", fake, f"{__name__}:sync_once", url, db)
        again = measured_row("impactbot re-sync", fake, f"{__name__}:sync_once", url, db)
        naive = measured_row(
            "naive *all (every sync)",
            fake,
            "benchmarks.peer_jira_naive:run_peer",
            url,
            EMAIL,
            TOKEN,
            PROJECTS,
        )
    for row in (full, again, naive):
        row["issues"] = issues
    return [full, again, naive]


_COLUMNS = [
    ("wall time (s)", "seconds", "{:,.2f}"),
    ("  CPU time of contender (s)", "cpu_seconds", "{:,.2f}"),
    ("  fake Jira busy (s)", "server_seconds", "{:,.2f}"),
    ("requests", "requests", "{:,}"),
    ("MB received", "mb_received", "{:,.1f}"),
    ("issues seen", "seen", "{:,}"),
    ("peak RSS (MB)", "peak_rss_mb", "{:,.1f}"),
    ("  RSS before work (MB)", "base_rss_mb", "{:,.1f}"),
]


def format_jira_sync(rows: list[dict[str, Any]]) -> str:
    """The figures as an aligned plain-text table."""
    lines = [
        f"Jira sync — {rows[0]['issues']:,} issues in {len(PROJECTS)} projects; fake Jira in "
        "its own process",
        f"{'':30}" + "".join(f"{r['name'][:24]:>26}" for r in rows),
    ]
    for label, key, fmt in _COLUMNS:
        lines.append(f"{label:30}" + "".join(f"{fmt.format(r.get(key, 0)):>26}" for r in rows))
    full, again, naive = rows
    lines.append(
        f"naive/full: {naive['seconds'] / max(full['seconds'], 1e-9):.1f}× the time, "
        f"{naive['requests'] / max(full['requests'], 1):.1f}× the requests; a re-sync with "
        f"nothing new: {again['requests']} requests vs {naive['requests']:,}"
    )
    return "\n".join(lines)
