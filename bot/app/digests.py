"""Weekly manager digests: compose them from the store, send the ones that are due.

Composition is the pure ``bot.core.digest``; this module gathers its inputs (score cards,
issues, decisions, claims, team credit), works out each manager's period and whether their
digest is due in their own time zone, and hands due digests to the exactly-once delivery
(``bot.app.delivery``) through a ``DigestSender``, which Slack implements
(``bot.slack.sender``): this module renders and posts nothing itself.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol

from bot.app.delivery import Deliverer, Message, Parcel, scopes_still_missing, send_parcel
from bot.app.privacy import redact_leadership, redact_manager_digest
from bot.app.results import DigestOutcome
from bot.app.services import Services
from bot.core.digest import (
    Claim,
    DigestItem,
    DigestRules,
    ManagerDigest,
    all_managers,
    compose,
    digest_item,
    digest_period,
)
from bot.core.digest_dupes import NEW_FOR, DupePair, lines_by_team
from bot.core.digest_leadership import FunnelCounts, LeadershipDigest, compose_leadership
from bot.core.digest_routing import Decision, route
from bot.core.identity import Directory
from bot.core.orphans import rank_orphans
from bot.core.permissions import Audience, Viewer
from bot.core.rules import Rules
from bot.core.rules_teams import TeamsRules
from bot.errors import ConfigurationError
from bot.store import open_store
from bot.store.ports import UnitOfWork

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CREDIT_WINDOW = timedelta(days=30)
WEEK_DAYS = 7  # "what your team earned lately", in the digest


def is_due(now: datetime, zone: tzinfo, weekday: str, hour: int) -> bool:
    """Whether this week's slot (``weekday`` at ``hour`` in ``zone``) has come; a digest
    that is due and not yet sent goes out late rather than not at all."""
    local = now.astimezone(zone)
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
        days=WEEKDAYS.index(weekday) - local.weekday()
    )
    return local >= slot


def compose_all(
    services: Services, now: datetime, zones: Callable[[str], tzinfo]
) -> list[tuple[str, ManagerDigest | None, str]]:
    """Every manager's digest (None: nothing to say) and period."""
    rules = services.rules()
    with open_store(services.settings.db_path) as store:
        items = _items(store, rules, services.directory_for(rules), now)
        decisions, claims = _decisions(store), _claims(store)
        credit = {
            t.id: store.ledger.team_totals(t.id, now - CREDIT_WINDOW, now)["given"]
            for t in rules.teams.teams
        }
        alike = lines_by_team(dupe_pairs(store, now), now=now)
    digest_rules = DigestRules(nothing_needs_you=services.settings.digest_nothing_needs_you)
    routed = route(
        items, teams=rules.teams, decisions=decisions, claims=claims, rules=digest_rules, now=now
    )
    catalog = {item.issue_uid: item for item in items}
    sights = services.sight(Audience())  # the restricted issues, read once for every manager
    out = []
    for manager in all_managers(rules.teams):
        period = digest_period(now, zones(manager))
        digest = compose(
            manager,
            routed.get(manager, []),
            teams=rules.teams,
            period=period,
            now=now,
            claims=claims,
            catalog=catalog,
            team_credit=credit,
            rules=digest_rules,
            duplicates=alike,
        )
        if digest is not None:  # each manager reads what the privacy rule lets them
            sight = replace(sights, audience=Audience.person(Viewer.of(manager, rules.teams)))
            digest = redact_manager_digest(sight, digest)
        out.append((manager, digest, period))
    return out


class DigestSender(Deliverer, Protocol):
    """What sending digests asks of the messaging side (``bot.slack.sender.SlackSender``):
    the recipients' time zones, whether a channel is shared with another organisation, the
    messages, and delivery. ``connected`` is False when nothing can be sent: a dry run needs
    only the messages."""

    @property
    def connected(self) -> bool: ...

    def zone(self, user_id: str | None) -> tzinfo:
        """The person's own time zone, UTC when unknown."""
        ...

    def is_shared_channel(self, channel: str) -> bool:
        """Whether ``channel`` is shared with another organisation (when unsure: yes)."""
        ...

    def manager_message(
        self,
        digest: ManagerDigest,
        *,
        manager: str,
        directory: Directory,
        slack_ids: Mapping[str, str],
    ) -> Message:
        """``manager``'s digest as a message; its Claim… offers whom they may assign."""
        ...

    def leadership_message(self, digest: LeadershipDigest) -> Message:
        """The leadership digest as a message."""
        ...

    def preview(self, message: Message) -> str:
        """What ``message`` shows, as terminal text (the dry run)."""
        ...


