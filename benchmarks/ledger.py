"""Credit query latency on a large ledger (issue: under 50 ms at 1,000,000 rows)."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.app.services import Services
from bot.config import Settings
from bot.store import Store, open_store
from bot.wiring import services_over

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ROLES = ("resolver", "reviewer", "flagger", "sponsor", "reporter")


def _rows(n: int, people: int, teams: int, seed: int = 5) -> Iterator[dict[str, Any]]:
    """Ledger rows spread over two years, as minting would write them."""
    rng = random.Random(seed)
    for i in range(n):
        at = NOW - timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
        person = rng.randrange(people)
        yield {
            "id": i + 1, "natural_key": f"mint|github:org/r#{i}|c|{ROLES[i % 5]}|p-{person}",
            "kind": "mint", "person_ref": f"p-{person}", "team_id": f"team{person % teams}",
            "role": ROLES[i % 5], "share": 0.2, "points": rng.uniform(1, 40),
            "issue_uid": f"github:org/r#{i // 5}", "closure": at.isoformat(),
            "beneficiaries": '["team1", "team2"]', "reason": "bench", "evidence": "[]",
            "at": at.isoformat(), "reverses": None, "pending": 0,
        }  # fmt: skip


def _running(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The running totals minting would have kept for ``rows``."""
    totals: dict[str, float] = {}
    for row in sorted(rows, key=lambda r: (r["person_ref"], r["at"], r["id"])):
        totals[row["person_ref"]] = totals.get(row["person_ref"], 0.0) + row["points"]
        yield {
            "person_ref": row["person_ref"],
            "at": row["at"],
            "entry_id": row["id"],
            "total": totals[row["person_ref"]],
        }


def fill_ledger(store: Store, n: int, person_ids: list[str], teams: int) -> None:
    """Write ``n`` ledger rows (in bulk, with the running totals minting keeps) for
    ``person_ids``."""
    rows = list(_rows(n, len(person_ids), teams))
    store.db.table("credit_ledger").insert_all(rows, batch_size=20_000)
    store.db.table("credit_running").insert_all(_running(rows), batch_size=20_000)
    refs = [f"p-{p}" for p in range(len(person_ids))]
    store.db.table("ledger_refs").insert_all({"ref": ref} for ref in refs)
    store.db.table("people_refs").insert_all(
        {"person_id": pid, "ref": ref} for pid, ref in zip(person_ids, refs, strict=True)
    )
    store.db.execute("ANALYZE")


def build_ledger(folder: Path, n: int, people: int = 2_000, teams: int = 40) -> Services:
    """A database with ``n`` ledger rows (written in bulk), and services over it."""
    db = folder / "ledger.db"
    person_ids = [f"person{p}" for p in range(people)]
    with open_store(db) as store:
        fill_ledger(store, n, person_ids, teams)
        store.db.table("people").insert_all({"id": pid, "name": pid} for pid in person_ids)
    rules = folder / "rules"
    rules.mkdir()
    people_doc = [{"id": pid, "name": pid} for pid in person_ids]
    teams_doc = [{"id": f"team{t}", "name": f"Team {t}"} for t in range(teams)]
    (rules / "teams.yaml").write_text(yaml.safe_dump({"teams": teams_doc, "people": people_doc}))
    return services_over(Settings(db_path=db, rules_dir=rules), clock=lambda: NOW)


def _latency(query: Callable[[], object], repeat: int = 15) -> float:
    query()  # warm the page cache, as a long-running bot would be
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        query()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bench_ledger(n: int = 1_000_000) -> dict[str, float]:
    """Median milliseconds of the leaderboard and a person's credit, 90 days and a year."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        services = build_ledger(Path(tmp), n)
        built = time.perf_counter() - started
        return {
            "rows": n,
            "build_s": built,
            "leaderboard_90d_ms": _latency(lambda: services.leaderboard(period="90d")),
            "leaderboard_year_ms": _latency(lambda: services.leaderboard(period="2026")),
            "person_90d_ms": _latency(
                lambda: services.credit_report(person="person7", period="90d")
            ),
            "person_year_ms": _latency(
                lambda: services.credit_report(person="person7", period="2026")
            ),
        }
