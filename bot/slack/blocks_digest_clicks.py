"""Block Kit for a digest item's clicks: the action and block ids an item carries, and the
blocks that replace an item after Claim, Not ours or Snooze (with Undo).

Every block of an item carries a block id naming the issue (``digest:item:<uid>``,
``digest:actions:<uid>``): the Claim select has no value of its own, so its block id says
which issue was claimed, and :func:`replace_item` swaps an item for its replacement in the
posted message. Buttons carry the issue uid as their value; Undo carries ``claim:<uid>`` or
``not_ours:<uid>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.digest import DigestItem
from bot.core.digest_routing import UndoKind
from bot.slack.blocks_kit import Block, button, clip, escape, link, section

ACTION_CLAIM = "digest_claim"  # static_select of Slack ids; the issue uid is in its block id
ACTION_NOT_OURS = "digest_not_ours"  # value: the issue uid
ACTION_SNOOZE = "digest_snooze"  # value: the issue uid
ACTION_UNDO = "digest_undo"  # value: "claim:<uid>" or "not_ours:<uid>"

_ITEM_BLOCK, _ACTIONS_BLOCK = "digest:item:", "digest:actions:"
_MAX_BLOCK_ID = 255


# ------------------------------------------------------------------- ids and values


def item_block_ids(issue_uid: str) -> tuple[str, str] | None:
    """The block ids of an item's section and action row; None when the uid is too long
    for a block id (the item then shows without a Claim select)."""
    ids = (_ITEM_BLOCK + issue_uid, _ACTIONS_BLOCK + issue_uid)
    return ids if len(ids[1]) <= _MAX_BLOCK_ID else None


def issue_uid_of(block_id: str) -> str | None:
    """The issue uid a digest block id names, or None for any other block id."""
    for prefix in (_ITEM_BLOCK, _ACTIONS_BLOCK):
        if block_id.startswith(prefix) and len(block_id) > len(prefix):
            return block_id[len(prefix) :]
    return None


def undo_value(kind: UndoKind, issue_uid: str) -> str:
    """The Undo button's value: what to undo, and on which issue."""
    return f"{kind.value}:{issue_uid}"


def parse_undo(value: str) -> tuple[UndoKind, str] | None:
    """``(kind, issue uid)`` from an Undo button's value; None when it is not one."""
    kind, sep, uid = value.partition(":")
    if not sep or not uid or kind not in {k.value for k in UndoKind}:
        return None
    return UndoKind(kind), uid


def replace_item(
    blocks: Sequence[Block], issue_uid: str, replacement: Sequence[Block]
) -> list[Block]:
    """``blocks`` with the item of ``issue_uid`` (every block whose block id names it)
    replaced by ``replacement``, where the item was; unchanged when the item is absent."""
    ids = item_block_ids(issue_uid) or ()
    at = next((i for i, b in enumerate(blocks) if b.get("block_id") in ids), None)
    if at is None:
        return list(blocks)
    kept = [b for b in blocks if b.get("block_id") not in ids]
    return [*kept[:at], *replacement, *kept[at:]]


# ------------------------------------------------------------ an item after a click


def claimed_item_blocks(item: DigestItem, assignee_slack_id: str, by_slack_id: str) -> list[Block]:
    """What replaces ``item`` once claimed: who claimed it for whom, and Undo."""
    text = (
        f":white_check_mark: *{clip(link(item.url, f'{item.key} — {item.title}'), 1000)}*\n"
        f"Claimed by {_mention(by_slack_id)} for {_mention(assignee_slack_id)}."
    )
    return [_after_click(item, text, UndoKind.CLAIM)]


def not_ours_item_blocks(item: DigestItem) -> list[Block]:
    """What replaces ``item`` after Not ours, with Undo."""
    text = (
        f"~{clip(escape(f'{item.key} — {item.title}'), 1000)}~\n"
        "Not yours: it will not come back to you unless its score rises materially."
    )
    return [_after_click(item, text, UndoKind.NOT_OURS)]


def snoozed_item_blocks(item: DigestItem, until: datetime) -> list[Block]:
    """What replaces ``item`` after Snooze: when it comes back."""
    text = (
        f":zzz: {clip(escape(f'{item.key} — {item.title}'), 1000)}\n"
        f"Snoozed: it comes back after {until:%Y-%m-%d}."
    )
    return [_keep_id(item, section(text))]


def _after_click(item: DigestItem, text: str, kind: UndoKind) -> Block:
    undo = button("Undo", ACTION_UNDO, value=undo_value(kind, item.issue_uid))
    return _keep_id(item, section(text, accessory=undo))


def _keep_id(item: DigestItem, block: Block) -> Block:
    # The replacement keeps the item's block id, so a later Undo can find and restore it.
    ids = item_block_ids(item.issue_uid)
    return {**block, "block_id": ids[0]} if ids else block


def _mention(slack_id: str) -> str:
    return f"<@{slack_id}>" if slack_id.isalnum() else escape(clip(slack_id, 100))
