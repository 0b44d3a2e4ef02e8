"""Scoring throughput: the pure core, and the whole `score` service over a SQLite file."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import synthetic
from benchmarks.github_sync import rss_mb
from bot.config import Settings
from bot.core.identity import Directory
from bot.core.rules import Rules
from bot.core.rules_scoring import ScoringRules
from bot.core.scoring import score_issues
from bot.store import open_store
from bot.wiring import services_over


def bench_core(n: int) -> dict[str, float]:
    issues = synthetic.issues(n)
    directory = Directory.build(synthetic.teams_rules())
    started = time.perf_counter()
    cards = score_issues(issues, directory=directory, rules=ScoringRules(), now=synthetic.NOW)
    seconds = time.perf_counter() - started
    return {"issues": len(cards), "seconds": seconds, "issues_per_s": n / seconds}


def bench_service(n: int) -> dict[str, float]:
    """Load from SQLite, score, write every card and contribution back, as `impactbot score`."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with open_store(db) as store, store.transaction():
            store.issues.upsert(synthetic.issues(n))
        services = services_over(
            Settings(db_path=db, rules_dir=Path(tmp)), clock=lambda: synthetic.NOW
        )
        rules = Rules(teams=synthetic.teams_rules())
        started = time.perf_counter()
        summary = services.score(rules)
        seconds = time.perf_counter() - started
    return {
        "issues": summary.issues,
        "seconds": seconds,
        "orphans": summary.orphans,
        "peak_rss_mb": rss_mb(peak=True),  # the whole process, test data included
    }
