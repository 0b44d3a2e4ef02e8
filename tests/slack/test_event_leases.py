"""Each Slack event is handled once, and acknowledged at once even while another process
holds the store's write lock; a failed handler lets Slack's next retry run it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.event_receipts import RETENTION, EventReceipts
from bot.slack.event_leases import EventLeases
from bot.store import Store, open_store
from tests.slack.test_app_e2e import Bot, bot, reaction  # noqa: F401 (the fixture)
from tests.slack_signing import event_body

MESSAGE_TS = "1717243200.000100"
ACK_BUDGET = 1.0  # seconds: far under the 5 s the lock is held (and Slack's 3 s retry), with room
#                   for a loaded 2-core CI machine (0.3 s failed once at 0.32 s under load)


def _hold_write_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that takes the store's write lock and keeps it for ``seconds``."""
    script = (
        "import sqlite3, sys, time\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "conn.execute('COMMIT')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _timed_post(bot: Bot, body: str, retry: int | None = None) -> float:  # noqa: F811
    started = time.perf_counter()
    response = bot.post(body, retry=retry)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed


def test_an_event_and_its_retry_are_acked_at_once_while_the_store_is_locked(
    bot: Bot,  # noqa: F811
) -> None:
    bot.fake.add_message("C0GENERAL", MESSAGE_TS, "<https://github.com/acme/labelling/issues/1>")
    body = event_body(reaction("UVERA", MESSAGE_TS, "1717243300.000200"), "Ev0LOCKED1")
    holder = _hold_write_lock(bot.db, 5)
    try:
        first = _timed_post(bot, body)
        retry = _timed_post(bot, body, retry=1)
        assert holder.poll() is None, "the lock was released before both acks"
    finally:
        holder.wait(timeout=10)
    assert first < ACK_BUDGET and retry < ACK_BUDGET, (first, retry)
    bot.fake.wait_for("chat.postEphemeral", timeout=10)  # handled once the lock is gone
    time.sleep(0.3)
    assert bot.flags() == [("github:acme/labelling#1", "vera")]
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1


def test_a_handler_that_fails_lets_the_next_retry_run_it(bot: Bot) -> None:  # noqa: F811
    bot.fake.add_message("C0GENERAL", MESSAGE_TS, "<https://github.com/acme/labelling/issues/1>")
    bot.fake.script("conversations.history", {"ok": False, "error": "internal_error"})
    body = event_body(reaction("UVERA", MESSAGE_TS, "1717243300.000200"), "Ev0FAILS1")
    assert bot.post(body).status_code == 200
    bot.fake.wait_for("conversations.history")
    time.sleep(0.3)  # the handler failed: nothing flagged, nothing said
    assert bot.flags() == [] and bot.fake.calls_to("chat.postEphemeral") == []
    assert bot.post(body, retry=1).status_code == 200
    bot.fake.wait_for("chat.postEphemeral")
    assert bot.flags() == [("github:acme/labelling#1", "vera")]
    assert bot.post(body, retry=2).status_code == 200  # handled now: not again
    time.sleep(0.3)
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1


def test_a_handled_event_is_remembered_across_processes(bot: Bot) -> None:  # noqa: F811
    """The receipt is durable: a retry that reaches another process is not handled again."""
    bot.fake.add_message("C0GENERAL", MESSAGE_TS, "<https://github.com/acme/labelling/issues/1>")
    body = event_body(reaction("UVERA", MESSAGE_TS, "1717243300.000200"), "Ev0DURABLE1")
    assert bot.post(body).status_code == 200
    bot.fake.wait_for("chat.postEphemeral")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with open_store(bot.db) as store:
            if store.events.seen("Ev0DURABLE1"):
                break
        time.sleep(0.05)
    else:
        raise AssertionError("no receipt was written")


def test_leases_expire_are_pruned_and_can_be_released() -> None:
    now = [0.0]
    leases = EventLeases(ttl=60, clock=lambda: now[0])
    assert leases.take("Ev1") and not leases.take("Ev1")
    leases.release("Ev1")
    assert leases.take("Ev1")
    now[0] = 30
    assert leases.take("Ev2") and len(leases) == 2
    now[0] = 61  # Ev1 expired, Ev2 not yet
    assert leases.take("Ev3") and len(leases) == 2
    assert leases.take("Ev1") and not leases.take("Ev2")


def test_old_receipts_are_pruned(tmp_path: Path) -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with open_store(tmp_path / "bot.db") as store:
        store.events.record("EvOLD", now - RETENTION - timedelta(minutes=1), prune_before=now)
        store.events.record("EvNEW", now, prune_before=now - RETENTION)
        assert not store.events.seen("EvOLD") and store.events.seen("EvNEW")
        store.events.forget("EvNEW")
        assert not store.events.seen("EvNEW")


def test_a_receipt_found_locked_out_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rescore can hold the write lock past the 30 s a write waits: the receipt is retried."""
    from bot.app import event_receipts

    real, refusals = event_receipts.open_store, [2]

    @contextmanager
    def busy_then_free(path: Path) -> Iterator[Store]:
        if refusals[0]:
            refusals[0] -= 1
            raise sqlite3.OperationalError("database is locked")
        with real(path) as store:
            yield store

    monkeypatch.setattr(event_receipts, "open_store", busy_then_free)
    receipts = EventReceipts(tmp_path / "bot.db", lambda: datetime(2026, 11, 1, tzinfo=UTC))
    receipts.record("EvBUSY")
    assert refusals == [0] and receipts.handled("EvBUSY")
