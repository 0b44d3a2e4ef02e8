"""Crash safety: a Jira sync killed with SIGKILL at random points, then restarted, ends with
a store identical to an uninterrupted sync — nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.jira import FakeJira
from tests.trackers.crash import crash_and_compare

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


def _crash_and_compare(tmp_path: Path, fake: FakeJira, seed: int, kills: int) -> None:
    want, got = crash_and_compare(
        tmp_path, fake, lambda db: _sync(fake.url, db), seed=seed, kills=kills, steps=(2, 12)
    )
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
