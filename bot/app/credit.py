"""Credit as people ask for it, on the command line and in Slack: reports of a person or a
team, the leaderboard, the funnel, drilling into an entry, the review export, voids,
confirmations and flags, each with its audit record. Minting, after each scoring pass, is
``bot.app.credit_minting``.
"""

from __future__ import annotations

from datetime import datetime

from bot.app.context import AppContext
from bot.app.export import export_csv, export_markdown
from bot.app.people import new_ref
from bot.app.privacy import Sight, redact_entries, visible_issues
from bot.app.results import CreditReport, Funnel, FunnelRow, LeaderBoard, Line
from bot.app.scoring import rescore_one
from bot.core.credit import CreditEntry, EntryKind, reverse
from bot.core.models import Flag, Issue
from bot.core.periods import DEFAULT_PERIOD, Period, PeriodError, parse_period
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.rules import Rules
from bot.errors import ImpactbotError
from bot.store import open_store
from bot.store.ports import UnitOfWork


class CreditError(ImpactbotError):
    """A credit request that cannot be honoured (unknown entry or person, no permission...)."""


class Credit:
    """Credit queries and actions over one configuration."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def credit_report(
        self,
        *,
        person: str | None = None,
        team: str | None = None,
        period: str | Period | None = None,
        limit: int | None = None,
    ) -> CreditReport:
        """Credit of one person or one team in ``period`` (default 90d), drillable by entry;
        a person's report lists only the newest ``limit`` lines when given (totals are over
        the whole period either way).

        Names are checked against the directory the last scoring run mirrored into the store
        (reading and validating teams.yaml on every query would cost more than the query).
        """
        span = period_of(period, self.ctx.clock())
        with open_store(self.ctx.settings.db_path) as store:
            if team is not None:
                if not store.people.has_team(team) and team not in self._rule_teams():
                    raise CreditError(f"unknown team {team!r}")
                return report_for_team(store, team, span, limit)
            if person is None or not (store.people.has(person) or person in self._rule_people()):
                raise CreditError(f"unknown person {person!r}")
            name = self.ctx.people.directory().name_of_person(person)
            return report_for_person(store, person, span, limit, name=name)

    def _rule_teams(self) -> set[str]:
        """Team ids of teams.yaml: the fallback before a scoring run mirrored them."""
        return {t.id for t in self.ctx.rules().teams.teams}

    def _rule_people(self) -> set[str]:
        return {p.id for p in self.ctx.rules().teams.people}

    def leaderboard(self, *, period: str | Period | None = None, limit: int = 20) -> LeaderBoard:
        span = period_of(period, self.ctx.clock())
        with open_store(self.ctx.settings.db_path) as store:
            return LeaderBoard(span, leaderboard(store, span, limit))

    def explain_entry(self, entry_id: int) -> tuple[CreditEntry, Issue | None]:
        with open_store(self.ctx.settings.db_path) as store:
            entry = store.ledger.entry(entry_id)
            if entry is None:
                raise CreditError(f"no credit entry {entry_id}")
            return entry, store.issues.get(entry.issue_uid)

    def void(self, entry_id: int, *, by: str, reason: str) -> CreditEntry:
        """Leadership withdraws an entry: a compensating entry, audited, never a deletion."""
        rules = self.ctx.rules()
        if by not in rules.teams.leadership:
            raise CreditError(f"{by!r} is not in the leadership list of teams.yaml")
        if not reason.strip():
            raise CreditError("a void needs a reason")
        now = self.ctx.clock()
        with open_store(self.ctx.settings.db_path) as store, store.transaction():
            void = void_entry(store, entry_id, reason=reason.strip(), now=now)
            store.audit.record(
                store.ledger.person_ref(by, new_ref),
                "credit.void",
                f"entry {entry_id}",
                reason.strip(),
                now,
            )
            return void

    def export(
        self,
        *,
        period: str | Period | None = None,
        fmt: str = "md",
        by: str | None = None,
        sight: Sight | None = None,
    ) -> str:
        """The ledger of ``period`` for reviews, as Markdown or CSV; audited as an export by
        ``by``: a person id of teams.yaml (recorded as their reference), another label (a
        Slack user id) recorded as it is, or None for the operator at the command line. With
        ``sight`` (Slack), the issues it may not read show their key alone."""
        now = self.ctx.clock()
        span = period_of(period, now)
        with open_store(self.ctx.settings.db_path) as store, store.transaction():
            lines = store.ledger.entries_between(span.start, span.end)
            issues = {
                uid: i
                for uid in {e.issue_uid for _, e in lines}
                if (i := store.issues.get(uid)) is not None
            }
            flags = store.issues.flags()
            actor = self._actor(store, by)
            detail = f"{fmt} export of {len(lines)} ledger lines"
            store.audit.record(actor, "export", span.label, detail, now)
        if sight is not None:
            lines, issues = redact_entries(sight, lines), visible_issues(sight, issues.values())
        named = self.ctx.directory().name_of_person
        notes = {  # only for issues the reader may see (``issues`` is redacted above)
            uid: [f"{named(f.person_id)}: {f.note}" for f in flags.get(uid, ()) if f.note]
            for uid in issues
        }
        if fmt == "csv":
            return export_csv(lines, issues, notes=notes)
        return export_markdown(lines, issues, span, notes=notes, name_of=named)

    def _actor(self, store: UnitOfWork, by: str | None) -> str:
        """Who an audit row names: a known person's reference, else ``by`` or ``cli``."""
        if by and by in self._rule_people():
            return store.ledger.person_ref(by, new_ref)
        return by or "cli"

    def funnel(self, *, period: str | Period | None = None) -> Funnel:
        rules = self.ctx.rules()
        span = period_of(period, self.ctx.clock())
        with open_store(self.ctx.settings.db_path) as store:
            return funnel(store, rules, span)

    def confirm(self, key: str, *, by: str) -> int:
        """A benefiting team's manager confirms that a completed item helped them, so that
        its pending credit counts. Returns how many entries that releases."""
        rules = self.ctx.rules()
        teams = [t.id for t in rules.teams.teams if by in t.managers]
        if not teams:
            raise CreditError(f"{by!r} manages no team in teams.yaml")
        now = self.ctx.clock()
        with open_store(self.ctx.settings.db_path) as store, store.transaction():
            uid = store.issues.resolve(key)
            pending = [e for e in store.ledger.for_issues([uid]).get(uid, []) if e.pending]
            team = next((t for t in teams for e in pending if t in e.beneficiaries), None)
            if team is None:
                raise CreditError(f"no credit of {key} waits for a manager of {', '.join(teams)}")
            closures = {e.closure for e in pending if team in e.beneficiaries}
            for closure in closures:
                store.ledger.confirm(uid, closure, team, store.ledger.person_ref(by, new_ref), now)
            store.audit.record(
                store.ledger.person_ref(by, new_ref),
                "credit.confirm",
                uid,
                f"it helped team {team}",
                now,
            )
            return sum(1 for e in pending if e.closure in closures)

    def flags_of(self, person: str, sight: Sight | None = None) -> list[tuple[str, str]]:
        """(issue key, title) of everything ``person`` flagged, newest first; titles the
        ``sight`` may not read are ``PRIVATE_ISSUE``."""
        with open_store(self.ctx.settings.db_path) as store:
            flagged = store.issues.flagged_by(person)
        return [
            (key, title if sight is None or sight.sees(uid) else PRIVATE_ISSUE)
            for uid, key, title in flagged
        ]

    def flag(self, key: str, *, by: str, note: str = "") -> bool:
        """An engineer endorses an issue as cross-team impact; False if they already had."""
        rules = self.ctx.rules()
        if by not in {p.id for p in rules.teams.people}:
            raise CreditError(f"unknown person {by!r} (not in teams.yaml)")
        now = self.ctx.clock()
        with open_store(self.ctx.settings.db_path) as store, store.transaction():
            uid = store.issues.resolve(key)
            added: bool = store.issues.add_flag(
                Flag(issue_uid=uid, person_id=by, note=note, at=now)
            )
            if added:
                rescore_one(store, rules, self.ctx.directory_for(rules), uid, now)
                actor = store.ledger.person_ref(by, new_ref)
                store.audit.record(actor, "flag", uid, note or "flagged as cross-team impact", now)
            return added


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
    store: UnitOfWork, person: str, period: Period, limit: int | None = None, *, name: str = ""
) -> CreditReport:
    """A person's credit: totals by role over the whole period, and the newest ``limit``
    lines (all when None); the subject names them by ``name`` when given."""
    entries = store.ledger.person_entries(person, period.start, period.end, limit)
    by_role = store.ledger.person_roles(person, period.start, period.end)
    return _report(f"person {name or person}", period, [Line(i, e) for i, e in entries], by_role)


