"""The real-data evaluation's code path, on a few hundred reports (the figures: make bench)."""

from __future__ import annotations

from itertools import islice

from benchmarks import dupes_data
from benchmarks.dupes import baseline, bench_dupes, evaluate, group_rank, recall, table
from bot.core.dupes import DuplicateRules
from tests.external import external


def test_group_rank_counts_groups_not_reports() -> None:
    group_of = {"A": "g1", "B": "g1", "C": "g2"}
    assert group_rank(["A", "B", "X", "C"], group_of, "g2") == 3
    assert group_rank(["A", "X"], group_of, "g2") == 0


def test_the_benchmark_skips_with_a_reason_without_the_data() -> None:
    assert "skipped" in bench_dupes(dupes_data.FOLDER / "absent")


def test_the_evaluation_runs_on_the_first_reports_of_zookeeper() -> None:
    folder = external("duplicates")
    stream = list(islice(dupes_data.reports(folder, project="ZOOKEEPER"), 400))
    keys = {r.key for r in stream}
    queries = {k: q for k, q in dupes_data.queries(folder).items() if k in keys}
    group_of = dupes_data.groups(folder)
    assert len(stream) == 400 and queries, "the data should hold ZooKeeper duplicates"
    run = evaluate(stream, queries, group_of, DuplicateRules())
    assert run.reports == 400 and len(run.query_ms) == 2 * len(queries)
    count, figures = recall(run.ranks["all"], queries.values())
    assert count == len(queries) and 0 < figures[2] <= 1
    assert figures == sorted(figures)
    plain = baseline(stream, queries, group_of)
    assert len(table("plain BM25", plain, queries)) == 2
