"""Private work stays private on every Slack surface: signed requests into the running app,
and assertions on the bodies the fake Slack received.

The world: ``acme/labelling#7`` sits in a private repository. Labelling owns it; asr and nlp
reference it and vision filed a near-duplicate, so all four benefit. Rita (recsys), her
manager Rex, and ``UNOBODY`` (in no team at all) are outside the rule: they may learn its key
and "a tracked private issue", never its title, body, passages or reasons.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from bot.core.credit import CreditEntry, EntryKind
from bot.core.models import Visibility
from bot.core.permissions import PRIVATE_ISSUE
from bot.slack.delivery import Pacer
from bot.slack.sender import SlackSender
from bot.store import open_store
from bot.wiring import services_over
from tests.builders import TEAMS, issue
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_workspace import dm_id
from tests.slack.serving import served_bot
from tests.slack_signing import event_body, interaction_body, request_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday, after the 09:00 digest slot
KEY, UID = "acme/labelling#7", "github:acme/labelling#7"
URL = "https://github.com/acme/labelling/issues/7"
TITLE = "Annotation export leaks the vendor token in ShardedDataLoader prefetch logs"
BODY = (
    "The vendor token for the annotation export appears in ShardedDataLoader prefetch logs "
    "whenever the shuffle buffer exceeds 2 GB; rotate the token and scrub the logs."
)
SECRET_WORDS = (TITLE, "vendor token", "scrub the logs")
OUTSIDERS = ("URITA", "UREX", "UNOBODY")  # unrelated member, unrelated manager, nobody
INSIDERS = ("ULENA", "UMARA", "UANA", "UOMAR", "UVIK", "UCTO")  # owner, benefiting, leader


def _slack_id(person: str) -> str:
    return "U" + person.upper()


def write_rules(rules: Path, github: dict[str, Any] | None = None) -> None:
    doc = json.loads(json.dumps(TEAMS))
    for person in doc["people"]:
        person["slack"] = _slack_id(person["id"])
    rules.mkdir(exist_ok=True)
    (rules / "teams.yaml").write_text(yaml.safe_dump(doc))
    sources = {"github": {"repos": ["acme/labelling"], **(github or {})}}
    (rules / "sources.yaml").write_text(yaml.safe_dump(sources))


def restricted_world() -> list[Any]:
    """The private issue, two teams referencing it, vision's near-duplicate, a public one."""
    return [
        issue(
            KEY, title=TITLE, body=BODY, url=URL, labels=("taxonomy",),
            visibility=Visibility.RESTRICTED,
        ),
        issue("acme/asr#2", refs=(KEY,), author="ana"),
        issue("acme/nlp#2", refs=(KEY,), author="ned"),
        issue(
            "acme/vision#9", author="vera",
            title="Vendor token shows in ShardedDataLoader prefetch logs", body=BODY,
        ),
        issue("acme/labelling#1", labels=("taxonomy",)),
        *(issue(f"acme/{t}#1", refs=("acme/labelling#1",), author=a)
          for t, a in (("asr", "ana"), ("vision", "vera"), ("nlp", "ned"))),
    ]  # fmt: skip


@dataclass
class Bot:
    url: str
    fake: FakeSlack
    services: Services
    rules: Path

    def post(self, body: str) -> httpx.Response:
        headers = request_headers(SECRET, body, int(time.time()))
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=10)

    def command(self, text: str, user: str) -> str:
        """`/impact text` as ``user``: the ephemeral answer, as JSON text."""
        response_url = self.fake.response_url()
        body = slash_command_body(text=text, user_id=user, response_url=response_url)
        assert self.post(body).status_code == 200
        [answer] = self.fake.wait_for_response(response_url)
        return json.dumps(answer)

    def event(self, event: dict[str, Any], event_id: str, *, shared: bool = False) -> None:
        body = event_body(event, event_id, ext_shared_channel=shared)
        assert self.post(body).status_code == 200


def assert_private(text: str) -> None:
    """``text`` names the key and says it is private, and gives away nothing else."""
    for words in SECRET_WORDS:
        assert words not in text, f"{words!r} leaked: {text}"
    assert KEY in text and PRIVATE_ISSUE in text, text


def assert_shown(text: str) -> None:
    assert TITLE in text, text


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    rules = tmp_path / "rules"
    write_rules(rules)
    db = tmp_path / "bot.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert(restricted_world())
    with (
        FakeSlack() as fake,
        served_bot(fake, db=db, rules=rules, secret=SECRET, now=NOW) as (url, services),
    ):
        yield Bot(url, fake, services, rules)


def test_the_world_is_as_described(bot: Bot) -> None:
    card = bot.services.explain(KEY).card
    assert card.owner_team == "labelling"
    assert set(card.beneficiaries) == {"labelling", "asr", "nlp", "vision"}
    assert card.is_orphan


# --------------------------------------------------------------------------- /impact why


@pytest.mark.parametrize("user", OUTSIDERS)
def test_why_tells_outsiders_only_the_key(bot: Bot, user: str) -> None:
    assert_private(bot.command(f"why {KEY}", user))


