"""Crash safety: a Linear sync killed with SIGKILL at random points, then restarted, ends with
a store identical to an uninterrupted sync — nothing lost, nothing duplicated."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.linear import FakeLinear
from tests.trackers.crash import crash_and_compare
from tests.trackers.linear.harness import KEY, needs_schema

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2023, 6, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def _populate(fake: FakeLinear, n: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    ws = fake.workspace
    people = [ws.add_user(name) for name in ("Ana", "Vera", "Ned")]
    keys: list[str] = []
    for i in range(n):
        at = T0 + timedelta(hours=8 * i)  # 1,000 issues end before NOW: all are synced
        team = "ENG" if i % 2 else "DATA"
        body = f"Blocks {rng.choice(keys)}" if keys and rng.random() < 0.3 else "Plain."
        key = ws.add_issue(
            team,
            title=f"Issue {i}",
            description=body,
            created_at=at,
            assignee=rng.choice([None, *people]),
            labels=("bug",) if i % 3 else (),
        )
        if rng.random() < 0.3:
            ws.add_comment(
                key, user=rng.choice(people), body="same here", at=at + timedelta(hours=2)
            )
        if keys and rng.random() < 0.2:
            ws.relate(
                key,
                rng.choice(["blocks", "related", "duplicate"]),
                rng.choice(keys),
                at=at + timedelta(hours=3),
            )
        keys.append(key)


def _sync(fake: FakeLinear, db: Path) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "tests.trackers.linear.sync_child",
        str(db),
        fake.url,
        KEY,
        NOW.isoformat(),
    ]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _crash_and_compare(tmp_path: Path, n: int, seed: int, kills: int) -> None:
    with FakeLinear(api_key=KEY, now=NOW) as fake:
        _populate(fake, n)
        want, got = crash_and_compare(
            tmp_path,
            fake,
            lambda db: _sync(fake, db),
            seed=seed,
            kills=kills,
            steps=(2, 20),
            stop_once_finished=False,
        )
    assert len(got["issues"]) == n  # type: ignore[arg-type]
    assert got == want


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    needs_schema()
    _crash_and_compare(tmp_path, n=400, seed=11, kills=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_crash_loop_soak(tmp_path: Path, seed: int) -> None:
    needs_schema()
    _crash_and_compare(tmp_path, n=1_000, seed=seed, kills=12)
