"""What the bot posts cannot be hijacked by what it quotes.

An issue titled with every live thing Slack's mrkdwn knows — ``<!channel>``, a user mention,
a user-group mention, a ``<url|label>`` link, a raw ``&``, backticks, ``*`` and ``~`` — goes
through every message the bot sends: slash-command answers, buttons' answers, unfurls, App
Home, manager and leadership digests, credit thanks and confirmation requests, and error
replies. Every mrkdwn string and every top-level ``text`` is checked: nothing of the title
may be live, and the title must be there (escaped), so that the check is not vacuous.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from slack_sdk import WebClient

from bot.app.digests import send_due
from bot.app.notices import send_credit_notices
from bot.app.services import Services
from bot.core.models import IssueState, StateReason
from bot.slack.blocks_credit_notice import ACTION_CONFIRM
from bot.slack.blocks_digest_clicks import ACTION_CLAIM
from bot.slack.blocks_dupes import ACTION_NOT_DUPLICATE
from bot.slack.blocks_kit import ACTION_WHY
from bot.slack.delivery import Pacer
from bot.slack.sender import SlackSender
from bot.store import open_store
from tests.builders import issue
from tests.fakes.slack import FakeSlack
from tests.slack.serving import served_bot
from tests.slack.test_app_e2e import SECRET, _teams, reaction
from tests.slack_signing import event_body, interaction_body, request_headers, slash_command_body

HOSTILE = (
    "<!channel> <@U0EVIL> <!subteam^S0EVIL> <https://evil.example|click> R&D `rm -rf` *bold* ~gone~"
)
#: What must never reach a mrkdwn string or a top-level text as written.
LIVE = (
    "<!channel>",
    "<@U0EVIL>",
    "<!subteam^S0EVIL>",
    "<https://evil.example",
    "|click>",
    "R&D",
    "`rm -rf`",
    "*bold*",
    "~gone~",
)
#: How the start of the title reads once escaped: proof the title was quoted at all.
QUOTED = "&lt;!channel&gt; &lt;@U0EVIL&gt;"
MONDAY = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)  # the digests are due in Berlin
UID = "github:acme/labelling#1"


def mrkdwn_strings(payload: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn in ``payload`` (a message, view, unfurl or
    response body): each ``text`` that is not a ``plain_text`` object's, and attachments'
    ``fallback`` / ``pretext``. JSON-encoded fields (``blocks``, ``view``, …) are opened."""
    if isinstance(payload, str) and payload[:1] in "[{":
        try:
            payload = json.loads(payload)
        except ValueError:
            return
    if isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_strings(item)
    elif isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("text", "fallback", "pretext") and isinstance(value, str):
                if payload.get("type") != "plain_text":
                    yield value
            elif key not in ("value", "url", "action_id", "block_id", "metadata"):
                yield from mrkdwn_strings(value)


def assert_inert(payload: Any) -> bool:
    """Fails when anything of the title is live in ``payload``; True if the title is quoted."""
    strings = list(mrkdwn_strings(payload))
    for text in strings:
        for live in LIVE:
            assert live not in text, f"{live!r} is live in {text!r}"
    return any(QUOTED in text for text in strings)