@pytest.mark.parametrize("user", INSIDERS)
def test_why_shows_the_card_to_its_teams_their_managers_and_leadership(bot: Bot, user: str) -> None:
    assert_shown(bot.command(f"why {KEY}", user))


def test_the_why_button_answers_an_outsider_with_the_key_only(bot: Bot) -> None:
    url = bot.fake.response_url()
    payload = {
        "type": "block_actions", "user": {"id": "URITA"}, "team": {"id": "T0IMPACT01"},
        "trigger_id": "1.2.3", "container": {"type": "message"}, "response_url": url,
        "actions": [{"type": "button", "action_id": "impact_why", "value": UID,
                     "block_id": "b1", "action_ts": "1717243300.000100"}],
    }  # fmt: skip
    assert bot.post(interaction_body(payload)).status_code == 200
    [answer] = bot.fake.wait_for_response(url)
    assert_private(json.dumps(answer))


# ------------------------------------------------------------------- orphans and dupes


@pytest.mark.parametrize("user", OUTSIDERS)
def test_orphans_list_the_private_issue_by_key_alone(bot: Bot, user: str) -> None:
    answer = bot.command("orphans 25", user)
    assert_private(answer)
    assert "acme/labelling#1" in answer  # public orphans are listed as ever


def test_orphans_show_the_private_issue_to_a_benefiting_team(bot: Bot) -> None:
    assert_shown(bot.command("orphans 25", "UANA"))


@pytest.mark.parametrize("user", OUTSIDERS)
def test_dupes_of_the_private_issue_are_refused_to_outsiders(bot: Bot, user: str) -> None:
    assert_private(bot.command(f"dupes {KEY}", user))


def test_dupes_of_a_public_issue_hide_a_private_match_from_an_outsider(bot: Bot) -> None:
    inside = bot.command("dupes acme/vision#9", "UVERA")
    assert_shown(inside)  # vision benefits (its near-duplicate): Vera reads the match
    outside = bot.command("dupes acme/vision#9", "UREX")
    assert_private(outside)
    assert "ShardedDataLoader" in outside  # vision#9's own title stays


def test_an_outsider_cannot_flag_their_way_in(bot: Bot) -> None:
    answer = bot.command(f"flag {KEY}", "URITA")
    assert_private(answer)
    with open_store(bot.services.settings.db_path) as store:
        assert UID not in store.issues.flags()
    assert_private(bot.command(f"why {KEY}", "URITA"))


# ------------------------------------------------------------------ credit and App Home


def _credit_rita(bot: Bot) -> None:
    """Rita (recsys) resolved the private issue: her ledger line names it."""
    entry = CreditEntry(
        natural_key=f"{UID}|2026-10-20|resolver|rita", kind=EntryKind.MINT, person_id="rita",
        team_id="recsys", role="resolver", share=0.5, points=40.0, issue_uid=UID,
        closure="2026-10-20T10:00:00+00:00", beneficiaries=("asr", "nlp"),
        reason=f"resolver of {KEY}, completed 2026-10-20, scoring 80 ({TITLE})",
        evidence=(URL, "vendor token rotated in PR 12"), at=NOW - timedelta(days=13),
    )  # fmt: skip
    refs = iter(f"ref-{n}" for n in range(100))
    with open_store(bot.services.settings.db_path) as store, store.transaction():
        store.ledger.append([entry], lambda: next(refs))


@pytest.mark.parametrize(("user", "text"), [("URITA", "credit"), ("UREX", "credit <@URITA>")])
def test_credit_lines_on_a_private_issue_say_only_its_key(bot: Bot, user: str, text: str) -> None:
    _credit_rita(bot)
    answer = bot.command(text, user)
    assert_private(answer)
    assert "40.0" in answer  # the points still count and show


def test_credit_lines_show_in_full_to_leadership(bot: Bot) -> None:
    _credit_rita(bot)
    assert_shown(bot.command("credit <@URITA>", "UCTO"))


def _home(bot: Bot, user: str, event_id: str) -> str:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
             "event_ts": "1717243200.000500"}  # fmt: skip
    bot.event(event, event_id)
    call = bot.fake.wait_for("views.publish")[-1]
    assert call.args["user_id"] == user
    return json.dumps(call.args["view"])


def test_app_home_of_an_outsider_shows_no_private_details(bot: Bot) -> None:
    _credit_rita(bot)
    with open_store(bot.services.settings.db_path) as store, store.transaction():
        store.db.execute(  # a flag from before the issue went private
            "INSERT INTO flags (issue_uid, person_id, note, at) VALUES (?, 'rita', '', ?)",
            [UID, NOW.isoformat()],
        )
    view = _home(bot, "URITA", "Ev0HOMERITA")
    assert_private(view)
    assert "40.0" in view


def test_app_home_of_a_benefiting_member_shows_the_private_orphan(bot: Bot) -> None:
    assert_shown(_home(bot, "UANA", "Ev0HOMEANA"))


# ------------------------------------------------------------------------------ unfurls


