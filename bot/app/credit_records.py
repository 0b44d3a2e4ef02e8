"""Credit use cases: minting after each scoring pass, and the queries leadership, managers
and engineers run (CLI now, Slack later). Mixed into ``bot.app.services.Services``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.app.results import CreditReport, Funnel, FunnelRow, Line, MintSummary
from bot.core.credit import (
    CreditEntry,
    CreditItem,
    EntryKind,
    completed_closure,
    plan_credit,
    reverse,
)
from bot.core.identity import Directory
from bot.core.models import Issue, ScoreCard
from bot.core.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period
from bot.core.rules import Rules
from bot.core.scoring import score_at_close, score_issues
from bot.errors import ImpactbotError
from bot.store import Store

Clock = Callable[[], datetime]


class CreditError(ImpactbotError):
    """A credit request that cannot be honoured (unknown entry or person, no permission...)."""


def new_ref() -> str:
    """A random, meaningless reference for a person's ledger rows."""
    return "p-" + secrets.token_hex(6)


def mint_credit(
    store: Store,
    rules: Rules,
    issues: Sequence[Issue],
    cards: Sequence[ScoreCard],
    now: datetime,
) -> MintSummary:
    """Append the credit the issues' current states call for (mints and reversals)."""
    threshold = rules.scoring.surfacing_threshold
    store.record_surfacings([c for c in cards if c.is_orphan and c.total >= threshold], now)
    flags = store.load_flags()
    uids = {i.uid for i in issues if not i.is_open} | store.credited_issues()
    ledger = store.ledger_for(sorted(uids))
    surfaced = store.surfaced_before(sorted(uids))
    by_uid = {c.issue_uid: c for c in cards}
    # The manager who claimed an item from a digest sponsors it (a claimed item was surfaced).
    claims = {row["issue_uid"]: row for row in store.claims()}
    sponsors = {uid: row["manager"] for uid, row in claims.items()}
    candidates = [
        i
        for i in issues
        if i.uid in uids
        and _worth_a_look(
            i,
            ledger.get(i.uid, []),
            by_uid.get(i.uid),
            i.uid in flags or i.uid in surfaced or i.uid in sponsors,
            rules,
        )
    ]
    directory = Directory.build(rules.teams)
    at_close = score_at_close(
        issues,
        [i for i in candidates if not i.is_open],
        directory=directory,
        rules=rules.scoring,
        flags=flags,
    )
    window = timedelta(days=rules.credit.caps.period_days)
    planned: list[CreditEntry] = []
    for issue in sorted(candidates, key=lambda i: (i.closed_at or now, i.uid)):
        moment = issue.closed_at or now
        spent = _spent_in_window(store, planned, moment - window, moment)
        item = CreditItem(
            issue=issue,
            card_at_close=at_close.get(issue.uid),
            flags=tuple(flags.get(issue.uid, ())),
            sponsor=sponsors.get(issue.uid),
            claimed_for=claims[issue.uid]["team"] if issue.uid in claims else None,
            surfaced=_surfaced_before_close(issue, surfaced) or issue.uid in sponsors,
        )
        entries = plan_credit(
            item,
            ledger.get(issue.uid, []),
            directory=directory,
            rules=rules.credit,
            threshold=threshold,
            spent=spent,
            now=now,
        )
        planned += entries
    store.append_credit(planned, new_ref)
    return MintSummary(
        minted=sum(1 for e in planned if e.kind is EntryKind.MINT),
        reversed=sum(1 for e in planned if e.kind is EntryKind.REVERSAL),
    )


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
    store: Store, planned: Sequence[CreditEntry], start: datetime, end: datetime
) -> dict[str, float]:
    """Each person's counted points in ``[start, end)``: the ledger, and what this pass has
    planned so far — so a cap binds per window, whatever order closures are found in."""
    spent = store.credit_spent_between(start, end)
    for entry in planned:
        if start <= entry.at < end and not entry.pending:
            spent[entry.person_id] = spent.get(entry.person_id, 0.0) + entry.points
    return spent


def _surfaced_before_close(issue: Issue, surfaced: dict[str, datetime]) -> bool:
    first = surfaced.get(issue.uid)
    return first is not None and (issue.closed_at is None or first <= issue.closed_at)


def period_of(text: str | Period | None, now: datetime) -> Period:
    """Parse a period (or take one already parsed, as the Slack command parser gives it),
    turning a grammar error into a user-facing ``CreditError``."""
    if isinstance(text, Period):
        return text
    try:
        return parse_period(text or DEFAULT_PERIOD, now=now)
    except PeriodError as exc:
        raise CreditError(str(exc)) from exc


