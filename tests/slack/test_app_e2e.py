"""The Slack app end to end: signed requests into the running HTTP server, the app's Web API
calls into the local fake Slack, and the store in between."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.app.services import Services
from bot.core.questions import QUESTIONS
from bot.store import open_store
from tests.builders import TEAMS, issue
from tests.fakes.slack import FakeSlack
from tests.slack.serving import served_bot
from tests.slack_signing import event_body, interaction_body, request_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SLACK_IDS = {"ana": "UANA", "omar": "UOMAR", "cto": "UCTO", "vera": "UVERA", "lena": "ULENA"}


def _teams() -> dict[str, Any]:
    doc = json.loads(json.dumps(TEAMS))
    for person in doc["people"]:
        if person["id"] in SLACK_IDS:
            person["slack"] = SLACK_IDS[person["id"]]
    return doc


def reaction(
    user: str, ts: str, event_ts: str, *, emoji: str = "dart", channel: str = "C0GENERAL"
) -> dict[str, Any]:
    """A ``reaction_added`` event: ``user`` reacted with ``emoji`` to message ``ts``."""
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": emoji,
        "event_ts": event_ts,
        "item": {"type": "message", "channel": channel, "ts": ts},
    }


@dataclass
class Bot:
    url: str
    fake: FakeSlack
    services: Services
    db: Path

    def post(self, body: str, *, retry: int | None = None, secret: str = SECRET) -> httpx.Response:
        headers = request_headers(secret, body, int(time.time()), retry_num=retry)
        return httpx.post(f"{self.url}/slack/events", content=body, headers=headers, timeout=10)

    def command(self, text: str, user: str = "UANA") -> dict[str, Any]:
        """Run `/impact text` as ``user``; the ephemeral answer posted to response_url."""
        response_url = self.fake.response_url()
        body = slash_command_body(text=text, user_id=user, response_url=response_url)
        assert self.post(body).status_code == 200
        [answer] = self.fake.wait_for_response(response_url)
        return dict(answer)

    def flags(self) -> list[tuple[str, str]]:
        with open_store(self.db) as store:
            return [(f.issue_uid, f.person_id) for fl in store.issues.flags().values() for f in fl]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(_teams()))
    db = tmp_path / "bot.db"
    with open_store(db) as store, store.transaction():
        store.issues.upsert([
            issue(labels=("taxonomy",)),
            *(issue(f"acme/{t}#1", refs=("acme/labelling#1",), author=a)
              for t, a in (("asr", "ana"), ("vision", "vera"), ("nlp", "ned"))),
        ])  # fmt: skip
    with (
        FakeSlack() as fake,
        served_bot(fake, db=db, rules=rules, secret=SECRET, now=NOW) as (url, services),
    ):
        yield Bot(url, fake, services, db)


def test_health_endpoint(bot: Bot) -> None:
    response = httpx.get(f"{bot.url}/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_why_answers_with_the_score_card(bot: Bot) -> None:
    answer = bot.command("why acme/labelling#1")
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"])
    assert "team asr benefits" in text and "acme/labelling#1" in text


def test_bad_signature_is_401_and_changes_nothing(bot: Bot) -> None:
    response_url = bot.fake.response_url()
    body = slash_command_body(
        text="flag acme/labelling#1", user_id="UANA", response_url=response_url
    )
    assert bot.post(body, secret="not-the-secret").status_code == 401
    time.sleep(0.2)
    assert bot.fake.responses_to(response_url) == [] and bot.flags() == []


def test_unknown_and_malformed_input_answers_with_usage(bot: Bot) -> None:
    answer = bot.command("frobnicate")
    assert answer["response_type"] == "ephemeral"
    assert "frobnicate" in json.dumps(answer) and "flag" in json.dumps(answer)
    answer = bot.command("credit asr Q5")
    assert "Q5" in json.dumps(answer)


def test_flag_then_why_shows_the_flag(bot: Bot) -> None:
    answer = bot.command("flag https://github.com/acme/labelling/issues/1 hurts our WER")
    assert "flagged" in json.dumps(answer)
    assert bot.flags() == [("github:acme/labelling#1", "ana")]
    assert "flagged by Ana" in json.dumps(bot.command("why acme/labelling#1"))


def test_reaction_flags_the_linked_issue_once_despite_retries(bot: Bot) -> None:
    bot.fake.add_message(
        "C0GENERAL", "1717243200.000100", "see <https://github.com/acme/labelling/issues/1>"
    )
    event = reaction("UVERA", "1717243200.000100", "1717243300.000200", emoji="dart")
    body = event_body(event, "Ev0REACTION1")
    assert bot.post(body).status_code == 200
    bot.fake.wait_for("chat.postEphemeral")
    assert bot.post(body, retry=1).status_code == 200  # Slack redelivers the same event
    time.sleep(0.3)
    assert bot.flags() == [("github:acme/labelling#1", "vera")]
    assert len(bot.fake.calls_to("chat.postEphemeral")) == 1


def test_message_shortcut_flags(bot: Bot) -> None:
    response_url = bot.fake.response_url()
    payload = {
        "type": "message_action",
        "callback_id": "flag_message",
        "user": {"id": "ULENA"},
        "team": {"id": "T0IMPACT01"},
        "channel": {"id": "C0GENERAL"},
        "response_url": response_url,
        "trigger_id": "1.2.3",
        "message_ts": "1717243200.000100",
        "message": {"type": "message", "text": "fix acme/asr#1 please", "ts": "1717243200.000100"},
    }
    assert bot.post(interaction_body(payload)).status_code == 200
    [answer] = bot.fake.wait_for_response(response_url)
    assert "flagged acme/asr#1" in answer["text"].lower()
    assert bot.flags() == [("github:acme/asr#1", "lena")]


def test_links_unfurl_with_their_score(bot: Bot) -> None:
    url = "https://github.com/acme/labelling/issues/1"
    event = {
        "type": "link_shared",
        "channel": "C0GENERAL",
        "user": "UANA",
        "message_ts": "1717243200.000300",
        "links": [{"domain": "github.com", "url": url}],
        "event_ts": "1717243200.000400",
    }
    assert bot.post(event_body(event, "Ev0UNFURL1")).status_code == 200
    [call] = bot.fake.wait_for("chat.unfurl")
    unfurls = call.args["unfurls"]
    unfurls = json.loads(unfurls) if isinstance(unfurls, str) else unfurls
    assert url in unfurls and "asr" in json.dumps(unfurls[url])


def test_app_home_shows_own_credit_flags_and_team_orphans(bot: Bot) -> None:
    bot.services.flag("acme/labelling#1", by="ana")
    event = {
        "type": "app_home_opened",
        "user": "UANA",
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1717243200.000500",
    }
    assert bot.post(event_body(event, "Ev0HOME1")).status_code == 200
    [call] = bot.fake.wait_for("views.publish")
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home" and "acme/labelling#1" in json.dumps(view)


@pytest.mark.parametrize(
    ("user", "text", "allowed"),
    [
        ("UANA", "credit", True),  # own credit
        ("UANA", "credit <@UOMAR|omar>", False),  # an engineer, someone else's
        ("UOMAR", "credit <@UANA|ana>", True),  # a manager, a report
        ("UOMAR", "credit <@UVERA|vera>", False),  # a manager, another team
        ("UOMAR", "credit asr", True),  # a manager, their team
        ("UANA", "credit asr", False),
        ("UANA", "leaderboard", False),
        ("UCTO", "leaderboard 2026", True),  # leadership
        ("UCTO", "credit vision", True),
        ("UNOBODY", "credit", False),  # not in the identity map
    ],
)
def test_permission_matrix(bot: Bot, user: str, text: str, allowed: bool) -> None:
    answer = json.dumps(bot.command(text, user=user))
    refused = "credit is private" in answer or "don't know who" in answer
    assert refused is not allowed, answer


def test_export_goes_to_a_direct_message(bot: Bot) -> None:
    answer = bot.command("export 2026", user="UCTO")
    assert "direct message" in json.dumps(answer)
    bot.fake.wait_for("files.completeUploadExternal")
    assert bot.fake.files and any(f.filename.endswith(".csv") for f in bot.fake.files.values())


def test_export_without_im_write_says_which_permission_is_missing(bot: Bot) -> None:
    bot.fake.scopes.discard("im:write")  # an app installed from the old manifest
    answer = json.dumps(bot.command("export 2026", user="UCTO"))
    assert "`im:write` permission" in answer and "conversations.open in a DM" in answer
    assert "impactbot manifest" in answer and "something went wrong" not in answer


def test_a_reaction_on_a_thread_reply_reads_the_reply(bot: Bot) -> None:
    bot.fake.add_message("C0GENERAL", "1717243200.000100", "a thread about labels")
    bot.fake.add_message(
        "C0GENERAL",
        "1717243200.000200",
        "root cause: acme/labelling#1",
        user="UANA",
        thread_ts="1717243200.000100",
    )
    event = reaction("UVERA", "1717243200.000200", "1717243300.000300", emoji="dart")
    assert bot.post(event_body(event, "Ev0THREAD1")).status_code == 200
    bot.fake.wait_for("chat.postEphemeral")
    assert bot.flags() == [("github:acme/labelling#1", "vera")]


def test_a_reaction_in_a_dm_flags_with_the_manifests_scopes(bot: Bot) -> None:
    """Reading a message in a DM needs im:history: the fake grants only the manifest's."""
    bot.fake.add_message("D0VERA0001", "1717243200.000100", "acme/labelling#1", user="UVERA")
    event = reaction("UVERA", "1717243200.000100", "1717243300.000500", channel="D0VERA0001")
    assert bot.post(event_body(event, "Ev0DMFLAG1")).status_code == 200
    bot.fake.wait_for("chat.postEphemeral")
    assert bot.flags() == [("github:acme/labelling#1", "vera")]


