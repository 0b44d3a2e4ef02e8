"""The tracker-neutral plan of the demo: issues and comments before they are rendered.

Also holds the two invariants-keepers every generator step shares: ``Clock`` (days-ago →
a working-hours UTC time, monotone, never after ``now``) and the foreign-team budget on each
issue (``admit``), which keeps noise from looking like the stories: no noise issue ever gets
more than ``NOISE_REACH_CAP`` other teams touching it (authoring, commenting, referencing,
owning one of its labels or components).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.demo.org import JIRA_SITE, Actor, Container, Org, Person

NOISE_REACH_CAP = 2
Kind = Literal["bug", "feature", "chore", "docs", "dashboard", "report"]
CloseReason = Literal["completed", "not_planned", "duplicate"]


class Clock:
    """Maps "days ago" to datetimes relative to ``now`` (tz-aware; normalised to UTC).

    ``at`` is monotone non-increasing in ``days_ago``, never later than ``now``, and puts
    events between 07:00 and 17:00 UTC (working hours in Berlin, away from DST gaps).
    """

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        self.now = now.astimezone(UTC)

    def at(self, days_ago: float) -> datetime:
        """The moment ``days_ago`` days back: the whole part picks the day, the fraction the
        time between 17:00 (fraction 0) and 07:00 (fraction 1) UTC. Less than a day ago is
        squeezed between yesterday 17:00 and ``now``."""
        days = max(days_ago, 0.0)
        whole = math.floor(days)
        midnight = (self.now - timedelta(days=whole)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        moment = midnight + timedelta(hours=7, seconds=int((1 - (days - whole)) * 36000))
        if whole == 0:
            evening = midnight - timedelta(hours=7)
            moment = min(moment, self.now - (self.now - evening) * days)
        return moment.replace(microsecond=0)

    def days_ago(self, moment: datetime) -> float:
        return (self.now - moment).total_seconds() / 86400


@dataclass
class PlannedComment:
    author: Actor
    at: datetime
    body: str
    edited: bool = False
    minimized: bool = False
    thumbs: int = 0


@dataclass
class PlannedIssue:
    """One issue as planned; ``number`` is assigned once its container is complete."""

    container: Container
    kind: Kind
    title: str
    body: str
    author: Actor
    created: datetime
    closed: datetime | None = None
    reason: CloseReason | None = None
    assignees: list[Person] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    size: str | None = None
    priority: str = "Medium"
    comments: list[PlannedComment] = field(default_factory=list)
    reactions: dict[str, int] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    number: int = 0
    story: str | None = None
    status: str | None = None
    crlf: bool = False
    reopened: bool = False
    touched_at: datetime | None = None
    foreign: set[str] = field(default_factory=set)

    @property
    def team(self) -> str:
        return self.container.team

    @property
    def locked(self) -> bool:
        """Story issues take no noise: their shape is the point of the demo."""
        return self.story is not None

    @property
    def is_github(self) -> bool:
        return self.container.tracker == "github"

    @property
    def key(self) -> str:
        sep = "#" if self.is_github else "-"
        return f"{self.container.name}{sep}{self.number}"

    @property
    def url(self) -> str:
        if self.is_github:
            return f"https://github.com/{self.container.name}/issues/{self.number}"
        return f"{JIRA_SITE}/browse/{self.key}"

    @property
    def updated(self) -> datetime:
        times = [self.created, *(c.at for c in self.comments)]
        times += [t for t in (self.closed, self.touched_at) if t is not None]
        return max(times)

    def end(self, now: datetime) -> datetime:
        """When activity on the issue stops: its close time, else ``now``."""
        return self.closed or now


def team_of(actor: Actor | None) -> str | None:
    return actor.team if isinstance(actor, Person) else None


def _new_teams(issue: PlannedIssue, teams: tuple[str | None, ...]) -> set[str]:
    return {t for t in teams if t is not None and t != issue.team} - issue.foreign


def fits(issue: PlannedIssue, *teams: str | None) -> bool:
    """Whether ``admit(issue, *teams)`` would succeed; records nothing."""
    new = _new_teams(issue, teams)
    return not new or (not issue.locked and len(issue.foreign | new) <= NOISE_REACH_CAP)


def admit(issue: PlannedIssue, *teams: str | None) -> bool:
    """Record that ``teams`` touch ``issue``; refuse (record nothing) past the noise budget.

    The issue's own team is always admitted; a story issue admits no other team.
    """
    if not fits(issue, *teams):
        return False
    issue.foreign |= _new_teams(issue, teams)
    return True


def ref_text(target: PlannedIssue, source: Container, style: float) -> str:
    """How a person in ``source`` would write a reference to ``target``.

    ``style`` in [0, 1) picks between short and URL forms; GitHub text uses ``#N`` inside
    the same repo, Jira text uses bare keys for Jira targets and URLs for GitHub ones.
    """
    if target.is_github:
        if source.tracker == "jira" or style > 0.8:
            return target.url
        if source.name == target.container.name and style < 0.6:
            return f"#{target.number}"
        return target.key
    if style > 0.7:
        return target.url
    return target.key


@dataclass
class Ctx:
    """What every generation step shares: the organisation, the seeded rng and the clock."""

    org: Org
    rng: random.Random
    clock: Clock

    def pick(self, people: list[Person]) -> Person:
        return people[self.rng.randrange(len(people))]


def handle_on(actor: Actor, tracker: str) -> str | None:
    """The actor's handle on ``tracker`` (GitHub login or Jira account id), if any."""
    return actor.github if tracker == "github" else actor.jira


def people_on(people: list[Person], tracker: str) -> list[Person]:
    return [p for p in people if handle_on(p, tracker)]