@dataclass(frozen=True)
class _Run:
    """One run of ``send_due``: its sender, the owner of its claims, the scopes known
    missing, and whether it only shows the digests (a dry run, or no way to send)."""

    services: Services
    sender: DigestSender
    now: datetime
    showing: bool
    rules: Rules
    directory: Directory
    slack_ids: Mapping[str, str]
    owner: str = ""
    blocked: frozenset[str] = frozenset()


def send_due(
    services: Services,
    sender: DigestSender,
    *,
    now: datetime,
    only: str | None = None,
    dry_run: bool = False,
) -> list[DigestOutcome]:
    """Send every digest that is due (or, with ``only``, that manager's now) through
    ``sender``; with ``dry_run`` (or a sender that is not connected), compose and describe
    them without sending."""
    rules = services.rules()
    if only is not None:
        _check_manager(only, rules.teams)
    slack_ids = {p.id: p.slack for p in rules.teams.people if p.slack}
    run = _Run(services, sender, now, dry_run or not sender.connected, rules,
               services.directory_for(rules), slack_ids)  # fmt: skip
    zones = {
        m: UTC if run.showing else sender.zone(slack_ids.get(m)) for m in all_managers(rules.teams)
    }
    if not run.showing:
        # One owner per run: a retry within the run may take back its own claim at once, and
        # nothing else may (two runs at once, even in one process, are two owners).
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        blocked = scopes_still_missing(services.settings.db_path, sender)
        run = replace(run, owner=owner, blocked=frozenset(blocked))
    outcomes = [
        replace(
            _manager_outcome(run, manager, digest, period, zones[manager], forced=only is not None),
            name=run.directory.name_of_person(manager),
        )
        for manager, digest, period in compose_all(services, now, lambda m: zones.get(m, UTC))
        if only is None or manager == only
    ]
    if only is None:
        outcomes += _leadership(run)
    return outcomes


def _manager_outcome(
    run: _Run,
    manager: str,
    digest: ManagerDigest | None,
    period: str,
    zone: tzinfo,
    *,
    forced: bool,
) -> DigestOutcome:
    """What became of ``manager``'s digest: nothing to say, shown, not due yet, no Slack id
    to send it to, or the delivery's status."""
    if digest is None:
        return DigestOutcome(manager, period, "nothing")
    settings = run.services.settings
    due = forced or is_due(run.now, zone, settings.digest_weekday, settings.digest_hour)
    if not run.showing and not due:
        return DigestOutcome(manager, period, "not due")
    if not run.showing and manager not in run.slack_ids:
        return DigestOutcome(manager, period, "no slack id")
    message = run.sender.manager_message(
        digest, manager=manager, directory=run.directory, slack_ids=run.slack_ids
    )
    if run.showing:
        # What the manager would get, buttons included, from the blocks a send posts.
        return DigestOutcome(manager, period, "dry run", run.sender.preview(message))
    return _send(run, Parcel(run.slack_ids[manager], period, message), manager, period)


def _send(run: _Run, parcel: Parcel, label: str, period: str) -> DigestOutcome:
    sent = send_parcel(
        run.services.settings.db_path,
        run.sender,
        parcel,
        label=label,
        owner=run.owner,
        now=run.services.clock,
        blocked=run.blocked,
    )
    reason = sent.failure.describe() if sent.failure else ""
    return DigestOutcome(label, period, sent.status, reason=reason)


def _check_manager(person: str, teams: TeamsRules) -> None:
    """Raise ``ConfigurationError`` unless ``person`` manages a team of teams.yaml."""
    managers = all_managers(teams)
    if person in managers:
        return
    known = any(p.id == person for p in teams.people)
    what = f"{person} manages no team" if known else f"no person {person!r}"
    raise ConfigurationError(
        f"{what} in teams.yaml: digests go to team managers ({', '.join(managers) or 'none'}); "
        "pass one of them to --manager, or list the person under a team's `managers`"
    )