def test_other_reactions_are_ignored(bot: Bot) -> None:
    bot.fake.add_message("C0GENERAL", "1717243200.000100", "acme/labelling#1")
    event = reaction("UVERA", "1717243200.000100", "1717243300.000400", emoji="tada")
    assert bot.post(event_body(event, "Ev0TADA1")).status_code == 200
    time.sleep(0.3)
    assert bot.flags() == [] and bot.fake.calls_to("conversations.history") == []


def test_web_api_rate_limits_are_retried(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.slack import ratelimited

    bot.fake.script("chat.postEphemeral", ratelimited(retry_after=1))
    bot.fake.add_message("C0GENERAL", "1717243200.000100", "acme/labelling#1")
    event = reaction("UVERA", "1717243200.000100", "1717243300.000500", emoji="dart")
    assert bot.post(event_body(event, "Ev0LIMIT1")).status_code == 200
    calls = bot.fake.wait_for("chat.postEphemeral", count=2, timeout=10)
    assert len(calls) == 2  # the 429, then the retry that went through


def test_an_unknown_link_gets_a_clear_reply(bot: Bot) -> None:
    answer = json.dumps(bot.command("why acme/nowhere#404"))
    assert "no issue 'acme/nowhere#404'" in answer


def test_every_web_api_method_the_bot_calls_is_in_slacks_spec(bot: Bot) -> None:
    """Run the flows, then check each method the app called against Slack's own spec."""
    from tests.fakes.test_fake_slack import NEWER_THAN_SPEC, _web_spec

    bot.fake.add_message("C0GENERAL", "1717243200.000100", "acme/labelling#1")
    bot.command("why acme/labelling#1")
    bot.command("export 2026", user="UCTO")
    bot.fake.wait_for("files.completeUploadExternal")
    event = reaction("UVERA", "1717243200.000100", "1717243300.000900", emoji="dart")
    bot.post(event_body(event, "Ev0SPEC1"))
    bot.fake.wait_for("chat.postEphemeral")
    paths = _web_spec()["paths"]
    called = {call.method for call in bot.fake.calls}
    assert {"auth.test", "conversations.history", "chat.postEphemeral"} <= called
    assert [m for m in called if f"/{m}" not in paths and m not in NEWER_THAN_SPEC] == []


def test_a_leadership_user_group_grants_leadership(bot: Bot, tmp_path: Path) -> None:
    teams_file = tmp_path / "rules" / "teams.yaml"
    doc = yaml.safe_load(teams_file.read_text())
    doc["leadership_groups"] = ["SLEADS"]
    teams_file.write_text(yaml.safe_dump(doc))
    bot.fake.add_usergroup("SLEADS", ["UVERA"])
    assert "credit is private" not in json.dumps(bot.command("leaderboard 2026", user="UVERA"))
    assert "credit is private" in json.dumps(bot.command("leaderboard 2026", user="UANA"))


def test_leadership_groups_are_asked_only_when_a_permission_check_needs_them(
    bot: Bot, tmp_path: Path
) -> None:
    teams_file = tmp_path / "rules" / "teams.yaml"
    doc = yaml.safe_load(teams_file.read_text())
    doc["leadership_groups"] = ["SLEADS"]
    teams_file.write_text(yaml.safe_dump(doc))
    bot.fake.add_usergroup("SLEADS", ["UVERA"])
    for text in ("help", "help credit", "frobnicate", "credit --period 2026-Q5"):
        bot.command(text, user="UVERA")
    assert bot.fake.calls_to("usergroups.users.list") == []
    assert "credit is private" not in json.dumps(bot.command("leaderboard 2026", user="UVERA"))
    assert len(bot.fake.calls_to("usergroups.users.list")) == 1


def _click(bot: Bot, action_id: str, value: str, user: str, response_url: str | None) -> None:
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0IMPACT01"},
        "trigger_id": "1.2.3", "container": {"type": "message"},
        "actions": [{"type": "button", "action_id": action_id, "value": value,
                     "block_id": "b1", "action_ts": "1717243300.000100"}],
    }  # fmt: skip
    if response_url:
        payload["response_url"] = response_url
    assert bot.post(interaction_body(payload)).status_code == 200


