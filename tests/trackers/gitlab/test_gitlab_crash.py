"""Crash safety: a GitLab sync killed with SIGKILL at random points, then restarted, ends with
a store identical to an uninterrupted sync — nothing lost, nothing duplicated."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.gitlab import FakeGitLab
from tests.trackers.crash import crash_and_compare
from tests.trackers.gitlab.harness import TOKEN

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2023, 1, 1, tzinfo=UTC)
PROJECTS = ("acme/labelling", "acme/ml/asr", "acme/ml/vision")


def _populate(fake: FakeGitLab, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    for i in range(n):
        project, other = PROJECTS[i % 3], PROJECTS[(i + 1) % 3]
        at = T0 + timedelta(minutes=7 * i)
        existing = i // 3
        linked = existing > 0 and rng.random() < 0.3
        target = rng.randint(1, existing) if linked else 0
        iid = fake.add_issue(
            project,
            title=f"Issue {i}",
            description=f"Blocks {other}#{target}" if linked else "Plain.",
            created_at=at,
            labels=["bug"] if rng.random() < 0.5 else [],
        )
        if rng.random() < 0.3:
            who = rng.choice(["ana", "vera", "ned"])
            fake.add_note(project, iid, author=who, body="same here", at=at + timedelta(hours=2))
        if linked:
            fake.link((project, iid), (other, target), "blocks", at + timedelta(hours=1))


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(token=TOKEN, now=NOW, rate_limit=1_000_000) as gl:
        _populate(gl, 600)
        yield gl


def _sync(fake: FakeGitLab, db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.trackers.gitlab.sync_child", fake.url, str(db), *PROJECTS],
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _crash_and_compare(tmp_path: Path, fake: FakeGitLab, seed: int, kills: int) -> None:
    want, got = crash_and_compare(
        tmp_path, fake, lambda db: _sync(fake, db), seed=seed, kills=kills, steps=(1, 150)
    )
    assert len(got["issues"]) == len(want["issues"]) == 600  # type: ignore[arg-type]
    assert got == want


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, fake: FakeGitLab
) -> None:
    _crash_and_compare(tmp_path, fake, seed=11, kills=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_crash_loop_soak(tmp_path: Path, fake: FakeGitLab, seed: int) -> None:
    _crash_and_compare(tmp_path, fake, seed=seed, kills=12)
