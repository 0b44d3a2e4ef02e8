"""GitHub sync against the local fake GitHub, with the PyGithub peer side by side.

The fake serves from a process of its own (``benchmarks.fake_server``); each contender
runs in a fresh child process, so wall time excludes start-up and imports, and peak memory
is that contender's own peak RSS (``VmHWM``) (RSS rather than ``tracemalloc``, which slows Python
several times over and would distort the times). Requests and rate-limit points are
counted by the fake, not by the contenders.

Figures: impactbot's full sync (fresh database; ``run_sync`` with ``GitHubConnector``,
no vanished-issue sweep, the default concurrency of 4), a no-change re-sync on the same
database, the PyGithub peer, and impactbot's full sync at a quarter of the size, to show
that peak memory does not grow with the number of issues.
"""

from __future__ import annotations

import importlib
import resource
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fake_process import FakeProcess
from benchmarks.fake_server import REPOS, TOKEN, FakeConfig, FakeServer, fake_github
from bot.core.rules_sources import GitHubSources
from bot.store import open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.github.connector import GitHubConnector
from bot.trackers.http import Governor
from bot.trackers.sync import SyncReport, run_sync

TARGET_SPEED = 5.0  # full sync at least this many times faster than the peer
TARGET_REQUESTS = 20.0  # ... with at least this many times fewer requests
FLAT_MEMORY = 1.25  # peak RSS at 4x the issues may grow by at most this factor


# ------------------------------------------------------------------ measuring a child


def rss_mb(*, peak: bool = False) -> float:
    """Current (``VmRSS``) or peak (``VmHWM``) resident set size of this process, in MB.

    Linux's ``ru_maxrss`` survives ``exec``: a child spawned by a parent that once grew large
    reports the parent's peak. ``VmHWM`` belongs to the process's own address space.
    """
    if not sys.platform.startswith("linux"):
        scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    field = "VmHWM:" if peak else "VmRSS:"
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def _measured(target: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """Child side: import ``module:function``, then time it and read the RSS around it."""
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    base = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result: dict[str, Any] = function(*args)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "base_rss_mb": base,
        "peak_rss_mb": rss_mb(peak=True),
        **result,
    }


def in_child(target: str, *args: Any) -> dict[str, Any]:
    """Run ``module:function(*args)`` in a fresh spawned process; its figures and result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_measured, target, args).result()


def measured_row(name: str, fake: FakeProcess, target: str, *args: Any) -> dict[str, Any]:
    """One contender's row: reset the fake, run ``target(*args)`` measured `in_child`, then
    add the fake's stats. A RuntimeError if the contender reports ``failed`` streams."""
    fake.reset()
    figures = in_child(target, *args)
    if figures.get("failed"):
        raise RuntimeError(f"{name} failed: {figures['failed']}")
    return {"name": name, **figures, **fake.stats()}


def sync_figures(report: SyncReport, governor: Governor) -> dict[str, Any]:
    """What a contender's ``sync_once`` reports: issues written and seen, the streams that
    failed (``key: error``), and the governor's retries."""
    return {
        "written": report.written,
        "seen": sum(s.seen for s in report.streams),
        "failed": [f"{s.key}: {s.error}" for s in report.failed],
        "retries": governor.stats.retries,
    }


# ------------------------------------------------------------------ impactbot


def sync_once(url: str, graphql_url: str, db_path: str) -> dict[str, Any]:
    """One ``impactbot sync`` of the bench repos into ``db_path`` (child side)."""
    clock = lambda: datetime.now(UTC)  # noqa: E731
    governor = Governor()
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        client = GitHubClient(
            http, api_url=url, graphql_url=graphql_url, token=TOKEN, governor=governor
        )
        connector = GitHubConnector(client, GitHubSources(repos=REPOS), clock=clock, sweep=False)
        report = run_sync(connector, open_store=partial(open_store, Path(db_path)), clock=clock)
    return sync_figures(report, governor)


def stored(db_path: Path) -> dict[str, Any]:
    """Issues in the database, and the cross-repository links among them."""
    with sqlite3.connect(db_path) as db:
        issues = db.execute("SELECT count(*) FROM issues").fetchone()[0]
        rows = db.execute(
            "SELECT i.key, l.kind, l.to_key FROM issue_links l JOIN issues i ON i.uid = l.from_uid"
            " WHERE l.kind IN ('referenced_by', 'references')"
        ).fetchall()
    db.close()
    across = [(k, kind, to) for k, kind, to in rows if k.split("#")[0] != to.split("#")[0]]
    return {
        "issues_stored": issues,
        "cross_refs": sorted((k, to) for k, kind, to in across if kind == "referenced_by"),
        "text_refs": sum(kind == "references" for _, kind, _ in across),
    }


def _impactbot(server: FakeServer, db: Path, name: str) -> dict[str, Any]:
    """One impactbot sync in a child, with the fake's counts and what was stored."""
    target = f"{__name__}:sync_once"
    row = measured_row(name, server, target, server.url, server.graphql_url, str(db))
    return {**row, **stored(db)}


def _peer(server: FakeServer) -> dict[str, Any]:
    return measured_row(
        "PyGithub peer", server, "benchmarks.peer_pygithub:run_peer", server.url, TOKEN, REPOS
    )


# ------------------------------------------------------------------ the benchmark