def compose_leadership_digest(services: Services, now: datetime) -> LeadershipDigest:
    """Org-wide top orphans and the surfaced → claimed → done funnel, this week and last."""
    rules = services.rules()
    with open_store(services.settings.db_path) as store:
        items = _items(store, rules, services.directory_for(rules), now)
        claims = _claims(store)
        alike = dupe_pairs(store, now)
    week = services.funnel(period=f"{WEEK_DAYS}d")
    counts = {r.team: FunnelCounts(r.surfaced, r.claimed, r.done) for r in week.rows}
    before = {r.team: FunnelCounts(r.surfaced, r.claimed, r.done) for r in week.previous}
    return compose_leadership(
        items,
        teams=rules.teams,
        period=digest_period(now, UTC),
        current=counts,
        previous=before,
        claims=claims,
        duplicates=alike,
        now=now,
    )


def _leadership(run: _Run) -> list[DigestOutcome]:
    """The leadership digest: to IMPACTBOT_LEADERSHIP_CHANNEL, or to each leader's DMs;
    due at the managers' weekday and hour, in UTC."""
    services, settings = run.services, run.services.settings
    digest = compose_leadership_digest(services, run.now)
    if run.showing:
        preview = run.sender.preview(run.sender.leadership_message(digest))
        return [DigestOutcome("leadership", digest.period, "dry run", preview)]
    if not is_due(run.now, UTC, settings.digest_weekday, settings.digest_hour):
        return [DigestOutcome("leadership", digest.period, "not due")]
    people = run.slack_ids
    targets = (
        [settings.leadership_channel]
        if settings.leadership_channel
        else [people[p] for p in run.rules.teams.leadership if p in people]
    )
    period = f"{digest.period}:leadership"  # its own exactly-once slot beside a manager's
    sights = services.sight(Audience())
    outcomes = []
    for target in targets:
        audience = _leadership_audience(run, target)
        shown = redact_leadership(replace(sights, audience=audience), digest)
        parcel = Parcel(target, period, run.sender.leadership_message(shown))
        outcomes.append(_send(run, parcel, "leadership", digest.period))
    return outcomes


def _leadership_audience(run: _Run, target: str) -> Audience:
    """A leader reading their DM (a Slack user id), or everybody in the leadership channel:
    a channel shows restricted details only where the source allows (``unfurl: full``) and
    never when it is shared with another organisation."""
    rules = run.rules
    person = next((p.id for p in rules.teams.people if p.slack == target), None)
    if person is not None:
        return Audience.person(Viewer.of(person, rules.teams))
    if not run.services.some_source_unfurls_full():
        return Audience.channel(shared=False)
    return Audience.channel(shared=run.sender.is_shared_channel(target))


def _items(
    store: UnitOfWork, rules: Rules, directory: Directory, now: datetime
) -> list[DigestItem]:
    cards = rank_orphans(
        store.scores.all(orphans_only=True), threshold=rules.scoring.surfacing_threshold
    )
    flags = store.issues.flags()
    items = []
    for card in cards:
        issue = store.issues.get(card.issue_uid)
        if issue is not None:
            item = digest_item(card, issue, directory=directory, now=now)
            notes = tuple(
                f"{directory.name_of_person(f.person_id)}: {f.note}"
                for f in flags.get(card.issue_uid, ())
                if f.note
            )
            items.append(replace(item, flag_notes=notes))
    return items


def dupe_pairs(store: UnitOfWork, now: datetime) -> list[DupePair]:
    """Near-duplicate pairs found in the week before ``now``, as the digests show them."""
    return store.duplicates.pairs_found_since(now - NEW_FOR)


def _decisions(store: UnitOfWork) -> list[Decision]:
    return store.claims.decisions()


def _claims(store: UnitOfWork) -> list[Claim]:
    return [
        Claim(
            issue_uid=row.issue_uid,
            team=row.team,
            manager=row.manager,
            assignee=row.assignee,
            at=row.at,
        )
        for row in store.claims.all()
    ]
