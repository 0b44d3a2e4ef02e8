"""Score cards: the explained impact score of every issue.

``score_issues`` is the whole pipeline for a set of issues: resolve links, find owners and
beneficiaries, run every registered signal, apply modifiers, find orphan reasons. It is
deterministic for a given input and ``now``, and every point on a card names its signal,
reason and evidence, so the card sums to its total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.beneficiaries import BenefitContext, find_beneficiaries, team_strengths
from bot.core.identity import Directory, Ownership
from bot.core.links import LinkIndex
from bot.core.models import Contribution, Flag, Issue, IssueState, NearDuplicate, ScoreCard
from bot.core.orphans import find_orphan_reasons, orphan_factor
from bot.core.rules_scoring import ScoringRules
from bot.core.signals import MODIFIERS, VALUE_SIGNALS, SignalInput, incentive_gap_share


def score_issues(
    issues: Sequence[Issue],
    *,
    directory: Directory,
    rules: ScoringRules,
    now: datetime,
    flags: Mapping[str, Sequence[Flag]] | None = None,
    near_duplicates: Sequence[NearDuplicate] = (),
) -> list[ScoreCard]:
    """Score every issue against the others (links need the whole set); same order.
    ``near_duplicates`` found by the duplicate finder count like duplicate links."""
    context = ScoringContext.build(issues, directory, flags or {}, near_duplicates)
    return [context.score(issue, rules=rules, now=now) for issue in issues]


def score_at_close(
    issues: Sequence[Issue],
    closed: Sequence[Issue],
    *,
    directory: Directory,
    rules: ScoringRules,
    flags: Mapping[str, Sequence[Flag]] | None = None,
) -> dict[str, ScoreCard]:
    """The score each of ``closed`` had when it closed: scored as still open, at its
    ``closed_at``, against ``issues`` (the whole set, for links). Credit is minted from it."""
    context = ScoringContext.build(issues, directory, flags or {})
    cards = {}
    for issue in closed:
        if issue.closed_at is None:
            continue
        as_open = issue.model_copy(
            update={"state": IssueState.OPEN, "closed_at": None, "state_reason": None}
        )
        cards[issue.uid] = context.score(as_open, rules=rules, now=issue.closed_at)
    return cards


@dataclass(frozen=True)
class ScoringContext:
    """What scoring one issue needs from all the others: links, owners, flags."""

    directory: Directory
    links: LinkIndex
    ownerships: Mapping[str, Ownership]
    owner_of: Mapping[str, str | None]
    flags: Mapping[str, Sequence[Flag]]

    @classmethod
    def build(
        cls,
        issues: Sequence[Issue],
        directory: Directory,
        flags: Mapping[str, Sequence[Flag]],
        near_duplicates: Sequence[NearDuplicate] = (),
    ) -> ScoringContext:
        ownerships = {i.uid: directory.ownership(i) for i in issues}
        owner_of = {uid: o.team for uid, o in ownerships.items()}
        links = LinkIndex.build(issues, near_duplicates)
        return cls(directory, links, ownerships, owner_of, flags)

    def score(self, issue: Issue, *, rules: ScoringRules, now: datetime) -> ScoreCard:
        return score_issue(
            issue,
            ownership=self.ownerships.get(issue.uid) or self.directory.ownership(issue),
            context=BenefitContext(
                self.directory, self.links, self.owner_of, self.flags.get(issue.uid, ())
            ),
            rules=rules,
            now=now,
        )


def score_issue(
    issue: Issue,
    *,
    ownership: Ownership,
    context: BenefitContext,
    rules: ScoringRules,
    now: datetime,
) -> ScoreCard:
    """The score card of one issue, given its ownership and the link context."""
    inp = _signal_input(issue, ownership.team, context, rules, now)
    contributions, value = _contributions(inp)
    findings, notes = find_orphan_reasons(
        issue,
        ownership=ownership,
        beneficiaries=inp.strengths,
        directory=context.directory,
        rules=rules.orphans,
        now=now,
    )
    total = round(value, 2)
    return ScoreCard(
        issue_uid=issue.uid,
        computed_at=now,
        total=total,
        orphan_score=round(total * orphan_factor(findings, rules.orphans), 2),
        owner_team=ownership.team,
        beneficiaries=tuple(sorted(inp.strengths)),
        incentive_gap=round(incentive_gap_share(inp.strengths, ownership.team), 4),
        contributions=tuple(contributions),
        orphan_findings=findings,
        notes=(f"owner: {ownership.basis}", *notes),
    )


def _signal_input(
    issue: Issue,
    owner_team: str | None,
    context: BenefitContext,
    rules: ScoringRules,
    now: datetime,
) -> SignalInput:
    """The facts the signals score ``issue`` on: who benefits, how strongly, who commented."""
    evidence = find_beneficiaries(issue, context)
    return SignalInput(
        issue=issue,
        owner_team=owner_team,
        evidence=evidence,
        strengths=team_strengths(evidence, rules.benefit_strength),
        human_commenters=_human_commenters(issue, context.directory),
        rules=rules,
        now=now,
    )


def _contributions(inp: SignalInput) -> tuple[list[Contribution], float]:
    """Every value signal's contributions, then each modifier's change to the running value
    (in registry order), and the value they sum to."""
    contributions = [c for signal in VALUE_SIGNALS.values() for c in signal(inp)]
    value = sum(c.points for c in contributions)
    for modify in MODIFIERS.values():
        change = modify(inp, value)
        if change is not None:
            contributions.append(change)
            value += change.points
    return contributions, value


def _human_commenters(issue: Issue, directory: Directory) -> tuple[str, ...]:
    """Distinct human commenters other than the author, in order of first comment, each as a
    reader knows them (the identity map's name where it has one: an account id or a UUID
    means nothing in an explanation)."""
    author = issue.author.handle if issue.author else None
    names: dict[str, str] = {}
    for comment in issue.comments:
        who = comment.author
        if who and not directory.is_bot(who) and who.handle != author:
            names.setdefault(who.handle, directory.name_of(who))
    return tuple(names.values())
