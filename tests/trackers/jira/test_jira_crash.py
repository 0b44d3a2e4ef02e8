"""Crash safety: a Jira sync killed with SIGKILL at random points, then restarted, ends with
a store identical to an uninterrupted sync — nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from tests.fakes.jira import FakeJira

NOW = datetime(2024, 6, 1, 19, 0, tzinfo=UTC)
T0 = datetime(2023, 1, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def _populate(fake: FakeJira, n: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    fake.add_project("ASR")
    fake.add_project("DATA")
    fake.add_user("ana", "Ana")
    keys: list[str] = []
    for i in range(n):
        at = T0 + timedelta(minutes=rng.randint(0, 60 * 24 * 400))
        key = fake.add_issue(
            ("ASR", "DATA")[i % 2],
            summary=f"Issue {i}",
            created=at,
            labels=["bug"] if rng.random() < 0.5 else [],
            description=f"see {rng.choice(keys)}" if keys and rng.random() < 0.3 else None,
        )
        if rng.random() < 0.2:
            for c in range(rng.randint(1, 4)):
                fake.add_comment(key, author="ana", text=f"c{c}", at=at + timedelta(hours=c + 1))
        if keys and rng.random() < 0.1:
            fake.link(key, rng.choice(keys), "Blocks", at=at + timedelta(hours=6))
        keys.append(key)


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira(now=NOW, embedded_comments=2) as jira:
        _populate(jira, 600)
        yield jira


def _sync(site: str, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.trackers.jira.crash_runner", site, str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _snapshot(db: Path) -> dict[str, object]:
    with open_store(db) as store:
        rows = store.db.execute
        return {
            "issues": rows("SELECT uid, data FROM issues ORDER BY uid").fetchall(),
            "links": rows(
                "SELECT from_uid, position, kind, to_key, to_source, evidence "
                "FROM issue_links ORDER BY from_uid, position"
            ).fetchall(),
            "cursors": rows("SELECT source, cursor FROM sync_state ORDER BY source").fetchall(),
        }


def _kill_after(process: subprocess.Popen[bytes], fake: FakeJira, requests: int) -> bool:
    target = len(fake.requests) + requests
    while len(fake.requests) < target:
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


def _finish(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def _crash_and_compare(tmp_path: Path, fake: FakeJira, seed: int, kills: int) -> None:
    reference, crashed = tmp_path / "reference.db", tmp_path / "crashed.db"
    _finish(_sync(fake.url, reference))
    rng = random.Random(seed)
    killed = 0
    for _ in range(kills):
        if not _kill_after(_sync(fake.url, crashed), fake, rng.randint(2, 12)):
            break
        killed += 1
    _finish(_sync(fake.url, crashed))
    assert killed >= 1, "the sync finished before any kill: the test proved nothing"
    want, got = _snapshot(reference), _snapshot(crashed)
    assert len(got["issues"]) == len(want["issues"]) == 600  # type: ignore[arg-type]
    assert got == want


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, fake: FakeJira
) -> None:
    _crash_and_compare(tmp_path, fake, seed=11, kills=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_crash_loop_soak(tmp_path: Path, fake: FakeJira, seed: int) -> None:
    _crash_and_compare(tmp_path, fake, seed=seed, kills=12)
