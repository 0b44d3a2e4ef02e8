"""Credit notices are bounded: one thanks per person listing a screenful and how many more;
one confirmation request per manager and run listing what is pending — not one per item and
team. And the leadership digest's funnel never drops teams silently."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk import WebClient

from bot.app.notices import send_credit_notices
from bot.app.services import Services
from bot.config import Settings
from bot.core.digest_leadership import FunnelCounts, FunnelLine, LeadershipDigest
from bot.core.models import IssueState, StateReason
from bot.slack.blocks_credit_notice import ACTION_CONFIRM, ASKS_SHOWN, THANKS_SHOWN
from bot.slack.blocks_leadership import leadership_digest_blocks
from bot.slack.delivery import Pacer
from bot.slack.sender import SlackSender
from bot.store import open_store
from bot.wiring import services_over
from tests.builders import issue
from tests.fakes.slack import FakeSlack
from tests.slack.test_app_e2e import _teams

NOW = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
ITEMS = 20  # completed items, each helping asr, vision and nlp


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Services, FakeSlack]]:
    doc = _teams()
    for person in doc["people"]:
        person.setdefault("slack", "U" + person["id"].upper())
    for team in doc["teams"]:
        if team["id"] == "vision":
            team["managers"] = ["omar"]  # omar manages asr and vision
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    (rules / "credit.yaml").write_text("anti_gaming: {require_manager_confirmation: true}\n")
    db = tmp_path / "bot.db"
    closed = NOW - timedelta(days=1)
    done = {
        "state": IssueState.CLOSED,
        "closed_at": closed,
        "state_reason": StateReason.COMPLETED,
        "assignees": (),
    }
    fixes = [
        issue(f"acme/labelling#{n}", labels=("taxonomy",), title=f"Fix {n}")
        for n in range(1, ITEMS + 1)
    ]
    refs = [
        issue(f"acme/{t}#{n}", refs=(f"acme/labelling#{n}",), author=a)
        for n in range(1, ITEMS + 1)
        for t, a in (("asr", "ana"), ("vision", "vera"), ("nlp", "ned"))
    ]
    with open_store(db) as store, store.transaction():
        store.issues.upsert([*fixes, *refs])
    with FakeSlack() as fake:
        settings = Settings(
            IMPACTBOT_DB=db,
            IMPACTBOT_RULES=rules,
            SLACK_BOT_TOKEN=fake.bot_token,
            SLACK_API_URL=fake.url,
        )  # type: ignore[call-arg]
        services = services_over(settings, clock=lambda: NOW)
        services.score()
        with open_store(db) as store, store.transaction():
            store.issues.upsert([f.model_copy(update=done) for f in fixes])
        services.score()
        yield services, fake


def _posts_to(fake: FakeSlack, channel: str) -> list[dict[str, Any]]:
    return [dict(c.args) for c in fake.calls_to("chat.postMessage") if c.args["channel"] == channel]


def _blocks(post: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = post.get("blocks") or []
    return list(json.loads(blocks) if isinstance(blocks, str) else blocks)


def test_a_manager_gets_one_confirmation_request_per_run(
    world: tuple[Services, FakeSlack],
) -> None:
    services, fake = world
    client = WebClient(token=fake.bot_token, base_url=fake.url)
    send_credit_notices(services, SlackSender(client, pacer=Pacer(interval=0)), now=NOW)
    [ask] = _posts_to(fake, "UOMAR")  # one message for 20 items of two of his teams
    blocks = _blocks(ask)
    buttons = [b for b in blocks if ACTION_CONFIRM in json.dumps(b)]
    assert len(buttons) == ASKS_SHOWN
    assert f"and {ITEMS - ASKS_SHOWN} more" in json.dumps(blocks[-1])
    assert "asr, vision" in json.dumps(buttons[0])  # both of his teams, on one line
    assert str(ITEMS) in ask["text"]
    assert len(_posts_to(fake, "UNIA")) == 1


def test_a_person_gets_one_bounded_thanks(world: tuple[Services, FakeSlack]) -> None:
    services, fake = world
    client = WebClient(token=fake.bot_token, base_url=fake.url)
    send_credit_notices(services, SlackSender(client, pacer=Pacer(interval=0)), now=NOW)
    [thanks] = _posts_to(fake, "ULENA")  # reporter of all 20
    lines = thanks["text"].splitlines()
    assert len([ln for ln in lines if ln.startswith("•")]) == THANKS_SHOWN
    assert f"and {ITEMS - THANKS_SHOWN} more" in lines[-1]


def _funnel_line(team: str) -> FunnelLine:
    return FunnelLine(team, 3, 1, 1, FunnelCounts(2, 1, 0))


def test_the_leadership_funnel_over_many_teams_says_how_many_more() -> None:
    teams = [f"team{n:03d}" for n in range(400)]
    digest = LeadershipDigest(
        period="2026-W45", top=(), more=0, funnel=tuple(_funnel_line(t) for t in teams)
    )
    text = json.dumps(leadership_digest_blocks(digest))
    shown = [t for t in teams if f"`{t}`" in text]
    assert 0 < len(shown) < len(teams)
    assert f"and {len(teams) - len(shown)} more" in text
