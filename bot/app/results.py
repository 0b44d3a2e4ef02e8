"""What the use cases answer: plain frozen values that entry points render (the CLI's
tables, Slack's Block Kit builders, the demo).

This module imports only ``bot.core`` (tracker types appear in annotations alone), so a
pure renderer can import it without dragging in the store, HTTP or a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.credit import CreditEntry
from bot.core.digest import DigestItem
from bot.core.models import Contribution, Flag, Issue, ScoreCard, TrackerKind
from bot.core.periods import Period
from bot.core.signals import MODIFIERS

if TYPE_CHECKING:
    from bot.trackers.file_import import ImportFormat
    from bot.trackers.http import GovernorStats
    from bot.trackers.sync import SyncReport

# ------------------------------------------------------------------ sync and import


@dataclass(frozen=True)
class ImportResult:
    path: Path
    format: ImportFormat
    source: str
    issues: int
    links: int
    warnings: tuple[str, ...] = ()  # what the file lacks (fields left out of the export)


@dataclass(frozen=True)
class SourceSync:
    """What syncing one source did, and what it cost."""

    report: SyncReport
    kind: TrackerKind
    stats: GovernorStats
    graphql_points: int | None = None  # GitHub's GraphQL cost; None elsewhere


# ------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class MintSummary:
    minted: int = 0
    reversed: int = 0


@dataclass(frozen=True)
class ScoreSummary:
    issues: int
    orphans: int
    surfaced: int  # orphans at or above the surfacing threshold
    threshold: float
    credit: MintSummary = field(default_factory=MintSummary)
    duplicates: int = 0  # near-duplicate pairs known after this run


@dataclass(frozen=True)
class SyncOutcome:
    sources: tuple[SourceSync, ...]
    score: ScoreSummary

    @property
    def failed(self) -> bool:
        return any(s.report.failed for s in self.sources)


@dataclass(frozen=True)
class Ranked:
    """An orphan with what a reader needs beside its card."""

    card: ScoreCard
    key: str
    title: str
    url: str | None
    private: bool = False  # redacted for its reader: the key alone means anything


@dataclass(frozen=True)
class Explanation:
    issue: Issue
    card: ScoreCard
    threshold: float
    flags: tuple[Flag, ...] = ()  # engineers' endorsements, earliest first, with their notes
    flagger_names: tuple[str, ...] = ()  # each flag's person as teams.yaml names them


def top_contributions(card: ScoreCard, n: int = 3) -> list[Contribution]:
    """The ``n`` largest value contributions — who benefits and why, in plain words — with
    modifiers (cost of delay, effort) only where value signals run out."""
    ranked = sorted(card.contributions, key=lambda c: (c.signal in MODIFIERS, -c.points))
    return ranked[:n]


# -------------------------------------------------------------------------- credit


@dataclass(frozen=True)
class Line:
    """One drillable credit line: an entry with the id to explain it by."""

    entry_id: int
    entry: CreditEntry


@dataclass(frozen=True)
class CreditReport:
    subject: str  # "person ana", "team asr"
    period: Period
    total: float
    by_role: dict[str, float]
    lines: list[Line]
    given: float | None = None  # teams only
    received: float | None = None


@dataclass(frozen=True)
class FunnelRow:
    team: str
    surfaced: int
    claimed: int
    done: int


@dataclass(frozen=True)
class Funnel:
    period: Period
    rows: list[FunnelRow] = field(default_factory=list)
    previous: list[FunnelRow] = field(default_factory=list)


@dataclass(frozen=True)
class LeaderBoard:
    period: Period
    rows: list[tuple[str, float]]


# ---------------------------------------------------------------------- duplicates


@dataclass(frozen=True)
class DupeMatch:
    """One candidate duplicate, with what a reader needs to judge it."""

    uid: str
    key: str
    source: str
    title: str
    url: str | None
    team: str | None  # the team owning it, where teams.yaml says
    score: float
    matched: tuple[str, ...]
    passage: str
    likely: bool  # at or above the reporting threshold

    def as_json(self) -> dict[str, object]:
        return {
            "uid": self.uid,
            "key": self.key,
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "team": self.team,
            "score": round(self.score, 4),
            "likely": self.likely,
            "matched": list(self.matched),
            "passage": self.passage,
        }


@dataclass(frozen=True)
class DupesAnswer:
    """Candidates for ``issue``: those owned by other teams, and its own team's, apart."""

    issue: Issue
    team: str | None
    other_teams: tuple[DupeMatch, ...]
    own_team: tuple[DupeMatch, ...]
    threshold: float

    def as_json(self) -> dict[str, object]:
        return {
            "issue": {"uid": self.issue.uid, "key": self.issue.key, "team": self.team},
            "threshold": self.threshold,
            "other_teams": [m.as_json() for m in self.other_teams],
            "own_team": [m.as_json() for m in self.own_team],
        }


# --------------------------------------------------------------------------- audit


@dataclass(frozen=True)
class AuditRow:
    """One audit row as read back. ``actor`` is the person id while the person is known,
    else what was recorded (a reference for people who were forgotten)."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


@dataclass(frozen=True)
class AuditListing:
    """Audit rows from ``since`` (None: the first) to ``until`` (None: now), oldest first."""

    since: datetime | None
    until: datetime | None
    records: tuple[AuditRow, ...]


# ------------------------------------------------------------------ digests, claims


@dataclass(frozen=True)
class DigestOutcome:
    """What happened to one manager's digest in a run."""

    manager: str
    period: str
    status: str  # sent / recovered / already / busy / not due / nothing / no slack id / dry run
    #              / failed: <error>
    text: str = ""
    reason: str = ""  # why it failed, e.g. "missing_scope (needs im:write)"
    name: str = ""  # the manager as teams.yaml names them ("" for leadership)

    @property
    def failed(self) -> bool:
        return self.status.startswith("failed")

    @property
    def who(self) -> str:
        """Whose digest, for people to read: the name, else the person id."""
        return self.name or self.manager


@dataclass(frozen=True)
class ClickResult:
    """What a manager's click in a digest did, and the item as it stands after it."""

    ok: bool
    detail: str
    item: DigestItem | None = None
    assignee_slack: str | None = None  # who the standing claim is for


# ------------------------------------------------------------------ credit notices


@dataclass(frozen=True)
class Ask:
    """One completed item whose credit waits for this manager: which of their teams it
    helped."""

    issue_uid: str
    title: str  # "KEY — title", as stored: escaped where it is shown
    teams: tuple[str, ...]


# ------------------------------------------------------------------ people


@dataclass(frozen=True)
class SlackIdFill:
    """What one pass of ``bot.app.people.People.fill_slack_ids`` did."""

    asked: int
    found: dict[str, str]  # person id → Slack id
    missing: tuple[str, ...]  # person ids with no Slack account for their emails
