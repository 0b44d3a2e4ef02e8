"""Block Kit for duplicates: the answer to ``/impact dupes``, one section per candidate with
a "Not a duplicate" button, and the digest lines that point at a likely pair."""

from __future__ import annotations

from bot.app.results import DupeMatch, DupesAnswer
from bot.slack.blocks_kit import (
    MAX_MESSAGE_BLOCKS,
    Block,
    clip,
    context,
    escape,
    fit_blocks,
    header,
    link,
    section,
)
from bot.slack.blocks_kit import button as make_button

ACTION_NOT_DUPLICATE = "impact_not_duplicate"  # value: "uid␟other uid"
PAIR_SEPARATOR = "\x1f"


def pair_value(uid: str, other_uid: str) -> str:
    """The button value naming a pair; ``split_pair`` reads it back."""
    return f"{uid}{PAIR_SEPARATOR}{other_uid}"


def split_pair(value: str) -> tuple[str, str]:
    """The two uids of a ``pair_value``; ValueError for anything else."""
    one, sep, other = value.partition(PAIR_SEPARATOR)
    if not sep or not one or not other:
        raise ValueError(f"not a pair of issues: {value!r}")
    return one, other


def dupes_blocks(answer: DupesAnswer) -> list[Block]:
    """The candidates, other teams' first, each with what matched and a passage."""
    issue = answer.issue
    team = answer.team or "no team"
    intro = [
        header(f"What reads like {issue.key}"),
        context(f"{link(issue.url, issue.key)} ({escape(team)}): {escape(issue.title)}"),
    ]
    items: list[Block | tuple[Block, ...]] = []
    for heading, matches in (
        ("*In other teams' trackers*", answer.other_teams),
        (f"*In {escape(team)}'s own backlog*", answer.own_team),
    ):
        if matches:
            items.append(section(heading))
            items += [_candidate(issue.uid, m) for m in matches]
    if not items:
        items.append(section("Nothing reads like it."))
    footer = context(
        f"bold scores are at or above the reporting threshold ({answer.threshold:g}); "
        "*Not a duplicate* hides a pair for everyone"
    )
    body = fit_blocks(items, MAX_MESSAGE_BLOCKS - len(intro) - 1, "`impactbot dupes` lists all")
    return [*intro, *body, footer]


def _candidate(uid: str, match: DupeMatch) -> Block:
    score = f"*{match.score:.2f}*" if match.likely else f"{match.score:.2f}"
    title = clip(link(match.url, f"{match.key} — {match.title}"), 800)
    words = ", ".join(escape(w) for w in match.matched[:6])
    text = f"{score} · {title} ({escape(match.team or 'no team')})\nmatched: {words or '—'}"
    if match.passage:
        text += f"\n> {clip(escape(match.passage), 600)}"
    not_duplicate = make_button(
        "Not a duplicate", ACTION_NOT_DUPLICATE, value=pair_value(uid, match.uid)
    )
    return section(text, accessory=not_duplicate)