class World:
    def __init__(self, url: str, fake: FakeSlack, services: Services) -> None:
        self.url, self.fake, self.services = url, fake, services

    def post(self, body: str) -> None:
        headers = request_headers(SECRET, body, int(time.time()))
        response = httpx.post(f"{self.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 200

    def command(self, text: str, user: str = "UANA") -> dict[str, Any]:
        response_url = self.fake.response_url()
        self.post(slash_command_body(text=text, user_id=user, response_url=response_url))
        [answer] = self.fake.wait_for_response(response_url)
        return dict(answer)

    def click(self, action: dict[str, Any], user: str = "UOMAR") -> dict[str, Any]:
        response_url = self.fake.response_url()
        payload = {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T0IMPACT01"},
            "channel": {"id": "D0OMAR"},
            "message": {"ts": "1717243200.000100", "text": "digest", "blocks": []},
            "trigger_id": "1.2.3",
            "response_url": response_url,
            "actions": [{"action_ts": "1.2", **action}],
        }
        self.post(interaction_body(payload))
        [answer] = self.fake.wait_for_response(response_url)
        return dict(answer)

    def sent(self, method: str, count: int = 1) -> list[dict[str, Any]]:
        return [dict(c.args) for c in self.fake.wait_for(method, count=count)]

    def client(self) -> WebClient:
        return WebClient(token=self.fake.bot_token, base_url=self.fake.url)

    def close_the_hostile_issue(self) -> None:
        with open_store(self.services.settings.db_path) as store:
            found = store.issues.get(UID)
            assert found is not None
            done = found.model_copy(
                update={
                    "state": IssueState.CLOSED,
                    "closed_at": MONDAY - timedelta(days=1),
                    "state_reason": StateReason.COMPLETED,
                    "assignees": (found.author and (found.author,)) or (),
                }
            )
            with store.transaction():
                store.issues.upsert([done])
        self.services.score()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    doc = _teams()
    for person in doc["people"]:
        person.setdefault("slack", "U" + person["id"].upper())
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    (rules / "credit.yaml").write_text("anti_gaming: {require_manager_confirmation: true}\n")
    db = tmp_path / "bot.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([
            issue(title=HOSTILE, labels=("taxonomy",)),
            *(issue(f"acme/{t}#1", refs=("acme/labelling#1",), author=a, title=f"{t} blocked")
              for t, a in (("asr", "ana"), ("vision", "vera"), ("nlp", "ned"))),
        ])  # fmt: skip
    with FakeSlack() as fake:
        for user in ("UOMAR", "UMARA", "UVIK", "UNIA", "UREX", "UCTO"):
            fake.add_user(user, user.lower(), tz="Europe/Berlin")
        with served_bot(fake, db=db, rules=rules, secret=SECRET, now=MONDAY) as (url, services):
            yield World(url, fake, services)


def test_slash_answers_and_buttons_quote_the_title_inertly(world: World) -> None:
    quoted = [
        assert_inert(world.command("why acme/labelling#1")),
        assert_inert(world.command("orphans")),
        assert_inert(world.command("orphans labelling")),
        assert_inert(world.command("dupes acme/asr#1")) or True,  # may find nothing alike
        assert_inert(world.click({"action_id": ACTION_WHY, "value": UID}, user="UANA")),
    ]
    assert all(quoted)
    assert_inert(world.command("flag acme/labelling#1 <!channel> *note*"))
    audit = world.command("audit 2026", user="UCTO")  # the flag's note is on the record
    assert_inert(audit)
    assert "∗note∗" in json.dumps(audit, ensure_ascii=False)


def test_unfurls_and_app_home_quote_the_title_inertly(world: World) -> None:
    world.services.flag("acme/labelling#1", by="ana")
    url = "https://github.com/acme/labelling/issues/1"
    world.post(
        event_body(
            {
                "type": "link_shared",
                "channel": "C0GENERAL",
                "user": "UANA",
                "message_ts": "1717243200.000300",
                "links": [{"domain": "github.com", "url": url}],
                "event_ts": "1717243200.000400",
            },
            "Ev0HOSTILEUNFURL",
        )
    )
    [unfurl] = world.sent("chat.unfurl")
    assert assert_inert(unfurl)
    home = {"type": "app_home_opened", "user": "UANA", "tab": "home", "event_ts": "1.5"}
    world.post(event_body(home, "Ev0HOSTILEHOME"))
    [view] = world.sent("views.publish")
    assert assert_inert(view)


def test_digests_quote_the_title_inertly(world: World) -> None:
    for now in (MONDAY, MONDAY + timedelta(hours=1)):  # leadership's hour comes second
        send_due(world.services, SlackSender(world.client(), pacer=Pacer(interval=0)), now=now)
    posts = [dict(c.args) for c in world.fake.calls_to("chat.postMessage")]
    assert posts and all(isinstance(assert_inert(p), bool) for p in posts)
    quoting = [p for p in posts if assert_inert(p)]
    assert quoting, "no digest quoted the title"
    for post in quoting:  # the notification text quotes it too, escaped
        assert QUOTED in post["text"]
    leadership = [p for p in posts if ":leadership" in json.dumps(p)]
    assert leadership and all(assert_inert(p) for p in leadership)


