"""GitLab sync against the local fake GitLab: a full sync and a no-change re-sync.

The fake serves from a process of its own (spawned; driven through a pipe: ``stats``,
``reset``, ``stop``); each sync runs in a fresh child process (``benchmarks.github_sync.in_child``),
so wall time excludes start-up and imports and peak memory is the sync's own peak RSS.
Requests are counted by the fake. The dataset: ``n_issues`` issues round-robin over three
projects of one group (synced as the group, subgroups included), a third closed, four in ten
with one to three notes, one in ten linked to an issue of another project, one in ten
mentioning one in its description.
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
from bot.store import open_store

PROJECTS = ("bench/alpha", "bench/ml/beta", "bench/ml/gamma")
TOKEN = "glpat-bench"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BUDGET = 10_000_000  # per minute: the benchmark measures work, not waiting
_PEOPLE = [f"dev{n:02d}" for n in range(60)]
_LABELS = ["bug", "enhancement", "flaky", "perf", "docs", "taxonomy", "data", "infra"]


def build_dataset(fake: Any, n_issues: int, seed: int = 20_000) -> dict[str, int]:
    """Fill ``fake`` (a ``FakeGitLab``) deterministically; returns what was added."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=730)
    links = notes = 0
    for n in range(n_issues):
        project = PROJECTS[n % 3]
        at = start + timedelta(minutes=50 * n + rng.randint(0, 40))
        closed = at + timedelta(days=rng.randint(1, 60)) if rng.random() < 0.33 else None
        other = PROJECTS[(n + 1) % 3]
        mention = (
            f"\n\nSee {other}#{rng.randint(1, n // 3)}" if n > 3 and rng.random() < 0.1 else ""
        )
        iid = fake.add_issue(
            project,
            title=f"Issue {n}: slow sampler under load",
            description=f"Steps to reproduce are in the log.{mention}",
            created_at=at,
            closed_at=closed if closed and closed < NOW else None,
            labels=rng.sample(_LABELS, rng.randint(0, 3)),
            assignees=rng.sample(_PEOPLE, 1) if rng.random() < 0.5 else [],
            author=rng.choice(_PEOPLE),
            upvotes=rng.randint(0, 5),
            weight=rng.choice([None, 1, 2, 3, 5, 8]),
        )
        for _ in range(rng.randint(1, 3) if rng.random() < 0.4 else 0):
            body = "We see it in roughly one run out of ten."
            fake.add_note(project, iid, author=rng.choice(_PEOPLE), body=body, at=at)
            notes += 1
        if n > 3 and rng.random() < 0.1:
            fake.link((project, iid), (other, rng.randint(1, n // 3)), "relates_to", at)
            links += 1
    return {"issues": n_issues, "notes": notes, "links": links}


def serve(conn: Connection, n_issues: int) -> None:
    """Process entry point: build the fake, serve it, answer commands until ``stop``."""
    from tests.fakes.gitlab import FakeGitLab

    fake = FakeGitLab(token=TOKEN, now=NOW, rate_limit=BUDGET)
    dataset = build_dataset(fake, n_issues)
    with fake:
        for issue in fake.issues_by_id.values():
            fake.issue_bytes(issue)  # render once, so no contender pays the fake's first render
        conn.send({"url": fake.url, **dataset})
        answer_commands(conn, stats=lambda: _stats(fake), reset=lambda: _reset(fake))


def _stats(fake: Any) -> dict[str, Any]:
    requests = list(fake.requests)
    return {
        "requests": len(requests),
        "listing_requests": sum(r.path.endswith("/issues") for r in requests),
        "errors": sum(r.status >= 400 for r in requests),
    }


def _reset(fake: Any) -> None:
    fake.reset_requests()
    fake.remaining = BUDGET


def sync_once(url: str, db_path: str) -> dict[str, Any]:
    """One sync of the bench group into ``db_path`` (child side)."""
    from bot.core.rules_sources import GitLabSources
    from bot.core.sources import SourceMap
    from bot.trackers.gitlab.factory import GitLabCredentials, build
    from bot.trackers.sync import run_sync

    credentials = GitLabCredentials(token=TOKEN, url=url)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        connector, governor = build(
            credentials,
            GitLabSources(groups=("bench",)),
            http=http,
            clock=clock,
            source_map=SourceMap([]),
            sweep=False,
        )
        report = run_sync(connector, open_store=partial(open_store, Path(db_path)), clock=clock)
    return sync_figures(report, governor)


def bench_gitlab_sync(issues: int = 20_000) -> list[dict[str, Any]]:
    """Full sync then a no-change re-sync of ``issues`` issues, one row each."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        fake_in_process(serve, issues, label="fake GitLab") as fake,
    ):
        db, info = str(Path(tmp) / "gitlab.db"), fake.info
        rows = [
            measured_row(name, fake, f"{__name__}:sync_once", fake.url, db)
            for name in ("full sync", "re-sync")
        ]
    for row in rows:
        row["dataset"] = {k: v for k, v in info.items() if k != "url"}
    return rows


def format_gitlab_sync(rows: list[dict[str, Any]]) -> str:
    """The figures as an aligned plain-text table."""
    d = rows[0]["dataset"]
    lines = [
        f"GitLab sync — {d['issues']:,} issues in {len(PROJECTS)} projects of one group, "
        f"{d['notes']:,} notes, {d['links']:,} links; fake GitLab in its own process",
        f"{'':28}" + "".join(f"{r['name']:>16}" for r in rows),
    ]
    for label, key, fmt in (
        ("wall time (s)", "seconds", "{:,.2f}"),
        ("  CPU time (s)", "cpu_seconds", "{:,.2f}"),
        ("requests", "requests", "{:,}"),
        ("  of which listings", "listing_requests", "{:,}"),
        ("issues written / seen", None, ""),
        ("peak RSS (MB)", "peak_rss_mb", "{:,.1f}"),
        ("  RSS before work (MB)", "base_rss_mb", "{:,.1f}"),
    ):
        cells = [fmt.format(r[key]) if key else f"{r['written']:,} / {r['seen']:,}" for r in rows]
        lines.append(f"{label:28}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)
