"""Credit use cases as the CLI and Slack call them: queries with period parsing and name
checks, voids and confirmations with their audit records, flags, forgetting people.
Mixed into ``bot.app.services.Services``; the pieces they compose live in ``credit_services``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app.credit_records import (
    CreditError,
    forget_person,
    funnel,
    leaderboard,
    new_ref,
    period_of,
    report_for_person,
    report_for_team,
    rescore_one,
    void_entry,
)
from bot.app.export import export_csv, export_markdown
from bot.app.privacy import Sight, redact_entries, visible_issues
from bot.app.results import CreditReport, Funnel, LeaderBoard
from bot.config import Settings
from bot.core.credit import CreditEntry
from bot.core.identity import Directory
from bot.core.models import Flag, Issue
from bot.core.periods import Period
from bot.core.permissions import PRIVATE_ISSUE
from bot.core.rules import Rules
from bot.store import Store, open_store

Clock = Callable[[], datetime]


class CreditUseCases:
    """Credit queries and actions (mixed into ``Services``)."""

    settings: Settings
    clock: Clock

    def rules(self) -> Rules:
        raise NotImplementedError

    def score(self, rules: Rules | None = None) -> object:
        raise NotImplementedError

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
        span = period_of(period, self.clock())
        with open_store(self.settings.db_path) as store:
            if team is not None:
                if not store.has_team(team) and team not in self._rule_teams():
                    raise CreditError(f"unknown team {team!r}")
                return report_for_team(store, team, span, limit)
            if person is None or not (store.has_person(person) or person in self._rule_people()):
                raise CreditError(f"unknown person {person!r}")
            return report_for_person(store, person, span, limit)

    def _rule_teams(self) -> set[str]:
        """Team ids of teams.yaml: the fallback before a scoring run mirrored them."""
        return {t.id for t in self.rules().teams.teams}

    def _rule_people(self) -> set[str]:
        return {p.id for p in self.rules().teams.people}

    def leaderboard(self, *, period: str | Period | None = None, limit: int = 20) -> LeaderBoard:
        span = period_of(period, self.clock())
        with open_store(self.settings.db_path) as store:
            return LeaderBoard(span, leaderboard(store, span, limit))

    def explain_entry(self, entry_id: int) -> tuple[CreditEntry, Issue | None]:
        with open_store(self.settings.db_path) as store:
            entry = store.credit_entry(entry_id)
            if entry is None:
                raise CreditError(f"no credit entry {entry_id}")
            return entry, store.load_issue(entry.issue_uid)

    def void(self, entry_id: int, *, by: str, reason: str) -> CreditEntry:
        """Leadership withdraws an entry: a compensating entry, audited, never a deletion."""
        rules = self.rules()
        if by not in rules.teams.leadership:
            raise CreditError(f"{by!r} is not in the leadership list of teams.yaml")
        if not reason.strip():
            raise CreditError("a void needs a reason")
        now = self.clock()
        with open_store(self.settings.db_path) as store, store.transaction():
            void = void_entry(store, entry_id, reason=reason.strip(), now=now)
            store.audit.record(
                store.person_ref(by, new_ref),
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
        now = self.clock()
        span = period_of(period, now)
        with open_store(self.settings.db_path) as store, store.transaction():
            lines = store.entries_between(span.start, span.end)
            issues = {
                uid: i
                for uid in {e.issue_uid for _, e in lines}
                if (i := store.load_issue(uid)) is not None
            }
            flags = store.load_flags()
            actor = self._actor(store, by)
            detail = f"{fmt} export of {len(lines)} ledger lines"
            store.audit.record(actor, "export", span.label, detail, now)
        if sight is not None:
            lines, issues = redact_entries(sight, lines), visible_issues(sight, issues.values())
        named = Directory.build(self.rules().teams).name_of_person
        notes = {  # only for issues the reader may see (``issues`` is redacted above)
            uid: [f"{named(f.person_id)}: {f.note}" for f in flags.get(uid, ()) if f.note]
            for uid in issues
        }
        if fmt == "csv":
            return export_csv(lines, issues, notes=notes)
        return export_markdown(lines, issues, span, notes=notes)

    def _actor(self, store: Store, by: str | None) -> str:
        """Who an audit row names: a known person's reference, else ``by`` or ``cli``."""
        if by and by in self._rule_people():
            return store.person_ref(by, new_ref)
        return by or "cli"

    def funnel(self, *, period: str | Period | None = None) -> Funnel:
        rules = self.rules()
        span = period_of(period, self.clock())
        with open_store(self.settings.db_path) as store:
            return funnel(store, rules, span)

    def forget(self, person: str) -> str | None:
        """Pseudonymise a person who left; ledger sums and team totals stay intact."""
        rules = self.rules()
        now = self.clock()
        with open_store(self.settings.db_path) as store, store.transaction():
            ref = forget_person(store, rules, person)
            store.audit.record(
                "cli", "people.forget", ref or "(no ledger reference)", "forgotten on request", now
            )
        self.score(rules)  # score cards name flaggers: rebuild them without the person
        return ref

    def confirm(self, key: str, *, by: str) -> int:
        """A benefiting team's manager confirms that a completed item helped them, so that
        its pending credit counts. Returns how many entries that releases."""
        rules = self.rules()
        teams = [t.id for t in rules.teams.teams if by in t.managers]
        if not teams:
            raise CreditError(f"{by!r} manages no team in teams.yaml")
        now = self.clock()
        with open_store(self.settings.db_path) as store, store.transaction():
            uid = store.resolve_key(key)
            pending = [e for e in store.ledger_for([uid]).get(uid, []) if e.pending]
            team = next((t for t in teams for e in pending if t in e.beneficiaries), None)
            if team is None:
                raise CreditError(f"no credit of {key} waits for a manager of {', '.join(teams)}")
            closures = {e.closure for e in pending if team in e.beneficiaries}
            for closure in closures:
                store.confirm(uid, closure, team, store.person_ref(by, new_ref), now)
            store.audit.record(
                store.person_ref(by, new_ref),
                "credit.confirm",
                uid,
                f"it helped team {team}",
                now,
            )
            return sum(1 for e in pending if e.closure in closures)

    def flags_of(self, person: str, sight: Sight | None = None) -> list[tuple[str, str]]:
        """(issue key, title) of everything ``person`` flagged, newest first; titles the
        ``sight`` may not read are ``PRIVATE_ISSUE``."""
        with open_store(self.settings.db_path) as store:
            flagged = store.flags_by(person)
        return [
            (key, title if sight is None or sight.sees(uid) else PRIVATE_ISSUE)
            for uid, key, title in flagged
        ]

    def flag(self, key: str, *, by: str, note: str = "") -> bool:
        """An engineer endorses an issue as cross-team impact; False if they already had."""
        rules = self.rules()
        if by not in {p.id for p in rules.teams.people}:
            raise CreditError(f"unknown person {by!r} (not in teams.yaml)")
        now = self.clock()
        with open_store(self.settings.db_path) as store, store.transaction():
            uid = store.resolve_key(key)
            added: bool = store.add_flag(Flag(issue_uid=uid, person_id=by, note=note, at=now))
            if added:
                rescore_one(store, rules, uid, now)
                actor = store.person_ref(by, new_ref)
                store.audit.record(actor, "flag", uid, note or "flagged as cross-team impact", now)
            return added
