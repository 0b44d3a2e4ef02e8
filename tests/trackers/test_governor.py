"""The governor shares a pause between the threads using one credential."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot.trackers.http import Governor

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_a_pause_on_one_thread_holds_the_others_once() -> None:
    slept: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:
        slept.append((threading.current_thread().name, seconds))

    governor = Governor(sleep=sleep, clock=lambda: NOW, jitter=lambda: 0.5)
    governor._pause(30, "Retry-After")  # this thread hit the limit and waited
    governor._wait_if_blocked()  # ...so it does not wait again
    other = threading.Thread(target=governor._wait_if_blocked, name="other")
    other.start()
    other.join()
    again = threading.Thread(target=governor._wait_if_blocked, name="other")
    again.start()  # a new thread: it has not waited either
    again.join()
    assert slept == [("MainThread", 30), ("other", 30), ("other", 30)]
    assert governor.describe_budget() == "budget unknown"
