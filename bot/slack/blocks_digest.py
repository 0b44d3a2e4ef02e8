"""Block Kit for a manager's weekly digest: each item with Claim… / Not ours / Snooze, the
credit their teams earned, their teams' stalled claims and look-alike issues.

Pure presentation over :mod:`bot.core.digest`; the ids an item carries and its blocks after
a click are in :mod:`bot.slack.blocks_digest_clicks`, the leadership digest in
:mod:`bot.slack.blocks_leadership`, the plain-text forms in :mod:`bot.slack.digest_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.core.claiming import claim_scope
from bot.core.digest import DigestItem, ManagerDigest, StalledClaim
from bot.core.digest_dupes import DupeLine, IssueSide
from bot.core.identity import Directory
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.wording import priority_phrase
from bot.slack.blocks_credit import person
from bot.slack.blocks_digest_clicks import (
    ACTION_CLAIM,
    ACTION_NOT_OURS,
    ACTION_SNOOZE,
    item_block_ids,
)
from bot.slack.blocks_dupes import ACTION_NOT_DUPLICATE, pair_value
from bot.slack.blocks_kit import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
    Block,
    Unit,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    link,
    more_pointer,
    section,
    teams_text,
)

MAX_SELECT_OPTIONS = 100  # Block Kit's limit for a static select
MAX_OPTION_TEXT = 75
Assignee = tuple[str, str]  # (Slack user id, display name)

DIGEST_HINT = "`/impact orphans TEAM` lists the rest"
_STALLED_SHOWN = 10


def digest_blocks(
    d: ManagerDigest,
    *,
    slack_ids: Mapping[str, str] | None = None,
    snooze_weeks: int = 4,
    picker: Callable[[DigestItem], Sequence[Assignee]] | None = None,
) -> list[Block]:
    """The manager's digest: header with the period; each item (title linked, score,
    benefiting teams, reasons, "waiting N days · cost of delay +X") with Claim…, Not ours and
    Snooze; the credit their teams earned; their teams' stalled claims. A digest with no item
    says "Nothing needs you" in one line. At most 50 blocks: items that do not fit end in
    "…and N more". ``picker`` gives the people each item's Claim… select offers."""
    ids = slack_ids or {}
    head = [
        header(f"Cross-team work for your teams — {d.period}"),
        context(
            f"Orphaned, high-value work your teams ({teams_text(d.teams)}) benefit from or "
            "could own. Claim it for someone, say it is not yours, or snooze it."
        ),
    ]
    if d.nothing_needs_you:
        head.append(section("Nothing needs you this week. :white_check_mark:"))
    tail = [divider(), _recognition(d)]
    if d.stalled:
        tail.append(_stalled(d.stalled, ids))
    if d.duplicates:
        tail += _alike(d.duplicates)
    units: list[Unit] = [
        item_blocks(
            item,
            rank=rank,
            snooze_weeks=snooze_weeks,
            assignees=picker(item) if picker else (),
        )
        for rank, item in enumerate(d.items, start=1)
    ]
    room = MAX_MESSAGE_BLOCKS - len(head) - len(tail)
    return [*head, *fit_items(units, room, d.more, DIGEST_HINT), *tail]


def item_blocks(
    item: DigestItem,
    *,
    rank: int | None = None,
    snooze_weeks: int = 4,
    assignees: Sequence[Assignee] = (),
) -> tuple[Block, ...]:
    """One item as it first appears: its section and its action row (Claim… a select of
    ``assignees`` — the people the manager may assign — then Not ours, Snooze; no select
    when there is nobody to offer). Also what Undo restores."""
    ids = item_block_ids(item.issue_uid)
    text = item_text(item, rank)
    if ids is None:
        row = actions(*_buttons(item, snooze_weeks))
        return (section(text), row) if row else (section(text),)
    claim = _claim_select(assignees)
    row = {
        "type": "actions",
        "block_id": ids[1],
        "elements": [*([claim] if claim else []), *_buttons(item, snooze_weeks)],
    }
    return ({**section(text), "block_id": ids[0]}, row)


def _claim_select(assignees: Sequence[Assignee]) -> Block | None:
    """A static select of at most 100 people (Block Kit's limit), valued by Slack id."""
    options = [
        {
            "text": {"type": "plain_text", "text": clip(name, MAX_OPTION_TEXT, markup=False)},
            "value": slack_id,
        }
        for slack_id, name in assignees[:MAX_SELECT_OPTIONS]
    ]
    if not options:
        return None
    return {
        "type": "static_select",
        "action_id": ACTION_CLAIM,
        "placeholder": {"type": "plain_text", "text": "Claim… pick an assignee", "emoji": True},
        "options": options,
    }


def assignee_options(
    manager: str | None, item: DigestItem, directory: Directory, slack_ids: Mapping[str, str]
) -> list[Assignee]:
    """(Slack id, name) of the people ``manager`` may assign ``item`` to (see
    ``bot.core.claiming``), in teams.yaml order; people without a Slack id are left out."""
    scope = claim_scope(manager, item, directory)
    names = {p.id: p.name for p in directory.rules.people}
    return [(slack_ids[p], names[p]) for p in scope.people if p in slack_ids]