def report_for_person(
    store: Store, person: str, period: Period, limit: int | None = None
) -> CreditReport:
    """A person's credit: totals by role over the whole period, and the newest ``limit``
    lines (all when None)."""
    entries = store.person_credit(person, period.start, period.end, limit)
    by_role = store.person_roles(person, period.start, period.end)
    return _report(f"person {person}", period, [Line(i, e) for i, e in entries], by_role)


def report_for_team(
    store: Store, team: str, period: Period, limit: int | None = None
) -> CreditReport:
    """A team's credit: given and received, by role, and the newest ``limit`` lines."""
    entries = store.team_entries(team, period.start, period.end, limit)
    totals = store.team_credit(team, period.start, period.end)
    by_role = store.team_roles(team, period.start, period.end)
    report = _report(f"team {team}", period, [Line(i, e) for i, e in entries], by_role)
    return CreditReport(
        **{**report.__dict__, "given": totals["given"], "received": totals["received"]}
    )


def _report(
    subject: str, period: Period, lines: list[Line], by_role: dict[str, float] | None = None
) -> CreditReport:
    if by_role is None:
        by_role = {}
        for line in lines:
            by_role[line.entry.role] = by_role.get(line.entry.role, 0.0) + line.entry.points
    return CreditReport(
        subject=subject,
        period=period,
        total=round(sum(by_role.values()), 2),
        by_role={k: round(v, 2) for k, v in sorted(by_role.items(), key=lambda kv: -kv[1])},
        lines=lines,
    )


def void_entry(store: Store, entry_id: int, *, reason: str, now: datetime) -> CreditEntry:
    """Append the void of mint ``entry_id``; raises ``CreditError`` if it cannot be voided."""
    entry = store.credit_entry(entry_id)
    if entry is None:
        raise CreditError(f"no credit entry {entry_id}")
    if entry.kind is not EntryKind.MINT:
        raise CreditError(f"entry {entry_id} is a {entry.kind.value}: only mints can be voided")
    settled = store.ledger_for([entry.issue_uid]).get(entry.issue_uid, [])
    if any(e.reverses == entry.natural_key for e in settled):
        raise CreditError(f"entry {entry_id} is already reversed or voided")
    void = reverse(entry, now=now, kind=EntryKind.VOID, reason=f"voided: {reason}")
    store.append_credit([void], new_ref)
    return void


def rescore_one(store: Store, rules: Rules, uid: str, now: datetime) -> None:
    """Score one issue again (a new flag changes its card) from its neighbourhood alone."""
    issues = store.neighbourhood(uid)
    if store.load_score_card(uid) is None or not issues:
        return  # never scored: the next full scoring run will
    flags = store.load_flags()
    cards = score_issues(
        issues,
        directory=Directory.build(rules.teams),
        rules=rules.scoring,
        now=now,
        flags={uid: flags.get(uid, [])},
    )
    store.replace_score_card(cards[0])


def leaderboard(store: Store, period: Period, limit: int) -> list[tuple[str, float]]:
    return [
        (who, round(points, 2))
        for who, points in store.leaderboard(period.start, period.end, limit)
    ]


def funnel(store: Store, rules: Rules, period: Period) -> Funnel:
    """Surfaced → claimed → done per team (owner or beneficiary), this period and the last."""
    return Funnel(
        period=period,
        rows=_funnel_rows(store, rules, period),
        previous=_funnel_rows(store, rules, period.previous()),
    )


def _funnel_rows(store: Store, rules: Rules, period: Period) -> list[FunnelRow]:
    counts: dict[str, list[int]] = {t.id: [0, 0, 0] for t in rules.teams.teams}
    claimed = {row["issue_uid"] for row in store.claims()}
    for uid, first_at in store.surfaced_between(period.start, period.end):
        issue, card = store.load_issue(uid), store.load_score_card(uid)
        if issue is None or card is None:
            continue
        done = (
            not issue.is_open
            and issue.closed_at is not None
            and period.contains(issue.closed_at)
            and issue.closed_at >= first_at
        )
        for team in {card.owner_team, *card.beneficiaries} - {None}:
            row = counts.setdefault(str(team), [0, 0, 0])
            row[0] += 1
            row[1] += int(uid in claimed)
            row[2] += int(done)
    return [FunnelRow(team, s, c, d) for team, (s, c, d) in sorted(counts.items())]


def forget_person(store: Store, rules: Rules, person: str) -> str | None:
    """Pseudonymise ``person`` everywhere; refuses while teams.yaml still names them."""
    if any(p.id == person for p in rules.teams.people):
        raise CreditError(
            f"{person!r} is still in teams.yaml: remove them there first, then forget them"
        )
    return store.forget_person(person)