def report_for_team(
    store: UnitOfWork, team: str, period: Period, limit: int | None = None
) -> CreditReport:
    """A team's credit: given and received, by role, and the newest ``limit`` lines."""
    entries = store.ledger.team_entries(team, period.start, period.end, limit)
    totals = store.ledger.team_totals(team, period.start, period.end)
    by_role = store.ledger.team_roles(team, period.start, period.end)
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


def void_entry(store: UnitOfWork, entry_id: int, *, reason: str, now: datetime) -> CreditEntry:
    """Append the void of mint ``entry_id``; raises ``CreditError`` if it cannot be voided."""
    entry = store.ledger.entry(entry_id)
    if entry is None:
        raise CreditError(f"no credit entry {entry_id}")
    if entry.kind is not EntryKind.MINT:
        raise CreditError(f"entry {entry_id} is a {entry.kind.value}: only mints can be voided")
    settled = store.ledger.for_issues([entry.issue_uid]).get(entry.issue_uid, [])
    if any(e.reverses == entry.natural_key for e in settled):
        raise CreditError(f"entry {entry_id} is already reversed or voided")
    void = reverse(entry, now=now, kind=EntryKind.VOID, reason=f"voided: {reason}")
    store.ledger.append([void], new_ref)
    return void


def leaderboard(store: UnitOfWork, period: Period, limit: int) -> list[tuple[str, float]]:
    return [
        (who, round(points, 2))
        for who, points in store.ledger.leaderboard(period.start, period.end, limit)
    ]


def funnel(store: UnitOfWork, rules: Rules, period: Period) -> Funnel:
    """Surfaced → claimed → done per team (owner or beneficiary), this period and the last."""
    return Funnel(
        period=period,
        rows=_funnel_rows(store, rules, period),
        previous=_funnel_rows(store, rules, period.previous()),
    )


def _funnel_rows(store: UnitOfWork, rules: Rules, period: Period) -> list[FunnelRow]:
    counts: dict[str, list[int]] = {t.id: [0, 0, 0] for t in rules.teams.teams}
    claimed = {claim.issue_uid for claim in store.claims.all()}
    for uid, first_at in store.scores.surfaced_between(period.start, period.end):
        issue, card = store.issues.get(uid), store.scores.load(uid)
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