def _unfurl(bot: Bot, user: str, event_id: str, *, shared: bool = False) -> str:
    event = {"type": "link_shared", "channel": "C0GENERAL", "user": user,
             "message_ts": "1717243200.000300", "links": [{"domain": "github.com", "url": URL}],
             "event_ts": "1717243200.000400"}  # fmt: skip
    bot.event(event, event_id, shared=shared)
    [call] = bot.fake.wait_for("chat.unfurl")
    return json.dumps(call.args["unfurls"])


@pytest.mark.parametrize("user", ["UANA", "UCTO", "URITA"])
def test_a_channel_unfurl_shows_the_key_alone_whoever_pasted_it(bot: Bot, user: str) -> None:
    assert_private(_unfurl(bot, user, f"Ev0UNF{user}"))


def test_unfurl_full_lets_a_channel_show_it(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})
    bot.fake.add_channel("C0GENERAL", "general")
    assert_shown(_unfurl(bot, "UANA", "Ev0UNFFULL"))
    assert bot.fake.calls_to("conversations.info")  # asked whether the channel is shared


def test_unfurl_full_never_reaches_a_slack_connect_channel_the_event_names(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})
    assert_private(_unfurl(bot, "UANA", "Ev0UNFEXT", shared=True))


def test_unfurl_full_never_reaches_a_channel_conversations_info_calls_shared(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})
    bot.fake.add_channel("C0GENERAL", "general", ext_shared=True)
    assert_private(_unfurl(bot, "UANA", "Ev0UNFINFO"))


def test_a_channel_slack_will_not_describe_counts_as_shared(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})  # C0GENERAL unknown: channel_not_found
    assert_private(_unfurl(bot, "UANA", "Ev0UNFUNKNOWN"))


# ------------------------------------------------------- digests, notices and exports


def _client(bot: Bot) -> WebClient:
    return WebClient(token=bot.fake.bot_token, base_url=bot.fake.url)


def _leadership_posts(bot: Bot, channel: str) -> str:
    settings = bot.services.settings.model_copy(update={"leadership_channel": channel})
    services = services_over(settings, clock=lambda: NOW)
    send_due(services, SlackSender(_client(bot), pacer=Pacer(interval=0)), now=NOW)
    posts = [c.args for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == channel]
    assert posts, "the leadership digest was not posted"
    return json.dumps(posts)


def test_the_leadership_digest_in_a_channel_shows_the_key_alone(bot: Bot) -> None:
    assert_private(_leadership_posts(bot, "C0LEADERS"))


def test_the_leadership_digest_in_a_channel_follows_unfurl_full(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})
    bot.fake.add_channel("C0LEADERS", "leaders", is_private=True)
    assert_shown(_leadership_posts(bot, "C0LEADERS"))


def test_the_leadership_digest_never_shows_details_in_a_shared_channel(bot: Bot) -> None:
    write_rules(bot.rules, {"unfurl": "full"})
    bot.fake.add_channel("C0LEADERS", "leaders", ext_shared=True)
    assert_private(_leadership_posts(bot, "C0LEADERS"))


def test_digest_dms_show_the_private_issue_to_its_teams_managers(bot: Bot) -> None:
    send_due(bot.services, SlackSender(_client(bot), pacer=Pacer(interval=0)), now=NOW)
    posts = {c.args["channel"]: json.dumps(c.args) for c in bot.fake.calls_to("chat.postMessage")}
    assert_shown(posts[dm_id("UOMAR")])  # asr benefits
    assert_shown(posts[dm_id("UCTO")])  # the leadership digest, in the CTO's DM
    assert TITLE not in posts.get(dm_id("UREX"), "")


def test_a_credit_notice_to_an_outsider_names_the_key_alone(bot: Bot) -> None:
    _credit_rita(bot)
    send_credit_notices(bot.services, SlackSender(_client(bot), pacer=Pacer(interval=0)), now=NOW)
    [notice] = [c.args for c in bot.fake.calls_to("chat.postMessage")]
    assert notice["channel"] == "URITA"
    assert_private(json.dumps(notice))


def test_an_export_for_leadership_goes_to_their_dm_in_full(bot: Bot) -> None:
    _credit_rita(bot)
    bot.command("export 2026", "UCTO")
    bot.fake.wait_for("files.completeUploadExternal")
    [upload] = [f for f in bot.fake.files.values() if f.completed]
    assert upload.channel_id == dm_id("UCTO") and TITLE in (upload.content or b"").decode()


def test_credit_lines_and_the_leaderboard_show_people_not_person_ids(bot: Bot) -> None:
    """A ledger line and a leaderboard row name Rita as Slack shows her (a mention of her
    Slack id from teams.yaml), never by her directory id."""
    _credit_rita(bot)
    for text in ("credit <@URITA>", "credit recsys", "leaderboard 2026"):
        shown = json.dumps(bot.command(text, "UCTO"))
        assert "<@URITA>" in shown, text
        assert " rita " not in shown and "rita\\n" not in shown and "* rita" not in shown, text