def test_credit_notices_and_replies_quote_the_title_inertly(world: World) -> None:
    world.close_the_hostile_issue()
    assert (
        send_credit_notices(world.services, SlackSender(world.client(), pacer=Pacer(0)), now=MONDAY)
        >= 2
    )
    posts = [dict(c.args) for c in world.fake.calls_to("chat.postMessage")]
    thanks = [p for p in posts if "You earned" in p["text"]]
    asks = [p for p in posts if ACTION_CONFIRM in json.dumps(p)]
    assert thanks and asks
    for post in thanks + asks:
        assert assert_inert(post)
    for ask in asks:  # the notification text of a lone request names the title, escaped
        assert QUOTED in ask["text"]
    assert_inert(world.click({"action_id": ACTION_CONFIRM, "value": UID}, user="UOMAR"))
    assert_inert(world.command("credit", user="ULENA"))  # lines name the key, not the title
    assert_inert(world.command("credit labelling", user="UMARA"))
    assert_inert(world.command("leaderboard 2026", user="UCTO"))


def test_error_replies_are_inert(world: World) -> None:
    """What a user typed, and what a click carries, comes back escaped."""
    assert_inert(world.command("why &lt;!channel&gt; *bold* ~gone~"))
    assert_inert(world.command("&lt;@U0EVIL&gt; R&amp;D"))
    assert_inert(world.command("credit 2026 `rm -rf`"))
    pair = f"{UID}\x1f<!channel> *bold*"
    assert_inert(world.click({"action_id": ACTION_NOT_DUPLICATE, "value": pair}))
    assert_inert(world.click({"action_id": ACTION_CONFIRM, "value": "<!channel> R&D"}))
    claim = {
        "action_id": ACTION_CLAIM,
        "type": "users_select",
        "block_id": f"digest:item:{UID}",
        "selected_user": "<!channel> *bold*",
    }
    assert_inert(world.click(claim))


def test_a_flag_reaction_answers_inertly(world: World) -> None:
    world.fake.add_message("C0GENERAL", "1717243200.000100", "<!channel> acme/labelling#1 *x*")
    world.post(event_body(reaction("UANA", "1717243200.000100", "1.6"), "Ev0HOSTILEFLAG"))
    [said] = world.sent("chat.postEphemeral")
    assert_inert(said)


def test_the_checker_sees_live_text() -> None:
    """The checker itself: a raw title anywhere mrkdwn is parsed is caught."""
    with pytest.raises(AssertionError):
        assert_inert({"text": f"Did {HOSTILE} help?"})
    with pytest.raises(AssertionError):
        assert_inert({"blocks": json.dumps([{"type": "context", "elements": [
            {"type": "mrkdwn", "text": HOSTILE}]}])})  # fmt: skip
    assert not assert_inert({"blocks": [{"type": "header", "text": {
        "type": "plain_text", "text": HOSTILE}}]})  # fmt: skip


def test_a_digest_item_after_a_click_quotes_the_title_inertly() -> None:
    """Claim, Not ours and Snooze replace the item in the digest through chat.update."""
    from bot.core.digest import DigestItem
    from bot.slack.blocks_digest_clicks import (
        claimed_item_blocks,
        not_ours_item_blocks,
        snoozed_item_blocks,
    )

    item = DigestItem(
        issue_uid=UID,
        key="acme/labelling#1",
        title=HOSTILE,
        url="https://github.com/acme/labelling/issues/1",
        score=80,
        orphan_score=60,
        reasons=(HOSTILE,),
        benefiting=("asr",),
        owner_team="labelling",
        waited_days=3,
        cost_of_delay=2.0,
    )
    for blocks in (
        claimed_item_blocks(item, "UANA", "UOMAR"),
        not_ours_item_blocks(item),
        snoozed_item_blocks(item, MONDAY),
    ):
        assert assert_inert({"blocks": blocks})
