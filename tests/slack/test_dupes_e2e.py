"""`/impact dupes` and the "Not a duplicate" button, end to end through the signed HTTP app."""

from __future__ import annotations

import json

from bot.store import open_store
from tests.builders import issue
from tests.slack import test_app_e2e
from tests.slack.test_app_e2e import Bot, _click

bot = test_app_e2e.bot  # the running app, as the other end-to-end tests use it

CRASH = (
    "Trainer crashes with OutOfMemoryError in ShardedDataLoader.prefetch when the shuffle "
    "buffer exceeds 2 GB"
)


def _with_a_pair(bot: Bot) -> None:
    with open_store(bot.db) as store, store.transaction():
        store.issues.upsert(
            [
                issue("acme/asr#9", title="ShardedDataLoader prefetch OOM", body=CRASH),
                issue(
                    "acme/vision#9",
                    title="OutOfMemoryError in ShardedDataLoader.prefetch",
                    body=CRASH,
                    author="vera",
                ),
            ]
        )
    bot.services.score()


def test_dupes_answers_with_candidates_and_a_not_a_duplicate_button(bot: Bot) -> None:
    _with_a_pair(bot)
    answer = bot.command("dupes https://github.com/acme/asr/issues/9")
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"])
    assert "In other teams' trackers" in text and "acme/vision#9" in text
    buttons = [
        b["accessory"]
        for b in answer["blocks"]
        if b.get("accessory", {}).get("action_id") == "impact_not_duplicate"
    ]
    assert buttons[0]["value"] == "github:acme/asr#9\x1fgithub:acme/vision#9"


def test_not_a_duplicate_records_the_verdict_once_and_hides_the_pair(bot: Bot) -> None:
    _with_a_pair(bot)
    pair = "github:acme/asr#9\x1fgithub:acme/vision#9"
    url = bot.fake.response_url()
    _click(bot, "impact_not_duplicate", pair, "UOMAR", url)
    _click(bot, "impact_not_duplicate", pair, "UVERA", url)
    first, second = bot.fake.wait_for_response(url, count=2)
    assert "are not duplicates" in first["text"] and "already said" in second["text"]
    with open_store(bot.db) as store:
        assert store.duplicates.not_duplicates() == {("github:acme/asr#9", "github:acme/vision#9")}
        assert all("acme/vision#9" not in (p.a + p.b) for p in store.duplicates.pairs())
        [record] = store.audit.entries(action="dupes.not_duplicate")  # the first verdict only
        assert (
            record.actor == "omar" and record.subject == "github:acme/asr#9 / github:acme/vision#9"
        )
    again = json.dumps(bot.command("dupes acme/asr#9")["blocks"])
    assert "acme/vision#9" not in again


def test_a_forged_pair_changes_nothing(bot: Bot) -> None:
    url = bot.fake.response_url()
    _click(bot, "impact_not_duplicate", "github:acme/asr#1\x1fgithub:nowhere#1", "UOMAR", url)
    _click(bot, "impact_not_duplicate", "no separator", "UOMAR", url)
    answers = bot.fake.wait_for_response(url, count=2)
    assert all(a["text"].startswith("Not recorded") for a in answers)
    with open_store(bot.db) as store:
        assert store.duplicates.not_duplicates() == set()