def test_why_and_flag_buttons_answer_the_clicker(bot: Bot) -> None:
    url = bot.fake.response_url()
    _click(bot, "impact_why", "github:acme/labelling#1", "UANA", url)
    _click(bot, "impact_flag", "github:acme/labelling#1", "UANA", url)
    why, flagged = bot.fake.wait_for_response(url, count=2)
    assert "team asr benefits" in json.dumps(why) and "flagged" in json.dumps(flagged)
    assert bot.flags() == [("github:acme/labelling#1", "ana")]


def test_a_click_in_app_home_answers_in_a_direct_message(bot: Bot) -> None:
    _click(bot, "impact_why", "github:acme/labelling#1", "UVERA", None)
    [call] = bot.fake.wait_for("chat.postMessage")
    assert "acme/labelling#1" in json.dumps(call.args)


def test_the_cli_option_words_work_in_slack(bot: Bot) -> None:
    bot.services.flag("acme/labelling#1", by="ana")
    short = bot.command("credit asr 2026-Q4", user="UOMAR")
    long = bot.command("credit --team asr --period 2026-Q4", user="UOMAR")
    assert long == short and "asr" in json.dumps(long)
    assert bot.command("orphans --team asr --limit 10") == bot.command("orphans asr 10")


def test_help_and_option_errors_come_from_the_one_definition(bot: Bot) -> None:
    text = json.dumps(bot.command("help credit"))
    for option in QUESTIONS["credit"].options:
        assert f"{option.flag} {option.metavar}" in text
    bad = json.dumps(bot.command("credit --periods 2026-Q3"))
    assert "'credit' has no option \\\"--periods\\\"; it takes --person, --team, --period" in bad
