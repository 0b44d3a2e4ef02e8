"""The crash-safety loop the tracker tests share: sync into a reference store uninterrupted;
sync into a second store, SIGKILLing the sync at random points and restarting it; then let it
finish. Both stores must then be identical — nothing lost, nothing duplicated.

    want, got = crash_and_compare(tmp_path, fake, start_sync, seed=11, kills=3, steps=(1, 25))
    assert got == want

Each test supplies what is specific to its tracker: the fake (anything with a growing
`requests` list) and ``start_sync(db)``, which starts one sync into ``db`` as a child process.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable, Sized
from pathlib import Path
from typing import Protocol

from bot.store import open_store

StartSync = Callable[[Path], subprocess.Popen[bytes]]


class RecordingFake(Protocol):
    """A fake that records every request it serves in `requests`."""

    @property
    def requests(self) -> Sized: ...


def snapshot(db: Path, *, cursor_columns: str = "cursor") -> dict[str, object]:
    """What a sync stored in ``db``: issues, links, and ``cursor_columns`` of each source's
    sync state, all in a fixed order."""
    with open_store(db) as store:
        rows = store.db.execute
        return {
            "issues": rows("SELECT uid, data FROM issues ORDER BY uid").fetchall(),
            "links": rows(
                "SELECT from_uid, position, kind, to_key, to_source, evidence "
                "FROM issue_links ORDER BY from_uid, position"
            ).fetchall(),
            "cursors": rows(
                f"SELECT source, {cursor_columns} FROM sync_state ORDER BY source"
            ).fetchall(),
        }


def finish(process: subprocess.Popen[bytes]) -> None:
    """Wait (at most 120 s) for a sync to end; it must end with exit status 0."""
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()


def kill_after(process: subprocess.Popen[bytes], fake: RecordingFake, requests: int) -> bool:
    """SIGKILL ``process`` once the fake has served ``requests`` more; False if it ended."""
    target = len(fake.requests) + requests
    while len(fake.requests) < target:
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


def kill_repeatedly(
    fake: RecordingFake,
    start_sync: Callable[[], subprocess.Popen[bytes]],
    *,
    seed: int,
    kills: int,
    steps: tuple[int, int],
    stop_once_finished: bool = True,
) -> int:
    """Start a sync ``kills`` times, each killed after a random number of requests drawn from
    ``steps`` (inclusive bounds); the number of syncs killed. With ``stop_once_finished`` the
    first sync that ends by itself ends the loop; without, the loop goes on regardless."""
    rng = random.Random(seed)
    killed = 0
    for _ in range(kills):
        if kill_after(start_sync(), fake, rng.randint(*steps)):
            killed += 1
        elif stop_once_finished:
            break
    return killed


def crash_and_compare(
    tmp_path: Path,
    fake: RecordingFake,
    start_sync: StartSync,
    *,
    seed: int,
    kills: int,
    steps: tuple[int, int],
    stop_once_finished: bool = True,
    cursor_columns: str = "cursor",
) -> tuple[dict[str, object], dict[str, object]]:
    """Sync into ``reference.db`` uninterrupted, then into ``crashed.db`` killed and restarted
    (`kill_repeatedly`) and finally left to finish; at least one sync must have been killed.
    Returns the two stores' `snapshot`s, reference first."""
    reference, crashed = tmp_path / "reference.db", tmp_path / "crashed.db"
    finish(start_sync(reference))
    killed = kill_repeatedly(
        fake,
        lambda: start_sync(crashed),
        seed=seed,
        kills=kills,
        steps=steps,
        stop_once_finished=stop_once_finished,
    )
    finish(start_sync(crashed))
    assert killed >= 1, "the sync finished before any kill: the test proved nothing"
    want = snapshot(reference, cursor_columns=cursor_columns)
    return want, snapshot(crashed, cursor_columns=cursor_columns)
