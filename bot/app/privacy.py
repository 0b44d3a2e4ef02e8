"""Private work stays private: the one place every surface asks what its audience may read.

The rule is pure (:func:`bot.core.permissions.may_see_issue`); this module gathers its inputs
from the store — which issues are restricted, their sources' privacy keys, their owning and
benefiting teams — into a :class:`Sight` for one audience, and gives each result type a
redacted form: the key and ``PRIVATE_ISSUE``, nothing else. Slack answers, App Home, unfurls,
digests and exports redact through here; the CLI (the operator's tool) does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.app.context import AppContext
from bot.core.credit import CreditEntry
from bot.core.digest import DigestItem, ManagerDigest
from bot.core.digest_dupes import IssueSide
from bot.core.digest_leadership import LeadershipDigest
from bot.core.identity import Directory
from bot.core.models import Issue, ScoreCard, Visibility
from bot.core.permissions import PRIVATE_ISSUE, Audience, IssueAccess, may_see_issue
from bot.core.privacy_rules import UnfurlMode
from bot.core.rules import Rules
from bot.store import open_store
from bot.store.ports import UnitOfWork

if TYPE_CHECKING:
    from bot.app.results import CreditReport, DupeMatch, DupesAnswer, Ranked


@dataclass(frozen=True)
class Sight:
    """What one ``audience`` may read; ``access`` holds the restricted issues (every other
    issue is public)."""

    audience: Audience
    access: Mapping[str, IssueAccess]

    def sees(self, uid: str) -> bool:
        """Whether the audience may read the details of issue ``uid``."""
        access = self.access.get(uid)
        return access is None or may_see_issue(self.audience, access)

    # ------------------------------------------------------------- redactions

    def card(self, card: ScoreCard) -> ScoreCard:
        """``card``, or a card saying nothing (no teams, reasons, findings or notes)."""
        if self.sees(card.issue_uid):
            return card
        return card.model_copy(
            update={
                "owner_team": None,
                "beneficiaries": (),
                "contributions": (),
                "orphan_findings": (),
                "notes": (),
                "incentive_gap": 0.0,
            }
        )

    def entry(self, entry: CreditEntry) -> CreditEntry:
        """A ledger entry, or one whose reason and evidence say only ``PRIVATE_ISSUE``."""
        if self.sees(entry.issue_uid):
            return entry
        return entry.model_copy(update={"reason": PRIVATE_ISSUE, "evidence": ()})

    def digest_item(self, item: DigestItem) -> DigestItem:
        if self.sees(item.issue_uid):
            return item
        return replace(
            item, title=PRIVATE_ISSUE, url=None, reasons=(), benefiting=(), owner_team=None,
            owner_candidates=(), private=True,
        )  # fmt: skip

    def shows_pair(self, one: IssueSide, other: IssueSide) -> bool:
        """Near-duplicate pairs are shown whole or not at all: half a pair helps nobody."""
        return self.sees(one.uid) and self.sees(other.uid)


class Privacy:
    """Who may read what, over one configuration."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def sight(self, audience: Audience) -> Sight:
        """What ``audience`` may read of the stored issues."""
        rules = self.ctx.rules()
        with open_store(self.ctx.settings.db_path) as store:
            return load_sight(store, rules, self.ctx.directory_for(rules), audience)

    def some_source_unfurls_full(self) -> bool:
        """Whether any configured source lets channels show restricted details."""
        sources = self.ctx.rules().sources
        return any(
            sources.privacy_of(name).unfurl is UnfurlMode.FULL for name in sources.source_names()
        )


def load_sight(store: UnitOfWork, rules: Rules, directory: Directory, audience: Audience) -> Sight:
    """The sight of ``audience`` over every restricted issue in ``store``."""
    access: dict[str, IssueAccess] = {}
    for row in store.issues.restricted():
        teams = set(row.teams)
        issue = store.issues.get(row.uid)
        if issue is not None:
            teams |= set(directory.ownership(issue).candidates)
        access[row.uid] = IssueAccess(
            visibility=Visibility.RESTRICTED,
            privacy=rules.sources.privacy_of(row.source),
            teams=frozenset(teams),
        )
    return Sight(audience, access)


def visible_issues(sight: Sight, issues: Iterable[Issue]) -> dict[str, Issue]:
    """The issues ``sight`` may read, by uid (an export's titles and URLs)."""
    return {i.uid: i for i in issues if sight.sees(i.uid)}


def redact_entries(
    sight: Sight, lines: Sequence[tuple[int, CreditEntry]]
) -> list[tuple[int, CreditEntry]]:
    return [(entry_id, sight.entry(entry)) for entry_id, entry in lines]


# The use cases' result types, redacted for a sight (dataclasses.replace keeps this module
# free of imports of the use cases, which import it).


def redact_ranked(sight: Sight, rows: Sequence[Ranked]) -> list[Ranked]:
    """Orphan rows; a hidden one keeps its rank and key, nothing else."""
    return [
        row
        if sight.sees(row.card.issue_uid)
        else replace(row, card=sight.card(row.card), title=PRIVATE_ISSUE, url=None, private=True)
        for row in rows
    ]


def redact_dupes(sight: Sight, answer: DupesAnswer) -> DupesAnswer:
    """The candidates of a dupes answer the sight may read; hidden ones keep their key."""

    def match(m: DupeMatch) -> DupeMatch:
        if sight.sees(m.uid):
            return m
        return replace(m, title=PRIVATE_ISSUE, url=None, team=None, matched=(), passage="")

    return replace(
        answer,
        other_teams=tuple(match(m) for m in answer.other_teams),
        own_team=tuple(match(m) for m in answer.own_team),
    )


def redact_report(sight: Sight, report: CreditReport) -> CreditReport:
    """A credit report whose lines on hidden issues say only ``PRIVATE_ISSUE``."""
    lines = [replace(line, entry=sight.entry(line.entry)) for line in report.lines]
    return replace(report, lines=lines)


def redact_manager_digest(sight: Sight, digest: ManagerDigest) -> ManagerDigest:
    """A manager's digest with its items, stalled claims and near-duplicate lines redacted."""
    return replace(
        digest,
        items=tuple(sight.digest_item(i) for i in digest.items),
        stalled=tuple(replace(s, item=sight.digest_item(s.item)) for s in digest.stalled),
        duplicates=tuple(
            line for line in digest.duplicates if sight.shows_pair(line.ours, line.theirs)
        ),
    )


def redact_leadership(sight: Sight, digest: LeadershipDigest) -> LeadershipDigest:
    """The leadership digest with its top orphans and near-duplicate pairs redacted."""
    return replace(
        digest,
        top=tuple(sight.digest_item(i) for i in digest.top),
        duplicates=tuple(p for p in digest.duplicates if sight.shows_pair(p.one, p.other)),
    )