def bench_github_sync(
    n_issues: int = 20_000, n_refs: int = 5_000, *, latency_ms: float = 0.0
) -> list[dict[str, Any]]:
    """impactbot full sync, re-sync and PyGithub peer at ``n_issues``; impactbot full sync at
    a quarter of it; and a last row comparing them against the targets. ``latency_ms`` delays
    every answer of the fake, to imitate round trips to GitHub."""
    with tempfile.TemporaryDirectory() as tmp:
        with fake_github(FakeConfig(n_issues, n_refs, latency_ms=latency_ms)) as server:
            dataset = {k: v for k, v in server.info.items() if not k.endswith("url")}
            full = _impactbot(server, Path(tmp) / "full.db", "impactbot full sync")
            again = _impactbot(server, Path(tmp) / "full.db", "impactbot re-sync")
            peer = _peer(server)
        small_n, small_refs = max(3, n_issues // 4), max(1, n_refs // 4)
        with fake_github(FakeConfig(small_n, small_refs, latency_ms=latency_ms)) as server:
            small = _impactbot(server, Path(tmp) / "small.db", "impactbot full sync, 1/4 size")
    rows = [full, again, peer, small]
    for row in rows:
        row["issues"] = small_n if row is small else n_issues
    return [*rows, _compare(full, again, peer, small, {**dataset, "latency_ms": latency_ms})]


def _compare(
    full: dict[str, Any],
    again: dict[str, Any],
    peer: dict[str, Any],
    small: dict[str, Any],
    dataset: dict[str, Any],
) -> dict[str, Any]:
    """Ratios, the targets, and whether both contenders found the same cross-references."""
    speed = peer["seconds"] / full["seconds"]
    fewer = peer["requests"] / max(1, full["requests"])
    growth = full["peak_rss_mb"] / small["peak_rss_mb"]
    ours, theirs = set(map(tuple, full["cross_refs"])), set(map(tuple, peer["cross_refs"]))
    return {
        "name": "comparison",
        "dataset": dataset,
        "time_ratio": speed,
        "request_ratio": fewer,
        "memory_growth": growth,
        "same_cross_refs": ours == theirs,
        "only_impactbot": len(ours - theirs),
        "only_peer": len(theirs - ours),
        "target_speed": speed >= TARGET_SPEED,
        "target_requests": fewer >= TARGET_REQUESTS,
        "target_resync_free": again["core_points"] == 0 and again["graphql_points"] == 0,
        "target_flat_memory": growth <= FLAT_MEMORY,
    }


# ------------------------------------------------------------------ printing

_COLUMNS = [
    ("wall time (s)", "seconds", "{:,.2f}"),
    ("  CPU time of contender (s)", "cpu_seconds", "{:,.2f}"),
    ("  fake GitHub busy (s)", "server_seconds", "{:,.2f}"),
    ("requests", "requests", "{:,}"),
    ("  of which GraphQL", "graphql_requests", "{:,}"),
    ("  answered 304", "not_modified", "{:,}"),
    ("core points", "core_points", "{:,}"),
    ("GraphQL points", "graphql_points", "{:,}"),
    ("issues stored / seen", None, ""),
    ("cross-references found", None, ""),
    ("peak RSS (MB)", "peak_rss_mb", "{:,.1f}"),
    ("  RSS before work (MB)", "base_rss_mb", "{:,.1f}"),
]


def format_github_sync(rows: list[dict[str, Any]]) -> str:
    """The figures as an aligned plain-text table, with ratios and targets."""
    *contenders, comparison = rows
    full, _, peer, small = contenders
    d = comparison["dataset"]
    lines = [
        f"GitHub sync — {full['issues']:,} issues (+{d['pull_requests']:,} pull requests) in "
        f"{len(REPOS)} repos, {d['refs']:,} cross-referenced; fake GitHub in its own process"
        + (f", {d['latency_ms']:g} ms added to each answer" if d["latency_ms"] else ""),
        f"{'':30}"
        + "".join(f"{r['name'][:22]:>24}" for r in contenders[:3])
        + f"{'peer/full':>12}",
    ]
    for label, key, fmt in _COLUMNS:
        cells = [_cell(r, label, key, fmt) for r in contenders[:3]]
        ratio = ""
        if key in ("seconds", "cpu_seconds", "requests"):
            ratio = f"{peer[key] / max(full[key], 1e-9):,.1f}×"
        lines.append(f"{label:30}" + "".join(f"{c:>24}" for c in cells) + f"{ratio:>12}")
    lines += _summary(full, small, comparison)
    return "\n".join(lines)


def _cell(row: dict[str, Any], label: str, key: str | None, fmt: str) -> str:
    if key is not None:
        return fmt.format(row[key])
    if label.startswith("issues"):
        seen = row.get("issues_seen", row.get("seen", 0))
        stored = row.get("issues_stored")
        return f"{stored:,} / {seen:,}" if stored is not None else f"- / {seen:,}"
    return f"{len(row['cross_refs']):,}" if "cross_refs" in row else "-"


def _summary(full: dict[str, Any], small: dict[str, Any], c: dict[str, Any]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    same = (
        "identical sets"
        if c["same_cross_refs"]
        else f"differ: {c['only_impactbot']} only impactbot, {c['only_peer']} only PyGithub"
    )
    return [
        f"memory: impactbot full sync peak RSS {small['peak_rss_mb']:,.1f} MB at "
        f"{small['issues']:,} issues, {full['peak_rss_mb']:,.1f} MB at {full['issues']:,} "
        f"(×{c['memory_growth']:.2f})",
        f"cross-references: impactbot and PyGithub {same}; impactbot also stored "
        f"{full['text_refs']:,} cross-repo mentions from issue text",
        f"targets: ≥{TARGET_SPEED:g}× faster: {verdict(c['target_speed'])} "
        f"({c['time_ratio']:.1f}×) · ≥{TARGET_REQUESTS:g}× fewer requests: "
        f"{verdict(c['target_requests'])} ({c['request_ratio']:.1f}×) · re-sync spends 0 "
        f"points: {verdict(c['target_resync_free'])} · memory flat (≤×{FLAT_MEMORY:g} at 4× "
        f"the issues): {verdict(c['target_flat_memory'])}",
    ]
