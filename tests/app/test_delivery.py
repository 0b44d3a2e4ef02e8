"""Digests go out exactly once: repeats, two processes at once, and crashes on either side
of the post — the app's bookkeeping with Slack's sender, against the fake Slack."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.app.delivery import LEASE, Parcel, deliver_once
from bot.slack.delivery import Pacer, SlackMessage
from bot.slack.sender import SlackSender
from bot.store import open_store
from tests.fakes.slack import FakeSlack

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PARCEL = Parcel(
    recipient="UOMAR", period="2026-W45", message=SlackMessage(text="Your digest", blocks=[])
)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def _client(slack: FakeSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.url)


def _posts(slack: FakeSlack) -> list[object]:
    return slack.calls_to("chat.postMessage")


def _send(db: Path, slack: FakeSlack, owner: str = "p1", at: datetime = NOW) -> str:
    sender = SlackSender(_client(slack), pacer=Pacer(interval=0))
    return deliver_once(db, sender, PARCEL, owner=owner, now=lambda: at)


def test_a_repeat_sends_nothing(tmp_path: Path, slack: FakeSlack) -> None:
    db = tmp_path / "x.db"
    assert _send(db, slack) == "sent"
    assert _send(db, slack, at=NOW + timedelta(hours=1)) == "already"
    assert len(_posts(slack)) == 1
    [post] = _posts(slack)
    assert post.args["text"] == "Your digest"  # type: ignore[attr-defined]


def test_two_processes_at_once_send_one(tmp_path: Path, slack: FakeSlack) -> None:
    db = tmp_path / "x.db"
    with open_store(db):
        pass  # migrate once, before the race
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda o=o: results.append(_send(db, slack, owner=o)))
        for o in ("p1", "p2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (["already", "sent"], ["busy", "sent"])
    assert len(_posts(slack)) == 1


CRASH = """
import os, sys
from datetime import datetime
from pathlib import Path
from slack_sdk import WebClient
from bot.app import delivery
from bot.slack.delivery import Pacer, SlackMessage
from bot.slack.sender import SlackSender
from bot.store.digests import SqliteDigests

def crash(*args, **kwargs):
    os._exit(9)  # killed at the exact point: {where}

setattr(SqliteDigests, "{method}", crash)
client = WebClient(token=sys.argv[2], base_url=sys.argv[3])
message = SlackMessage(text="Your digest", blocks=[])
parcel = delivery.Parcel(recipient="UOMAR", period="2026-W45", message=message)
at = datetime.fromisoformat(sys.argv[4])
delivery.deliver_once(Path(sys.argv[1]), SlackSender(client, pacer=Pacer(interval=0)), parcel,
                      owner="crashed", now=lambda: at)
"""


def _crash(db: Path, slack: FakeSlack, method: str, where: str) -> None:
    code = CRASH.format(method=method, where=where)
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), slack.bot_token, slack.url, NOW.isoformat()],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 9, done.stderr.decode()


def test_a_crash_after_posting_is_recovered_not_repeated(tmp_path: Path, slack: FakeSlack) -> None:
    db = tmp_path / "x.db"
    _crash(db, slack, "mark_sent", "after the post, before recording it")
    assert len(_posts(slack)) == 1
    assert _send(db, slack, at=NOW + timedelta(minutes=1)) == "busy"  # lease still held
    assert _send(db, slack, at=NOW + LEASE + timedelta(seconds=1)) == "recovered"
    assert len(_posts(slack)) == 1  # nobody gets two
    with open_store(db) as store:
        [row] = [asdict(state) for state in store.digests.states("2026-W45")]
    assert row["state"] == "sent" and row["message_ts"]


def test_a_crash_before_posting_is_sent_on_the_next_run(tmp_path: Path, slack: FakeSlack) -> None:
    db = tmp_path / "x.db"
    # A process that claimed the send and died before posting: its claim, and nothing else.
    with open_store(db) as store:
        assert (
            store.digests.claim_send("UOMAR", "2026-W45", owner="dead", at=NOW, lease=LEASE)
            == "mine"
        )
    assert _posts(slack) == []
    assert _send(db, slack, at=NOW + LEASE + timedelta(seconds=1)) == "sent"  # not skipped
    assert len(_posts(slack)) == 1
