"""Every benchmark, small enough for the default test suite: they run and report their figures.

No timing assertions: performance is for `make bench`. The GitHub sync benchmark runs the fake
GitHub and each contender in spawned processes; PyGithub is imported only there.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pytest

from benchmarks.demo import bench_demo
from benchmarks.github_burst import bench_github_burst, format_github_burst
from benchmarks.github_sync import bench_github_sync, format_github_sync
from benchmarks.scoring import bench_core, bench_service
from tests.external import external

CONTENDER_KEYS = {"name", "issues", "seconds", "requests", "core_points", "graphql_points"}
CONTENDER_KEYS |= {"not_modified", "peak_rss_mb", "base_rss_mb"}


def _pygithub_installed() -> bool:
    try:
        version("PyGithub")
    except PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def github_rows() -> list[dict[str, Any]]:
    if not _pygithub_installed():
        pytest.skip("PyGithub is not installed (bench extra)")
    external("github-graphql", "schema.graphql")
    return bench_github_sync(n_issues=300, n_refs=60)


def test_github_sync_reports_every_contender(github_rows: list[dict[str, Any]]) -> None:
    *contenders, comparison = github_rows
    assert [r["name"] for r in contenders] == [
        "impactbot full sync",
        "impactbot re-sync",
        "PyGithub peer",
        "impactbot full sync, 1/4 size",
    ]
    for row in contenders:
        assert row.keys() >= CONTENDER_KEYS, row["name"]
        assert row["peak_rss_mb"] > 0
    assert {"time_ratio", "request_ratio", "memory_growth", "same_cross_refs"} <= comparison.keys()
    assert "PyGithub peer" in format_github_sync(github_rows)


def test_github_sync_stores_everything_and_resyncs_for_free(
    github_rows: list[dict[str, Any]],
) -> None:
    full, again, _, small, comparison = github_rows
    assert full["issues_stored"] == 300 and small["issues_stored"] == 75
    assert len(full["cross_refs"]) == 60
    assert (again["core_points"], again["graphql_points"]) == (0, 0)
    assert again["not_modified"] == again["requests"] == 6  # per repository: itself, listing
    assert comparison["target_resync_free"]


def test_impactbot_makes_fewer_requests_than_pygithub_and_finds_the_same_references(
    github_rows: list[dict[str, Any]],
) -> None:
    full, _, peer, _, comparison = github_rows
    assert full["requests"] < peer["requests"]
    assert peer["issues_seen"] == 300
    assert comparison["same_cross_refs"], comparison


def test_github_burst_benchmark_reports_each_step() -> None:
    external("github-graphql", "schema.graphql")  # the fake's GraphQL needs it
    rows = bench_github_burst(burst=150, background=60)
    assert [r["name"] for r in rows] == [
        "full sync",
        "no-change re-sync",
        "one issue edited",
        "sweep",
    ]
    full, again, edited, sweep = rows
    assert full["written"] == 210 and full["listings"] == 3  # the oldest 100; the window, 2 pages
    assert again["core_points"] == 0 and again["not_modified"] == again["requests"]
    assert edited["written"] == 1
    assert sweep["listings"] == 1 + 3 and sweep["probes"] == 0
    assert "same-second burst" in format_github_burst(rows)


def test_scoring_benchmarks_run() -> None:
    assert bench_core(500)["issues"] == 500
    assert bench_service(500)["issues"] == 500


def test_demo_benchmark_runs() -> None:
    figures = bench_demo(runs=1)
    assert figures["runs"] == 1 and figures["issues"] > 0


def test_ledger_benchmark_runs() -> None:
    from benchmarks.ledger import bench_ledger

    figures = bench_ledger(2_000)
    assert figures["rows"] == 2_000
    assert {"leaderboard_90d_ms", "person_90d_ms", "leaderboard_year_ms"} <= figures.keys()


def test_slash_latency_benchmark_runs() -> None:
    from benchmarks.slack_latency import bench_slash_latency

    figures = bench_slash_latency(issues=300, ledger_rows=1_000, requests=20)
    assert figures["requests"] == 20
    assert {"ack_p50_ms", "ack_p99_ms", "answer_p50_ms", "answer_p99_ms"} <= figures.keys()


def test_event_ack_benchmark_runs() -> None:
    from benchmarks.event_ack import bench_event_ack_during_rescore

    figures = bench_event_ack_during_rescore(issues=2_000)
    assert figures["deliveries"] >= 2
    assert {"rescore_s", "ack_p50_ms", "ack_p99_ms", "ack_max_ms"} <= figures.keys()


def test_digest_benchmark_runs() -> None:
    from benchmarks.digests import bench_digests

    figures = bench_digests(managers=12, issues=400)
    assert figures["managers"] == 12 and figures["sent"] == figures["digests"]


@pytest.mark.parametrize("tracker", ["jira", "linear", "gitlab"])
def test_tracker_sync_benchmarks_run(tracker: str) -> None:
    module = __import__(f"benchmarks.{tracker}_sync", fromlist=["_"])
    rows = getattr(module, f"bench_{tracker}_sync")(60)
    assert rows and all(row["requests"] > 0 for row in rows)
    assert getattr(module, f"format_{tracker}_sync")(rows)