def claim_picker(
    manager: str, directory: Directory, slack_ids: Mapping[str, str]
) -> Callable[[DigestItem], Sequence[Assignee]]:
    """``assignee_options`` of ``manager`` for each item of their digest."""
    return lambda item: assignee_options(manager, item, directory, slack_ids)


def _buttons(item: DigestItem, snooze_weeks: int) -> list[Block]:
    weeks = f"{snooze_weeks} week" + ("" if snooze_weeks == 1 else "s")
    found = [
        button("Not ours", ACTION_NOT_OURS, value=item.issue_uid),
        button(f"Snooze {weeks}", ACTION_SNOOZE, value=item.issue_uid),
    ]
    return [b for b in found if b is not None]


def item_text(item: DigestItem, rank: int | None) -> str:
    prefix = f"*{rank}.* " if rank is not None else ""
    if item.private:
        return f"{prefix}*{escape(clip(item.key, 200, markup=False))}* — {PRIVATE_ISSUE}"
    title = clip(link(item.url, f"{item.key} — {item.title}"), 1000)
    owner = escape(item.owner_team) if item.owner_team else _no_owner(item)
    facts = [
        priority_phrase(item.score, item.orphan_score, bold="*"),
        f"benefits {teams_text(item.benefiting)}",
        f"owner {owner}",
    ]
    reasons = "".join(f"\n• {escape(clip(r, 300, markup=False))}" for r in item.reasons)
    reasons += "".join(
        f"\n• flagged by {escape(clip(n, 300, markup=False))}" for n in item.flag_notes
    )
    return clip(
        f"{prefix}*{title}*\n" + " · ".join(facts) + reasons + f"\n_{waited(item)}_",
        MAX_SECTION_TEXT,
    )


def _no_owner(item: DigestItem) -> str:
    if item.owner_candidates:
        return f"unclear ({teams_text(item.owner_candidates)})"
    return "none"


def waited(item: DigestItem) -> str:
    days = f"{item.waited_days} day" + ("" if item.waited_days == 1 else "s")
    return f"waiting {days} · cost of delay +{item.cost_of_delay:.1f}"


def fit_items(units: Sequence[Unit], room: int, extra: int, hint: str) -> list[Block]:
    """Units that fit in ``room`` blocks; when some are left out — or ``extra`` items were
    never given — a last block says how many more there are."""
    flat = [unit if isinstance(unit, tuple) else (unit,) for unit in units]
    if not extra and sum(len(u) for u in flat) <= room:
        return [b for u in flat for b in u]
    kept: list[Block] = []
    shown = 0
    for unit in flat:
        if len(kept) + len(unit) > room - 1:
            break
        kept += unit
        shown += 1
    return [*kept, more_pointer(len(flat) - shown + extra, hint)]


def _recognition(d: ManagerDigest) -> Block:
    earned = {t: p for t, p in d.team_credit.items() if p}
    if not earned:
        return section(
            "*Recognition* — no cross-team credit for your teams this period yet. "
            "Claimed work that gets done earns it, for whoever fixes, flags and sponsors it."
        )
    parts = ", ".join(f"{escape(t)} {p:.1f}" for t, p in sorted(earned.items()))
    total = sum(earned.values())
    return section(
        f"*Recognition* — your teams earned *{total:.1f}* points of cross-team credit "
        f"this period: {parts}"
    )


def _alike(lines: Sequence[DupeLine]) -> list[Block]:
    """One section per pair, each with "Not a duplicate"."""
    head = section("*Looks alike across teams* — two teams may be working on the same thing:")
    return [
        head,
        *(
            pair_section(
                f"your team's {side_link(line.ours)} looks like {side_link(line.theirs)} in "
                f"{team_phrase(line.theirs)} tracker "
                f"({line.score:.2f}: {shared_words(line.matched)})",
                line.ours.uid,
                line.theirs.uid,
            )
            for line in lines
        ),
    ]


def pair_section(text: str, uid: str, other_uid: str) -> Block:
    refuse = button("Not a duplicate", ACTION_NOT_DUPLICATE, value=pair_value(uid, other_uid))
    return section(clip(text, MAX_SECTION_TEXT), accessory=refuse)


def side_link(side: IssueSide) -> str:
    return link(side.url, f"{side.key} — {clip(side.title, 80, markup=False)}")


def team_phrase(side: IssueSide) -> str:
    return f"team {escape(side.team)}'s" if side.team else "an unowned"


def shared_words(matched: Sequence[str]) -> str:
    return ", ".join(escape(w) for w in matched[:4]) or "—"


def _stalled(stalled: Sequence[StalledClaim], slack_ids: Mapping[str, str]) -> Block:
    lines = [_stalled_line(s, slack_ids) for s in stalled[:_STALLED_SHOWN]]
    if len(stalled) > _STALLED_SHOWN:
        lines.append(f"…and {len(stalled) - _STALLED_SHOWN} more")
    return section(clip("*Claimed but stalled*\n" + "\n".join(lines), MAX_SECTION_TEXT))


def _stalled_line(s: StalledClaim, slack_ids: Mapping[str, str]) -> str:
    title = clip(link(s.item.url, f"{s.item.key} — {s.item.title}"), 500)
    return (
        f"• {title} — {escape(s.claim.team)} claimed it for {person(s.claim.assignee, slack_ids)}"
        f" on {s.claim.at:%Y-%m-%d}; no activity for {s.idle_days} days"
    )
