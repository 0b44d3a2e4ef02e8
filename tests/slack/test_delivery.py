"""Slack's pacing of the calls a digest run makes."""

from __future__ import annotations

import pytest

from bot.slack.delivery import Pacer


def test_pacing_waits_between_posts_without_failing() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    pacer = Pacer(interval=1.2, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert slept == [1.2, 1.2] and pacer.waited == pytest.approx(2.4)
