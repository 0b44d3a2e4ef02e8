"""Duplicate detection on real data: the Apache Jira benchmark in ../shared/external/duplicates.

Streams the 40,704 reports in creation order through the product's own path (``analyse``,
one ``DuplicateIndex``, ``add``), querying each evaluation report just before it is added,
so its pool is exactly the reports filed before it. Ranks by duplicate group and computes
Recall-rate@1/5/10 as the data's README defines it, for the all-projects pool and the
query's own project, split into cross-project queries, the tuning queries (filed before
2015) and the held-out ones (2015 on). Plain BM25 runs in the same process as the baseline.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import dupes_data
from benchmarks.dupes_baseline import PlainBM25
from benchmarks.dupes_data import Query, Report
from benchmarks.github_sync import rss_mb
from bot.core.dupes import DuplicateIndex, DuplicateRules, analyse

KS = (1, 5, 10)
DEPTH = 50  # candidates fetched per query: enough to see 10 groups
SPLITS: dict[str, Callable[[Query], bool]] = {
    "all": lambda q: True,
    "cross-project": lambda q: q.cross_project,
    "tuning <2015": lambda q: not q.held_out,
    "held-out 2015+": lambda q: q.held_out,
}
REFERENCES = "published (TOSEM 'Hadoop'): REP 0.409/0.604/0.654, SABD 0.202/0.330/0.430"


@dataclass
class Run:
    """Where each query's group first appeared (1-based group rank; 0 = not found)."""

    ranks: dict[str, dict[str, int]] = field(default_factory=lambda: {"all": {}, "own": {}})
    analyse_seconds: float = 0.0
    add_seconds: float = 0.0
    query_ms: list[float] = field(default_factory=list)
    reports: int = 0
    top: list[tuple[float, bool]] = field(default_factory=list)  # all-projects pool: the
    # best candidate's score, and whether it is of the query's duplicate group


def group_rank(found: Iterable[str], group_of: dict[str, str], group: str) -> int:
    """The README's rank: walk candidates counting groups; 0 if ``group`` never appears."""
    seen: set[str] = set()
    for key in found:
        bucket = group_of.get(key, key)
        if bucket in seen:
            continue
        seen.add(bucket)
        if bucket == group:
            return len(seen)
    return 0


def evaluate(
    stream: Iterable[Report],
    queries: dict[str, Query],
    group_of: dict[str, str],
    rules: DuplicateRules,
) -> Run:
    """Stream ``stream`` into one index, querying each query report before adding it."""
    index, run = DuplicateIndex(rules), Run()
    for report in stream:
        started = time.perf_counter()
        doc = analyse(
            report.key,
            title=report.summary,
            body=report.description,
            container=report.project,
            created_at=report.created,
            components=report.components,
            rules=rules,
        )
        run.analyse_seconds += time.perf_counter() - started
        query = queries.get(report.key)
        if query is not None:
            for pool, containers in (("all", None), ("own", {report.project})):
                started = time.perf_counter()
                found = index.query(doc, k=DEPTH, containers=containers)
                run.query_ms.append(1000 * (time.perf_counter() - started))
                keys = (c.uid for c in found)
                run.ranks[pool][report.key] = group_rank(keys, group_of, query.group)
                if pool == "all" and found:
                    right = group_of.get(found[0].uid, found[0].uid) == query.group
                    run.top.append((found[0].score, right))
        started = time.perf_counter()
        index.add(doc)
        run.add_seconds += time.perf_counter() - started
        run.reports += 1
    return run


def baseline(
    stream: Sequence[Report], queries: dict[str, Query], group_of: dict[str, str]
) -> dict[str, dict[str, int]]:
    """The same protocol for the README's plain BM25."""
    bm25 = PlainBM25([f"{r.summary}\n{r.description}" for r in stream])
    projects = np.array([r.project for r in stream])
    ranks: dict[str, dict[str, int]] = {"all": {}, "own": {}}
    for position, report in enumerate(stream):
        query = queries.get(report.key)
        if query is None:
            continue
        for pool, allowed in (("all", None), ("own", projects == report.project)):
            keys = (stream[i].key for i in bm25.rank(position, allowed, DEPTH))
            ranks[pool][report.key] = group_rank(keys, group_of, query.group)
    return ranks


