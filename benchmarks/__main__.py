"""Run every benchmark and print its figures: `make bench` (or `python -m benchmarks`)."""

from __future__ import annotations

import argparse
import platform

from benchmarks.demo import bench_demo
from benchmarks.digests import bench_digests
from benchmarks.dupes import bench_dupes
from benchmarks.event_ack import bench_event_ack_during_rescore
from benchmarks.github_burst import bench_github_burst, format_github_burst
from benchmarks.github_sync import bench_github_sync, format_github_sync
from benchmarks.gitlab_sync import bench_gitlab_sync, format_gitlab_sync
from benchmarks.jira_sync import bench_jira_sync, format_jira_sync
from benchmarks.ledger import bench_ledger
from benchmarks.linear_sync import bench_linear_sync, format_linear_sync
from benchmarks.scoring import bench_core, bench_service
from benchmarks.slack_latency import bench_slash_latency


def _line(name: str, figures: dict[str, float]) -> None:
    shown = ", ".join(
        f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in figures.items()
    )
    print(f"{name:<34} {shown}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000, help="scoring benchmark size")
    parser.add_argument(
        "--github-issues", type=int, default=20_000, help="GitHub sync benchmark: issues"
    )
    parser.add_argument(
        "--github-refs", type=int, default=5_000, help="GitHub sync benchmark: cross-referenced"
    )
    parser.add_argument(
        "--github-latency-ms",
        type=float,
        default=0.0,
        help="GitHub sync benchmark: delay added to each answer of the fake (round trips)",
    )
    parser.add_argument(
        "--tracker-issues",
        type=int,
        default=20_000,
        help="Jira, Linear and GitLab sync benchmarks: issues",
    )
    parser.add_argument(
        "--ledger-rows", type=int, default=1_000_000, help="credit query benchmark: ledger rows"
    )
    parser.add_argument(
        "--only",
        choices=(
            "demo",
            "scoring",
            "github",
            "github-burst",
            "jira",
            "linear",
            "gitlab",
            "dupes",
            "ledger",
            "slack",
            "digests",
        ),
        help="run one benchmark group only",
    )
    args = parser.parse_args()
    print(f"impactbot benchmarks — Python {platform.python_version()} on {platform.machine()}")
    if args.only in (None, "demo"):
        _line("demo (end to end)", bench_demo())
    if args.only in (None, "scoring"):
        _line(f"score core ({args.issues:,} issues)", bench_core(args.issues))
        _line(f"score service ({args.issues:,} issues)", bench_service(args.issues))
    if args.only in (None, "github"):
        rows = bench_github_sync(
            args.github_issues, args.github_refs, latency_ms=args.github_latency_ms
        )
        print(format_github_sync(rows), flush=True)
        if not args.github_latency_ms:
            # The zero-latency run is bounded by the fake answering GraphQL; with round trips
            # as a real network has them, the request count decides. 5,000 issues keep the
            # peer's 5,000+ sequential round trips to about two minutes.
            rows = bench_github_sync(5_000, 1_250, latency_ms=20.0)
            print(format_github_sync(rows), flush=True)
    if args.only in (None, "github", "github-burst"):
        print(format_github_burst(bench_github_burst(burst=500)), flush=True)
    if args.only in (None, "jira"):
        print(format_jira_sync(bench_jira_sync(args.tracker_issues)), flush=True)
    if args.only in (None, "linear"):
        print(format_linear_sync(bench_linear_sync(args.tracker_issues)), flush=True)
    if args.only in (None, "gitlab"):
        print(format_gitlab_sync(bench_gitlab_sync(args.tracker_issues)), flush=True)
    if args.only in (None, "dupes"):
        print(bench_dupes(), flush=True)
    if args.only in (None, "ledger"):
        _line(f"credit queries ({args.ledger_rows:,} rows)", bench_ledger(args.ledger_rows))
    if args.only in (None, "digests"):
        _line("digests for 500 managers", bench_digests())
    if args.only in (None, "slack"):
        _line("/impact through HTTP", bench_slash_latency(args.issues, args.ledger_rows))
        _line(
            f"event ack during rescore ({args.issues:,})",
            bench_event_ack_during_rescore(args.issues),
        )


if __name__ == "__main__":
    main()
