"""What a manager reads when the tracker refuses a claim: a short reason of ours, never the
tracker's error body (which is logged). Signed clicks into the app, the fake GitHub behind."""

from __future__ import annotations

import json
import logging
import time

import pytest

from tests.fakes.github import ScriptedResponse
from tests.slack.test_claims_e2e import World, _assignees, _claim, world  # noqa: F401

ASSIGNEES = r"/repos/acme/labelling/issues/1/assignees$"
INTERNAL = "upstream db-7.corp.acme.internal refused: stack trace follows"


def _replies(of: World, timeout: float = 5.0) -> str:
    """Everything the app posted to response URLs, once it posted something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with of.slack._cond:
            posted = [body for bodies in of.slack.responses.values() for body in bodies]
        if posted:
            return json.dumps(posted)
        time.sleep(0.05)
    raise AssertionError("no reply to the manager")


def test_a_refusal_says_why_in_our_words_and_logs_githubs(
    world: World,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    world.github.script("POST", ASSIGNEES, ScriptedResponse(422, {}, {"message": INTERNAL}))
    with caplog.at_level(logging.WARNING):
        world.click(_claim("UANA"))
        shown = _replies(world)
    assert (
        "Not claimed: GitHub did not assign @ana: GitHub rejected the request as invalid" in shown
    )
    assert "db-7" not in shown and world.claims() == []
    assert any(INTERNAL in r.getMessage() for r in caplog.records)


def test_a_tracker_that_keeps_failing_is_unreachable_not_quoted(
    world: World,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = f"<html><body><h1>502</h1><pre>{INTERNAL}</pre></body></html>"
    world.github.script("POST", ASSIGNEES, *[ScriptedResponse(502, {}, page)] * 10)
    with caplog.at_level(logging.WARNING):
        world.click(_claim("UANA"))
        shown = _replies(world)
    assert "Not claimed: the tracker could not be reached (details in impactbot" in shown
    assert "db-7" not in shown and "<html>" not in shown and _assignees(world.github) == []
    assert any("502" in r.getMessage() for r in caplog.records)
