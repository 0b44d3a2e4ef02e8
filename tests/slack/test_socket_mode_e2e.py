"""`serve` in Socket Mode: the real App over the local WebSocket fake of Slack's endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.config import Settings
from bot.slack.server import socket_mode
from bot.store import open_store
from bot.wiring import services_over, slack_app
from tests.builders import issue
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode
from tests.slack.test_app_e2e import SECRET, _teams, reaction

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_impact_and_a_reaction_over_socket_mode(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(_teams()))
    db = tmp_path / "bot.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([issue(), issue("acme/asr#1", refs=("acme/labelling#1",))])
    with FakeSocketMode() as sock, FakeSlack(socket=sock) as slack:
        settings = Settings(
            IMPACTBOT_DB=db,
            IMPACTBOT_RULES=rules,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_URL=slack.url,
        )  # type: ignore[call-arg]
        services = services_over(settings, clock=lambda: NOW)
        services.score()
        handler = socket_mode(slack_app(settings, services), slack.app_token)
        try:
            handler.connect()  # type: ignore[no-untyped-call]
            url = slack.response_url()
            envelope = sock.push_command(
                text="why acme/labelling#1", user_id="UANA", response_url=url
            )
            sock.wait_for_ack(envelope)
            [answer] = slack.wait_for_response(url)
            assert "team asr benefits" in json.dumps(answer)
            slack.add_message(
                "C0GENERAL", "1717243200.000100", "<https://github.com/acme/labelling/issues/1>"
            )
            event = reaction("UVERA", "1717243200.000100", "1717243300.000200", emoji="dart")
            sock.wait_for_ack(sock.push_event(event, "Ev0SOCKET1"))
            slack.wait_for("chat.postEphemeral")
        finally:
            sock.close_client(handler.client)
    with open_store(db) as store:
        assert [f.person_id for fl in store.issues.flags().values() for f in fl] == ["vera"]
