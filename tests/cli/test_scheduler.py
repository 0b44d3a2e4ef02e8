"""The job table: ids, triggers, and the scheduler's protections (coalesce, one instance)."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.app.services import Services
from bot.cli.scheduler import jobs, start
from bot.config import Settings
from bot.wiring import services_over


def _services(tmp_path: Path, **settings: object) -> Services:
    return services_over(Settings(db_path=tmp_path / "x.db", rules_dir=tmp_path, **settings))  # type: ignore[arg-type]


def test_the_job_table(tmp_path: Path) -> None:
    table = jobs(_services(tmp_path), send_digests=lambda: None, send_notices=lambda: None)
    assert [j.id for j in table] == ["digests", "credit_notices", "sync"]
    assert "minute='0'" in str(table[0].trigger)  # hourly: each manager's local hour decides
    assert [j.id for j in jobs(_services(tmp_path, sync_minutes=0), lambda: None)] == ["digests"]


def test_started_jobs_coalesce_and_never_overlap(tmp_path: Path) -> None:
    scheduler = start(jobs(_services(tmp_path), send_digests=lambda: None))
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time and job.misfire_grace_time >= 300
    finally:
        scheduler.shutdown(wait=False)


def test_expected_failures_are_logged_not_raised(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    services = _services(tmp_path)
    [sync] = [j for j in jobs(services, lambda: None) if j.id == "sync"]
    assert sync.run() is None  # no rules folder content: the job skips, saying why
    assert "job skipped" in caplog.text


def test_slack_ids_are_looked_up_at_start_then_daily(tmp_path: Path) -> None:
    ran: list[str] = []
    table = jobs(_services(tmp_path), lambda: None, fill_slack_ids=lambda: ran.append("ids"))
    [ids] = [j for j in table if j.id == "slack_ids"]
    assert ids.at_start and "interval[1 day" in str(ids.trigger)
    scheduler = start([ids])
    try:
        for _ in range(200):  # the first run is due at once; wait for the scheduler thread
            if ran:
                break
            threading.Event().wait(0.01)
        assert ran == ["ids"]
    finally:
        scheduler.shutdown(wait=False)
