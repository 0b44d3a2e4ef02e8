"""An item after a click: its replacement blocks, Undo values, and swapping in place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.digest_routing import UndoKind
from bot.slack.blocks_digest import claim_picker, digest_blocks, item_blocks
from bot.slack.blocks_digest_clicks import (
    ACTION_CLAIM,
    ACTION_UNDO,
    claimed_item_blocks,
    issue_uid_of,
    not_ours_item_blocks,
    parse_undo,
    replace_item,
    snoozed_item_blocks,
    undo_value,
)
from tests.builders import NOW, directory
from tests.slack.test_blocks_digest import SLACK, UID, check, digest, elements, item, texts


def test_claimed_item_says_who_for_whom_with_undo() -> None:
    blocks = check(claimed_item_blocks(item(), "U0ANA", "U0OMAR"))
    assert "Claimed by <@U0OMAR> for <@U0ANA>." in texts(blocks)
    undo = elements(blocks, ACTION_UNDO)[0]
    assert parse_undo(undo["value"]) == (UndoKind.CLAIM, UID)
    assert issue_uid_of(blocks[0]["block_id"]) == UID


def test_claimed_item_refuses_to_mention_junk_ids() -> None:
    text = texts(claimed_item_blocks(item(), "<!here>", "U0OMAR"))
    assert "&lt;!here&gt;" in text and "<!here>" not in text


def test_not_ours_item_with_undo() -> None:
    blocks = check(not_ours_item_blocks(item()))
    assert "Not yours" in texts(blocks)
    assert parse_undo(elements(blocks, ACTION_UNDO)[0]["value"]) == (UndoKind.NOT_OURS, UID)


def test_snoozed_item_says_when_it_returns() -> None:
    blocks = check(snoozed_item_blocks(item(), NOW + timedelta(weeks=4)))
    assert "comes back after 2026-11-29" in texts(blocks)


def test_replace_and_restore_an_item_in_place() -> None:
    picker = claim_picker("omar", directory(), SLACK)
    original = digest_blocks(digest(3), picker=picker)
    two = item(2).issue_uid
    claimed = check(replace_item(original, two, claimed_item_blocks(item(2), "U1", "U2")))
    assert len(claimed) == len(original) - 1
    at = next(i for i, b in enumerate(original) if b.get("block_id", "").endswith(two))
    assert claimed[at]["block_id"] == f"digest:item:{two}"
    assert "Claimed by" in texts([claimed[at]])
    assert len(elements(claimed, ACTION_CLAIM)) == 2
    again = item_blocks(item(2), rank=2, assignees=picker(item(2)))
    restored = check(replace_item(claimed, two, again))
    assert restored == original
    assert replace_item(original, "github:nope#1", []) == original


@pytest.mark.parametrize("value", ["", "claim", "claim:", "flag:github:x#1", ":github:x#1"])
def test_parse_undo_rejects_other_values(value: str) -> None:
    assert parse_undo(value) is None


def test_undo_value_round_trips_uids_with_colons() -> None:
    uid = "jira-acme:ASR-12"
    assert parse_undo(undo_value(UndoKind.NOT_OURS, uid)) == (UndoKind.NOT_OURS, uid)
