"""When a stream sweeps: one rule for every tracker (the connectors' ``_sweep_due``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.trackers.sync import sweep_due

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_a_stream_that_never_swept_sweeps() -> None:
    assert sweep_due(None, None, NOW, WEEK)


def test_a_sweep_is_due_once_the_interval_has_passed() -> None:
    assert not sweep_due(None, (NOW - WEEK + timedelta(seconds=1)).isoformat(), NOW, WEEK)
    assert sweep_due(None, (NOW - WEEK).isoformat(), NOW, WEEK)
    assert sweep_due(None, "2026-11-30T12:00:00Z", NOW, WEEK)  # a Z suffix reads as UTC


def test_the_callers_choice_wins() -> None:
    assert not sweep_due(False, None, NOW, WEEK)
    assert sweep_due(True, NOW.isoformat(), NOW, WEEK)
