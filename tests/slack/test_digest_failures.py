"""Digests that cannot be delivered: said loudly (`digest --send` exits 1 with a summary),
recorded for `doctor` and `/healthz`, retried when Slack's failure is transient and not
retried when the token lacks a scope. Against the fake Slack, which grants exactly the
manifest's scopes unless a test removes one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from slack_bolt import App

from bot.app.digests import send_due
from bot.app.services import Services
from bot.cli.doctor import health_report, run_checks
from bot.cli.main import main
from bot.cli.scheduler import production_jobs
from bot.slack.delivery import MARKER, Pacer
from bot.slack.sender import SlackSender
from bot.slack.server import wsgi_app
from bot.store import open_store
from tests.fakes.slack import FakeSlack, ScriptedReply
from tests.fakes.slack_workspace import dm_id
from tests.slack.test_digests import MONDAY, _client, world

__all__ = ["world"]  # the fixture, shared with test_digests

DUE = MONDAY + timedelta(hours=10)  # every manager's slot has passed
World = tuple[Services, FakeSlack]


def _run(services: Services, slack: FakeSlack, slept: list[float] | None = None) -> dict[str, Any]:
    pacer = Pacer(interval=0, sleep=(slept if slept is not None else []).append)
    return {
        o.manager: o for o in send_due(services, SlackSender(_client(slack), pacer=pacer), now=DUE)
    }


def _omar_dm_opens(slack: FakeSlack) -> int:
    return sum(1 for c in slack.calls_to("conversations.open") if "UOMAR" in json.dumps(c.args))


def test_digest_send_exits_non_zero_and_says_who_failed_and_why(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, slack = world
    slack.scopes.discard("im:write")  # an app installed from the old manifest
    for name, value in {
        "IMPACTBOT_DB": str(services.settings.db_path),
        "IMPACTBOT_RULES": str(services.settings.rules_dir),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.url,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["digest", "--send", "--manager", "omar"])
    assert result.exit_code == 1, result.output
    assert "== Omar (" in result.output and "failed: missing_scope" in result.output  # by name
    assert "1 digest(s) not delivered" in result.output
    assert "✗ Omar (" in result.output and "missing_scope (needs im:write)" in result.output
    assert "impactbot manifest" in result.output


def test_missing_scope_is_not_retried_and_shows_in_doctor_and_healthz(world: World) -> None:
    services, slack = world
    slack.scopes.discard("im:write")
    first = _run(services, slack)
    assert first["omar"].status == "failed: missing_scope"
    assert first["omar"].reason == "missing_scope (needs im:write)"
    assert _omar_dm_opens(slack) == 1  # asked once: the same answer would come again

    findings = run_checks(services.settings, slack=_client(slack), http=None)  # type: ignore[arg-type]
    digests = [f for f in findings if f.topic == "digests"]
    omar = next(f for f in digests if " omar " in f.message)
    assert omar.level == "fail" and "missing_scope (needs im:write)" in omar.message
    assert "impactbot manifest" in omar.fix
    health = health_report(services.settings)
    assert health["ok"] is False
    assert {"recipient": "omar", "error": "missing_scope", "needed": "im:write"}.items() <= next(
        f for f in health["failures"] if f["recipient"] == "omar"
    ).items()
    served = _healthz(services)
    assert served["ok"] is False and served == json.loads(json.dumps(health))

    again = _run(services, slack)  # the next hourly run: the token still lacks im:write
    assert again["omar"].status == "failed: missing_scope"
    assert _omar_dm_opens(slack) == 1  # not asked again
    slack.scopes.add("im:write")  # the app reinstalled with the new manifest
    fixed = _run(services, slack)
    assert fixed["omar"].status == "sent"
    assert health_report(services.settings) == {"ok": True, "failures": []}


def test_the_scheduled_digest_job_records_a_failure_for_doctor_and_healthz(world: World) -> None:
    """The job `serve` runs hourly, with the client `serve` builds, on an app that lacks
    im:write: the failure is recorded, and the next hourly run does not ask Slack again."""
    services, slack = world
    slack.scopes.discard("im:write")
    (job,) = [j for j in production_jobs(services, _client(slack)) if j.id == "digests"]
    job.run()
    health = health_report(services.settings)
    assert health["ok"] is False
    assert {("omar", "missing_scope", "im:write"), ("mara", "missing_scope", "im:write")} <= {
        (f["recipient"], f["error"], f["needed"]) for f in health["failures"]
    }
    opens = len(slack.calls_to("conversations.open"))
    job.run()
    assert len(slack.calls_to("conversations.open")) == opens  # missing_scope: not retried


def test_a_transient_refusal_is_retried_after_a_pause(world: World) -> None:
    services, slack = world
    slack.script("conversations.open", {"ok": False, "error": "service_unavailable"})
    slept: list[float] = []
    outcomes = _run(services, slack, slept)
    assert all(not o.failed for o in outcomes.values()), outcomes
    assert 2.0 in slept  # the back-off before the retry
    assert health_report(services.settings)["ok"] is True


def test_a_server_error_that_had_posted_is_found_not_posted_twice(world: World) -> None:
    """Slack answered 500, but the message went out: the retry looks in the DM first."""
    services, slack = world
    original = slack.script

    def posted_then_500(channel: str, period: str, recipient: str) -> None:
        slack.add_message(
            channel,
            "1717243200.900000",
            "digest",
            metadata={
                "event_type": MARKER,
                "event_payload": {"recipient": recipient, "period": period},
            },
        )
        original("chat.postMessage", ScriptedReply({"ok": False, "error": "internal_error"}, 500))

    period = _run_dry_period(services)
    posted_then_500(dm_id("UOMAR"), period, "UOMAR")
    pacer = Pacer(interval=0, sleep=[].append)
    (outcome,) = send_due(
        services,
        SlackSender(_client(slack), pacer=pacer),
        now=DUE,
        only="omar",
    )
    posts_to_omar = [
        c for c in slack.calls_to("chat.postMessage") if dm_id("UOMAR") in json.dumps(c.args)
    ]
    # The first post got the 500; the one message is the one already there.
    assert outcome.status == "recovered" and len(posts_to_omar) == 1


def test_retries_stop_after_the_last_attempt_and_the_failure_is_recorded(world: World) -> None:
    services, slack = world
    busy = {"ok": False, "error": "request_timeout"}
    slack.script("conversations.open", *([busy] * 10))
    slept: list[float] = []
    outcomes = _run(services, slack, slept)
    failed = [o for o in outcomes.values() if o.failed]
    assert failed and all(o.reason == "request_timeout (transient)" for o in failed)
    with open_store(services.settings.db_path) as store:
        recorded = store.digests.failures()
    assert recorded[0].attempts == 3 and recorded[0].transient
    assert slept.count(2.0) >= 1 and slept.count(10.0) >= 1


def _run_dry_period(services: Services) -> str:
    (omar,) = [
        o
        for o in send_due(services, SlackSender(None), now=DUE, dry_run=True)
        if o.manager == "omar"
    ]
    return omar.period


def _healthz(services: Services) -> dict[str, Any]:
    """GET /healthz through the WSGI app `serve` runs, with the store's health."""
    app = App(signing_secret="s", token="xoxb-x", token_verification_enabled=False)
    route = wsgi_app(app, lambda: health_report(services.settings))
    status: list[str] = []
    body = b"".join(
        route({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: status.append(s))  # type: ignore[arg-type,return-value]
    )
    assert status == ["200 OK"]
    return dict(json.loads(body))


def test_healthz_is_ok_with_nothing_recorded(tmp_path: Path) -> None:
    from bot.config import Settings

    settings = Settings(IMPACTBOT_DB=tmp_path / "none.db")  # type: ignore[call-arg]
    assert health_report(settings) == {"ok": True, "failures": []}