THRESHOLDS = (0.3, 0.4, 0.5, 0.65, 0.8)


def threshold_lines(top: Sequence[tuple[float, bool]], queries: int, chosen: float) -> list[str]:
    """For choosing ``report_threshold``: at each threshold, how many queries' best candidate
    would be shown to people, and how often it is the duplicate their developers linked
    (a floor: links are incomplete, so some "wrong" ones are unlinked duplicates)."""
    lines = ["report_threshold (all-projects pool; best candidate of each query):"]
    for threshold in sorted({*THRESHOLDS, chosen}):
        shown = [right for score, right in top if score >= threshold]
        right = sum(shown) / len(shown) if shown else 0.0
        mark = "  <- duplicates.yaml" if threshold == chosen else ""
        lines.append(
            f"  ≥ {threshold:.2f}: shown for {len(shown) / max(queries, 1):.0%} of queries, "
            f"right for {right:.0%} of those{mark}"
        )
    return lines


def recall(ranks: dict[str, int], queries: Iterable[Query]) -> tuple[int, list[float]]:
    """How many queries, and the share whose group ranks within each k of ``KS``."""
    chosen = [ranks.get(q.key, 0) for q in queries]
    if not chosen:
        return 0, [0.0 for _ in KS]
    return len(chosen), [sum(0 < r <= k for r in chosen) / len(chosen) for k in KS]


def table(name: str, ranks: dict[str, dict[str, int]], queries: dict[str, Query]) -> list[str]:
    """One line per pool: Recall@1/5/10 for each split of the queries."""
    lines = []
    for pool, label in (("all", "all projects"), ("own", "own project")):
        cells = []
        for split in SPLITS.values():
            count, figures = recall(ranks[pool], [q for q in queries.values() if split(q)])
            cells.append("/".join(f"{f:.3f}" for f in figures) + f" ({count})")
        lines.append(f"{name:<12} {label:<13} " + "  ".join(f"{c:<22}" for c in cells))
    return lines


def report(folder: Path, rules: DuplicateRules, *, with_baseline: bool = True) -> str:
    """The whole evaluation as printable lines."""
    queries, group_of = dupes_data.queries(folder), dupes_data.groups(folder)
    run = evaluate(dupes_data.reports(folder), queries, group_of, rules)
    peak = rss_mb(peak=True)
    header = f"{'method':<12} {'pool':<13} " + "  ".join(f"{s:<22}" for s in SPLITS)
    lines = [
        f"dupes: {run.reports:,} reports, {len(queries):,} queries; Recall@1/5/10 (queries)",
        header,
        *table("impactbot", run.ranks, queries),
    ]
    if with_baseline:
        stream = list(dupes_data.reports(folder))
        lines += table("plain BM25", baseline(stream, queries, group_of), queries)
    p50, p99 = np.percentile(run.query_ms, [50, 99]) if run.query_ms else (0.0, 0.0)
    lines += [
        *threshold_lines(run.top, len(queries), rules.report_threshold),
        REFERENCES,
        f"indexing: analyse {run.analyse_seconds:.1f} s + add {run.add_seconds:.1f} s for "
        f"{run.reports:,} reports; query p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({len(run.query_ms):,} queries, k={DEPTH}); peak RSS {peak:,.0f} MB "
        "(engine run, before the baseline)",
    ]
    return "\n".join(lines)


def bench_dupes(folder: Path = dupes_data.FOLDER) -> str:
    """The benchmark's printed report, or one line saying why it was skipped. The evaluation
    runs in a process of its own, so its peak memory is its own (not that of benchmarks run
    before it in `make bench`)."""
    if not (folder / "queries.csv").exists():
        return f"dupes: skipped, {folder} is absent (the Apache Jira duplicate data set)"
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(report, folder, DuplicateRules()).result()
