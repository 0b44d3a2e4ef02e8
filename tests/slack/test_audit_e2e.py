"""Every decision a manager makes from a digest writes an audit row, and leadership reads the
log with `/impact audit` (signed requests into the running app, the fake Slack and GitHub)."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from typing import Any

from bot.slack.blocks_digest_clicks import ACTION_NOT_OURS, ACTION_SNOOZE, ACTION_UNDO
from bot.store import open_store
from bot.store.audit import AuditRecord
from tests.slack.test_app_e2e import Bot, bot  # noqa: F401  (the fixture)
from tests.slack.test_claims_e2e import NOW, UID, World, _claim, world  # noqa: F401


def _button(action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "block_id": f"digest:actions:{UID}",
        "action_ts": "1.2",
    }


def _rows(of: World, count: int, timeout: float = 5.0) -> list[AuditRecord]:
    """The audit rows once there are ``count`` (listeners run after the ack)."""
    deadline = time.monotonic() + timeout
    while True:
        with open_store(of.services.settings.db_path) as store:
            rows = store.audit.entries()
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_claims_undos_not_ours_snoozes_and_failures_are_audited(world: World) -> None:  # noqa: F811
    ticks = itertools.count()
    world.services.clock = lambda: NOW + timedelta(seconds=next(ticks))  # each click later
    clicks = [
        _claim("UANA"),
        _button(ACTION_UNDO, f"claim:{UID}"),
        _button(ACTION_NOT_OURS, UID),
        _button(ACTION_UNDO, f"not_ours:{UID}"),
        _button(ACTION_SNOOZE, UID),
    ]
    for done, click in enumerate(clicks, start=1):
        world.click(click)
        world.slack.wait_for("chat.update", count=done)  # one at a time, in order
    world.github.set_assignable("acme/labelling", ["someone-else"])
    world.click(_claim("UANA"))
    rows = _rows(world, 6)
    assert [(r.actor, r.action, r.subject) for r in rows] == [
        ("omar", "claim", UID),
        ("omar", "claim.released", UID),
        ("omar", "not_ours", UID),
        ("omar", "not_ours.undone", UID),
        ("omar", "snooze", UID),
        ("omar", "claim.failed", UID),
    ]
    assert rows[4].detail == "snoozed until 2026-11-30" and rows[5].detail


def test_the_audit_log_is_for_leadership_in_slack(bot: Bot) -> None:  # noqa: F811
    bot.command("export 2026", user="UCTO")
    bot.fake.wait_for("files.completeUploadExternal")
    shown = json.dumps(bot.command("audit 2026", user="UCTO"))
    assert "*export* 2026" in shown and "<@UCTO>" in shown
    refused = json.dumps(bot.command("audit", user="UOMAR"))
    assert "audit log is for leadership" in refused and "export" not in refused
