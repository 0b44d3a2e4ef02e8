"""The leadership digest: the top orphans org-wide and the surfaced → claimed → done funnel
per team, this period against the last. Pure: ``now`` is a parameter."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.core.digest import DEFAULT_RULES, Claim, DigestItem, DigestRules, rank_items
from bot.core.digest_dupes import DupePair, strongest_new_pairs
from bot.core.rules_teams import TeamsRules


class FunnelCounts(NamedTuple):
    """Items surfaced to a team in a period, how many of them were claimed, how many done."""

    surfaced: int = 0
    claimed: int = 0
    done: int = 0


@dataclass(frozen=True)
class FunnelLine:
    """One team's funnel this period, and the period before."""

    team: str
    surfaced: int
    claimed: int
    done: int
    previous: FunnelCounts

    @property
    def trend(self) -> int:
        """+1, 0 or -1: whether more, as many or fewer items got done than the period before."""
        return (self.done > self.previous.done) - (self.done < self.previous.done)


@dataclass(frozen=True)
class LeadershipDigest:
    """Org-wide top orphans (``more`` left out beyond the cap) and the funnel per team."""

    period: str
    top: tuple[DigestItem, ...]
    funnel: tuple[FunnelLine, ...]
    more: int = 0
    duplicates: tuple[DupePair, ...] = ()  # the strongest new pairs across teams


def count_funnel(
    surfaced: Mapping[str, Iterable[str]], *, claims: Sequence[Claim], done: Collection[str]
) -> dict[str, FunnelCounts]:
    """Team → funnel counts for one period. ``surfaced`` maps each issue uid surfaced in the
    period to the teams it concerns (:attr:`DigestItem.teams`); an item counts as claimed
    when it has a claim that was not undone (by any team), as done when its uid is in
    ``done``. Each team counts an item once."""
    claimed = {c.issue_uid for c in claims if not c.undone}
    counts: dict[str, FunnelCounts] = {}
    for uid, item_teams in surfaced.items():
        for team in set(item_teams):
            s, c, d = counts.get(team, FunnelCounts())
            counts[team] = FunnelCounts(s + 1, c + (uid in claimed), d + (uid in done))
    return counts


def compose_leadership(
    items: Iterable[DigestItem],
    *,
    teams: TeamsRules,
    period: str,
    current: Mapping[str, FunnelCounts],
    previous: Mapping[str, FunnelCounts],
    claims: Sequence[Claim] = (),
    rules: DigestRules = DEFAULT_RULES,
    duplicates: Sequence[DupePair] = (),
    now: datetime | None = None,
) -> LeadershipDigest:
    """The leadership digest: the ``leadership_items`` best unclaimed items org-wide, one
    funnel line per team (every team in ``teams``, then any other counted), by team id, and
    the strongest of ``duplicates`` found in the week before ``now`` across teams."""
    claimed = {c.issue_uid for c in claims if not c.undone}
    ranked = rank_items({i.issue_uid: i for i in items if i.issue_uid not in claimed}.values())
    top = tuple(ranked[: rules.leadership_items])
    names = sorted({t.id for t in teams.teams} | set(current) | set(previous))
    funnel = tuple(_funnel_line(name, current, previous) for name in names)
    alike = strongest_new_pairs(duplicates, now=now) if now is not None else ()
    return LeadershipDigest(
        period=period, top=top, funnel=funnel, more=len(ranked) - len(top), duplicates=alike
    )


def _funnel_line(
    team: str, current: Mapping[str, FunnelCounts], previous: Mapping[str, FunnelCounts]
) -> FunnelLine:
    now = current.get(team, FunnelCounts())
    before = previous.get(team, FunnelCounts())
    return FunnelLine(team, now.surfaced, now.claimed, now.done, before)
