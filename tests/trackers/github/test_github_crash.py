"""Crash safety: `impactbot sync` killed with SIGKILL at random points, then restarted, ends
with a store identical to an uninterrupted sync — nothing lost, nothing duplicated."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.builders import TEAMS
from tests.fakes.github import FakeGitHub
from tests.trackers.crash import crash_and_compare

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2023, 1, 1, tzinfo=UTC)
REPOS = ("acme/labelling", "acme/asr", "acme/vision")


def _populate(fake: FakeGitHub, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    for repo in REPOS:
        fake.add_repo(repo)
    for i in range(n):
        repo = REPOS[i % 3]
        at = T0 + timedelta(minutes=7 * i)
        other = REPOS[(i + 1) % 3]
        existing = i // 3  # issues the other repo already has
        linked = existing > 0 and rng.random() < 0.3
        body = f"Blocks {other}#{rng.randint(1, existing)}" if linked else "Plain."
        number = fake.add_issue(
            repo,
            title=f"Issue {i}",
            body=body,
            created_at=at,
            labels=["bug"] if rng.random() < 0.5 else [],
        )
        if rng.random() < 0.3:
            fake.add_comment(
                repo,
                number,
                author=rng.choice(["ana", "vera", "ned"]),
                body="same here",
                created_at=at + timedelta(hours=2),
            )
        if linked:
            target = int(body.rsplit("#", 1)[1])
            fake.add_cross_reference(
                target=(other, target), source=(repo, number), created_at=at + timedelta(hours=1)
            )


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(
        token="t0k", now=NOW, rate_limit=100_000, graphql_limit=100_000, page_limit=3
    ) as gh:
        _populate(gh, 1_200)
        yield gh


def _environment(tmp_path: Path, fake: FakeGitHub, db: Path) -> dict[str, str]:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (rules / "sources.yaml").write_text(yaml.safe_dump({"github": {"repos": list(REPOS)}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPACTBOT_", "GITHUB_"))}
    env.update(
        IMPACTBOT_DB=str(db),
        IMPACTBOT_RULES=str(rules),
        GITHUB_TOKEN="t0k",
        GITHUB_API_URL=fake.url,
    )
    return env


def _sync(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "sync", "--no-sweep"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _crash_and_compare(tmp_path: Path, fake: FakeGitHub, seed: int, kills: int) -> None:
    def start_sync(db: Path) -> subprocess.Popen[bytes]:
        return _sync(_environment(tmp_path, fake, db), tmp_path)

    want, got = crash_and_compare(
        tmp_path,
        fake,
        start_sync,
        seed=seed,
        kills=kills,
        steps=(1, 25),
        cursor_columns="cursor, etag",
    )
    assert len(got["issues"]) == len(want["issues"]) > 700  # type: ignore[arg-type]
    assert got == want


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    _crash_and_compare(tmp_path, fake, seed=11, kills=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_crash_loop_soak(tmp_path: Path, fake: FakeGitHub, seed: int) -> None:
    _crash_and_compare(tmp_path, fake, seed=seed, kills=12)
