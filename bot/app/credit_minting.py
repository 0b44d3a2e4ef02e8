"""Minting credit: after each scoring pass, append to the ledger the mints and reversals that
the issues' current states call for. The queries and actions people run on the ledger are
in ``bot.app.credit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.app.people import new_ref
from bot.app.results import MintSummary
from bot.core.credit import CreditEntry, CreditItem, EntryKind, completed_closure, plan_credit
from bot.core.identity import Directory
from bot.core.models import Flag, Issue, ScoreCard
from bot.core.rules import Rules
from bot.core.scoring import score_at_close
from bot.store.claims import ClaimRow
from bot.store.ports import UnitOfWork


@dataclass(frozen=True)
class _Known:
    """What the ledger and the store know about the issues a pass may credit."""

    flags: Mapping[str, list[Flag]]
    ledger: Mapping[str, list[CreditEntry]]
    surfaced: Mapping[str, datetime]
    claims: Mapping[str, ClaimRow]  # issue uid -> its claim

    def sponsor(self, uid: str) -> str | None:
        """The manager who claimed an item from a digest sponsors it (it was surfaced)."""
        return self.claims[uid].manager if uid in self.claims else None


def mint_credit(
    store: UnitOfWork,
    rules: Rules,
    directory: Directory,
    issues: Sequence[Issue],
    cards: Sequence[ScoreCard],
    now: datetime,
) -> MintSummary:
    """Append the credit the issues' current states call for (mints and reversals)."""
    threshold = rules.scoring.surfacing_threshold
    store.scores.record_surfacings([c for c in cards if c.is_orphan and c.total >= threshold], now)
    known = _known(store, issues)
    by_uid = {c.issue_uid: c for c in cards}
    candidates = [
        i
        for i in issues
        if i.uid in known.ledger
        and _worth_a_look(i, known.ledger[i.uid], by_uid.get(i.uid), _eligible(i, known), rules)
    ]
    at_close = score_at_close(
        issues,
        [i for i in candidates if not i.is_open],
        directory=directory,
        rules=rules.scoring,
        flags=known.flags,
    )
    planned = _plan(store, rules, directory, candidates, known, at_close, now)
    store.ledger.append(planned, new_ref)
    return MintSummary(
        minted=sum(1 for e in planned if e.kind is EntryKind.MINT),
        reversed=sum(1 for e in planned if e.kind is EntryKind.REVERSAL),
    )


def _known(store: UnitOfWork, issues: Sequence[Issue]) -> _Known:
    """The ledger of every closed or already credited issue (and only those: ``ledger``
    has a key for each), with their flags, surfacings and claims."""
    uids = sorted({i.uid for i in issues if not i.is_open} | store.ledger.credited_issues())
    ledger = store.ledger.for_issues(uids)
    return _Known(
        flags=store.issues.flags(),
        ledger={uid: ledger.get(uid, []) for uid in uids},
        surfaced=store.scores.surfaced_before(uids),
        claims={claim.issue_uid: claim for claim in store.claims.all()},
    )


def _eligible(issue: Issue, known: _Known) -> bool:
    """Flagged, surfaced or claimed: worth planning whatever its score."""
    uid = issue.uid
    return uid in known.flags or uid in known.surfaced or uid in known.claims


def _plan(
    store: UnitOfWork,
    rules: Rules,
    directory: Directory,
    candidates: Sequence[Issue],
    known: _Known,
    at_close: Mapping[str, ScoreCard],
    now: datetime,
) -> list[CreditEntry]:
    """The entries to append, closure by closure in time order, caps counted as they go."""
    window = timedelta(days=rules.credit.caps.period_days)
    planned: list[CreditEntry] = []
    for issue in sorted(candidates, key=lambda i: (i.closed_at or now, i.uid)):
        moment = issue.closed_at or now
        claim = known.claims.get(issue.uid)
        item = CreditItem(
            issue=issue,
            card_at_close=at_close.get(issue.uid),
            flags=tuple(known.flags.get(issue.uid, ())),
            sponsor=known.sponsor(issue.uid),
            claimed_for=claim.team if claim is not None else None,
            surfaced=_surfaced_before_close(issue, known.surfaced) or claim is not None,
        )
        planned += plan_credit(
            item,
            known.ledger.get(issue.uid, []),
            directory=directory,
            rules=rules.credit,
            threshold=rules.scoring.surfacing_threshold,
            spent=_spent_in_window(store, planned, moment - window, moment),
            now=now,
        )
    return planned


def _worth_a_look(
    issue: Issue,
    entries: Sequence[CreditEntry],
    card: ScoreCard | None,
    eligible_anyway: bool,
    rules: Rules,
) -> bool:
    """Whether planning ``issue`` could append anything, cheaply judged so that the costly
    score-at-close runs only where it matters: an open issue only when it has mints to
    reverse; a closed one not yet paid for this closure when it was flagged or surfaced,
    or when its score could reach the threshold once the cost of delay is added back."""
    closure = completed_closure(issue)
    paid = {e.closure for e in entries if e.kind is EntryKind.MINT}
    if closure is None or closure in paid:
        return bool(paid - {closure})
    if eligible_anyway:
        return True
    most = (card.total if card else 0.0) * (1 + rules.scoring.cost_of_delay.max_multiplier)
    return most >= rules.scoring.surfacing_threshold


def _spent_in_window(
    store: UnitOfWork, planned: Sequence[CreditEntry], start: datetime, end: datetime
) -> dict[str, float]:
    """Each person's counted points in ``[start, end)``: the ledger, and what this pass has
    planned so far — so a cap binds per window, whatever order closures are found in."""
    spent = store.ledger.spent_between(start, end)
    for entry in planned:
        if start <= entry.at < end and not entry.pending:
            spent[entry.person_id] = spent.get(entry.person_id, 0.0) + entry.points
    return spent


def _surfaced_before_close(issue: Issue, surfaced: Mapping[str, datetime]) -> bool:
    first = surfaced.get(issue.uid)
    return first is not None and (issue.closed_at is None or first <= issue.closed_at)
