"""Near-duplicates in the digests, pure: which pairs a manager hears about ("your team's X
looks like Y in team Z's tracker") and which leadership sees (the strongest new pairs across
teams).

A pair is *new* when it was found within the digest's week, so a pair is announced once,
not every Monday; a pair counts *across teams* when the two issues have different owner
teams (an issue without an owner differs from every team).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

NEW_FOR = timedelta(days=7)


@dataclass(frozen=True)
class IssueSide:
    """One issue of a pair as a digest shows it."""

    uid: str
    key: str
    title: str
    url: str | None
    team: str | None  # owner team
    is_open: bool


@dataclass(frozen=True)
class DupePair:
    """Two issues that read alike, with the finder's score and the words that matched."""

    one: IssueSide
    other: IssueSide
    score: float
    matched: tuple[str, ...]
    found_at: datetime

    @property
    def across_teams(self) -> bool:
        return self.one.team is None or self.one.team != self.other.team

    def is_new(self, now: datetime) -> bool:
        return now - NEW_FOR < self.found_at <= now


@dataclass(frozen=True)
class DupeLine:
    """ "``ours`` (of ``team``) looks like ``theirs``": one line of a manager's digest."""

    team: str
    ours: IssueSide
    theirs: IssueSide
    score: float
    matched: tuple[str, ...]


def lines_by_team(pairs: Iterable[DupePair], *, now: datetime) -> dict[str, list[DupeLine]]:
    """Team → lines about its open issues in new cross-team pairs, strongest first. Built
    once per digest run; each manager's digest then picks its teams' lines."""
    by_team: dict[str, list[DupeLine]] = {}
    for pair in pairs:
        if not pair.is_new(now) or not pair.across_teams:
            continue
        for ours, theirs in ((pair.one, pair.other), (pair.other, pair.one)):
            if ours.team is not None and ours.is_open:
                line = DupeLine(ours.team, ours, theirs, pair.score, pair.matched)
                by_team.setdefault(ours.team, []).append(line)
    for lines in by_team.values():
        lines.sort(key=_strongest)
    return by_team


def lines_for_teams(
    teams: Sequence[str], by_team: Mapping[str, Sequence[DupeLine]], *, limit: int = 3
) -> tuple[DupeLine, ...]:
    """The ``limit`` strongest lines of ``teams`` (from ``lines_by_team``); a pair between
    two of the same manager's teams is listed once."""
    lines: dict[tuple[str, str], DupeLine] = {}
    for team in teams:
        for line in by_team.get(team, ()):
            pair = tuple(sorted((line.ours.uid, line.theirs.uid)))
            lines.setdefault((pair[0], pair[1]), line)
    return tuple(sorted(lines.values(), key=_strongest)[:limit])


def _strongest(line: DupeLine) -> tuple[float, str, str]:
    return (-line.score, line.ours.key, line.theirs.key)


def strongest_new_pairs(
    pairs: Iterable[DupePair], *, now: datetime, limit: int = 5
) -> tuple[DupePair, ...]:
    """The ``limit`` strongest pairs across teams found this week with an open side."""
    fresh = [
        p for p in pairs if p.is_new(now) and p.across_teams and (p.one.is_open or p.other.is_open)
    ]
    fresh.sort(key=lambda p: (-p.score, p.one.key, p.other.key))
    return tuple(fresh[:limit])
