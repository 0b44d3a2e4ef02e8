"""Slack ids found from the emails teams.yaml gives, through the fake Slack's
users.lookupByEmail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from slack_sdk import WebClient

from bot.app.results import SlackIdFill
from bot.app.services import Services
from bot.config import Settings
from bot.core.identity import Directory
from bot.slack.people import email_lookup
from bot.wiring import services_over
from tests.builders import TEAMS
from tests.fakes.slack import FakeSlack

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _services(tmp_path: Path, fake: FakeSlack, clock: list[datetime]) -> Services:
    doc = yaml.safe_load(yaml.safe_dump(TEAMS))
    for person in doc["people"]:
        person["emails"] = [f"{person['id']}@acme.example"]
    doc["people"][0]["slack"] = "UMARA"  # given by teams.yaml: never looked up
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    settings = Settings(
        IMPACTBOT_DB=tmp_path / "x.db",
        IMPACTBOT_RULES=rules,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_API_URL=fake.url,
    )  # type: ignore[call-arg]
    return services_over(settings, clock=lambda: clock[0])


def test_found_ids_are_used_and_misses_asked_again_after_a_week(tmp_path: Path) -> None:
    clock = [NOW]
    with FakeSlack() as fake:
        fake.add_user("UANA", "ana", email="ANA@acme.example")
        fake.add_user("UGONE", "nia", email="nia@acme.example", deleted=True)
        fake.add_user("UBOT", "bot", email="vik@acme.example", is_bot=True)
        services = _services(tmp_path, fake, clock)
        client = WebClient(token=fake.bot_token, base_url=fake.url)

        def fill() -> SlackIdFill:
            return services.people.fill_slack_ids(email_lookup(client), clock[0])

        first = fill()
        assert first.found == {"ana": "UANA"} and first.asked == 10
        assert {"omar", "nia", "vik"} <= set(first.missing) and "mara" not in first.missing
        directory = Directory.build(services.rules().teams)
        assert directory.person_of_slack("UANA") == "ana"

        fake.add_user("UOMAR", "omar", email="omar@acme.example")
        assert fill().asked == 0  # misses wait a week
        clock[0] = NOW + timedelta(days=8)
        later = fill()
        assert later.found == {"omar": "UOMAR"} and later.asked == 9

        # a new process reads what was learned from the store
        again = _services(tmp_path, fake, clock)
        assert Directory.build(again.rules().teams).person_of_slack("UOMAR") == "omar"
        lookups = fake.calls_to("users.lookupByEmail")
        assert {c.args["email"] for c in lookups} >= {"ana@acme.example", "omar@acme.example"}
