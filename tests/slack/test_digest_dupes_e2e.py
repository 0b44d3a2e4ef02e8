"""Near-duplicates in the weekly digests: the manager hears "your team's X looks like Y in
team Z's tracker", leadership sees the strongest new pairs across teams."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.app.digests import compose_all, compose_leadership_digest
from bot.app.services import Services
from bot.slack.blocks_digest import digest_blocks
from bot.slack.blocks_leadership import leadership_digest_blocks
from bot.slack.digest_text import digest_text, leadership_text
from bot.store import open_store
from tests.builders import issue
from tests.fakes.slack import FakeSlack
from tests.slack import test_digests
from tests.slack.test_digests import MONDAY

world = test_digests.world  # the digest world, as the other digest tests use it

CRASH = "Trainer crashes with OutOfMemoryError in ShardedDataLoader.prefetch (shuffle > 2 GB)"


def _pair(services: Services) -> None:
    with open_store(services.settings.db_path) as store, store.transaction():
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
    services.score()


def test_managers_hear_of_the_pair_once_and_leadership_sees_it(
    world: tuple[Services, FakeSlack],
) -> None:
    services, _slack = world
    _pair(services)
    digests = {m: d for m, d, _period in compose_all(services, MONDAY, lambda _m: MONDAY.tzinfo)}
    omar, vik = digests["omar"], digests["vik"]
    assert omar is not None and vik is not None
    assert [(ln.ours.key, ln.theirs.key) for ln in omar.duplicates] == [
        ("acme/asr#9", "acme/vision#9")
    ]
    assert [(ln.ours.key, ln.theirs.key) for ln in vik.duplicates] == [
        ("acme/vision#9", "acme/asr#9")
    ]
    text = json.dumps(digest_blocks(omar))
    assert "your team's" in text and "team vision's tracker" in text
    buttons = [b["accessory"] for b in digest_blocks(omar) if "accessory" in b]
    refuse = [b for b in buttons if b["action_id"] == "impact_not_duplicate"]
    assert [b["value"] for b in refuse] == ["github:acme/asr#9\x1fgithub:acme/vision#9"]

    leadership = compose_leadership_digest(services, MONDAY)
    assert [(p.one.key, p.other.key) for p in leadership.duplicates] == [
        ("acme/asr#9", "acme/vision#9")
    ]
    assert "Likely duplicates across teams" in json.dumps(leadership_digest_blocks(leadership))

    a_week_later = MONDAY + timedelta(days=8)
    later = {m: d for m, d, _ in compose_all(services, a_week_later, lambda _m: MONDAY.tzinfo)}
    assert later["omar"] is None or later["omar"].duplicates == ()


def test_the_plain_text_versions_name_the_pair(world: tuple[Services, FakeSlack]) -> None:
    services, _slack = world
    _pair(services)
    digests = {m: d for m, d, _period in compose_all(services, MONDAY, lambda _m: MONDAY.tzinfo)}
    omar = digests["omar"]
    assert omar is not None
    assert "your team's acme/asr#9" in digest_text(omar, markup=False)
    leadership = leadership_text(compose_leadership_digest(services, MONDAY), markup=False)
    assert "acme/asr#9 (asr) <-> acme/vision#9 (vision)" in leadership
