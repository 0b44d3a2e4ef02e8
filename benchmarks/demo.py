"""Wall time of `impactbot demo`, end to end (generate, write, import, score, rank)."""

from __future__ import annotations

import time
from pathlib import Path

from bot.config import Settings
from bot.demo.run import run_demo
from bot.wiring import services_over


def bench_demo(runs: int = 3) -> dict[str, float]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = run_demo(services_over(Settings(rules_dir=Path("rules"))))
        times.append(time.perf_counter() - started)
    assert result is not None
    return {
        "runs": runs,
        "best_s": min(times),
        "median_s": sorted(times)[len(times) // 2],
        "issues": result.summary.issues,
        "taxonomy_rank": result.story_ranks.get("taxonomy_fix") or 0,
    }
