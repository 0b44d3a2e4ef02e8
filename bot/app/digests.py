"""Weekly manager digests: compose them from the store, send the ones that are due.

Composition is the pure ``bot.core.digest``; this module gathers its inputs (score cards,
issues, decisions, claims, team credit), works out each manager's period and whether their
digest is due in their own time zone, and hands due digests to the exactly-once delivery.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
from bot.core.digest_dupes import NEW_FOR, DupePair, IssueSide, lines_by_team
from bot.core.digest_leadership import FunnelCounts, LeadershipDigest, compose_leadership
from bot.core.digest_routing import Decision, DecisionKind, route
from bot.core.identity import Directory
from bot.core.orphans import rank_orphans
from bot.core.permissions import Audience, Viewer
from bot.core.rules import Rules, TeamsRules
from bot.errors import ConfigurationError
from bot.slack.blocks_digest import claim_picker, digest_blocks
from bot.slack.blocks_leadership import leadership_digest_blocks
from bot.slack.blocks_text import blocks_as_text
from bot.slack.channels import is_shared_channel
from bot.slack.delivery import Pacer, Parcel
from bot.slack.digest_sending import Sent, scopes_still_missing, send_parcel
from bot.slack.digest_text import digest_text, leadership_text
from bot.store import Store, open_store

log = logging.getLogger("impactbot.digests")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CREDIT_WINDOW = timedelta(days=30)
WEEK_DAYS = 7  # "what your team earned lately", in the digest


def zone_of(client: WebClient | None, slack_id: str | None) -> tzinfo:
    """The manager's own time zone from Slack (``users.info``), UTC when unknown."""
    if client is None or not slack_id:
        return UTC
    try:
        name = client.users_info(user=slack_id)["user"].get("tz") or "UTC"
        return ZoneInfo(str(name))
    except (SlackApiError, ZoneInfoNotFoundError, ValueError, KeyError):
        return UTC


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
        items = _items(store, rules, now)
        decisions, claims = _decisions(store), _claims(store)
        credit = {
            t.id: store.team_credit(t.id, now - CREDIT_WINDOW, now)["given"]
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


def send_due(
    services: Services,
    client: WebClient | None,
    *,
    now: datetime,
    only: str | None = None,
    dry_run: bool = False,
    pacer: Pacer | None = None,
) -> list[DigestOutcome]:
    """Send every digest that is due (or, with ``only``, that manager's now); with
    ``dry_run``, compose and describe them without sending."""
    rules = services.rules()
    if only is not None:
        _check_manager(only, rules.teams)
    pacer = pacer or Pacer()  # one per run: it spaces every Slack call of the run
    slack_ids = {p.id: p.slack for p in rules.teams.people if p.slack}
    directory = Directory.build(rules.teams)
    zones = {
        m: _paced_zone(client, slack_ids.get(m), pacer, dry_run) for m in all_managers(rules.teams)
    }
    settings = services.settings
    outcomes: list[DigestOutcome] = []
    # One owner per run: a retry within the run may take back its own claim at once, and
    # nothing else may (two runs at once, even in one process, are two owners).
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    blocked = set() if dry_run or client is None else scopes_still_missing(services, client)
    for manager, digest, period in compose_all(services, now, lambda m: zones.get(m, UTC)):
        if only is not None and manager != only:
            continue
        if digest is None:
            outcomes.append(DigestOutcome(manager, period, "nothing"))
            continue
        text = digest_text(digest, markup=not dry_run)
        picker = claim_picker(manager, directory, slack_ids)
        blocks = digest_blocks(digest, slack_ids=slack_ids, picker=picker)
        if dry_run or client is None:
            # What the manager would get, buttons included, from the blocks a send posts.
            outcomes.append(DigestOutcome(manager, period, "dry run", blocks_as_text(blocks)))
            continue
        due = only is not None or is_due(
            now, zones[manager], settings.digest_weekday, settings.digest_hour
        )
        if not due:
            outcomes.append(DigestOutcome(manager, period, "not due"))
            continue
        if manager not in slack_ids:
            outcomes.append(DigestOutcome(manager, period, "no slack id"))
            continue
        parcel = Parcel(slack_ids[manager], period, text, blocks)
        sent = send_parcel(
            services, client, parcel, label=manager, owner=owner, pacer=pacer, blocked=blocked
        )
        outcomes.append(_outcome(manager, period, sent))
    if only is None:
        outcomes += _leadership(
            services, client, now=now, dry_run=dry_run, owner=owner, pacer=pacer, blocked=blocked
        )
    return outcomes


def _outcome(manager: str, period: str, sent: Sent) -> DigestOutcome:
    reason = sent.failure.describe() if sent.failure else ""
    return DigestOutcome(manager, period, sent.status, reason=reason)


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


def _paced_zone(
    client: WebClient | None, slack_id: str | None, pacer: Pacer, dry_run: bool
) -> tzinfo:
    if client is None or dry_run:
        return UTC
    pacer.wait()
    return zone_of(client, slack_id)


def compose_leadership_digest(services: Services, now: datetime) -> LeadershipDigest:
    """Org-wide top orphans and the surfaced → claimed → done funnel, this week and last."""
    rules = services.rules()
    with open_store(services.settings.db_path) as store:
        items, claims = _items(store, rules, now), _claims(store)
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


def _leadership(
    services: Services,
    client: WebClient | None,
    *,
    now: datetime,
    dry_run: bool,
    owner: str,
    pacer: Pacer,
    blocked: set[str],
) -> list[DigestOutcome]:
    """The leadership digest: to IMPACTBOT_LEADERSHIP_CHANNEL, or to each leader's DMs;
    due at the managers' weekday and hour, in UTC."""
    rules, settings = services.rules(), services.settings
    digest = compose_leadership_digest(services, now)
    if dry_run or client is None:
        return [
            DigestOutcome(
                "leadership", digest.period, "dry run", leadership_text(digest, markup=False)
            )
        ]
    if not is_due(now, UTC, settings.digest_weekday, settings.digest_hour):
        return [DigestOutcome("leadership", digest.period, "not due")]
    people = {p.id: p.slack for p in rules.teams.people if p.slack}
    targets = (
        [settings.leadership_channel]
        if settings.leadership_channel
        else [people[p] for p in rules.teams.leadership if p in people]
    )
    period = f"{digest.period}:leadership"  # its own exactly-once slot beside a manager's
    sights = services.sight(Audience())
    outcomes = []
    for target in targets:
        audience = _leadership_audience(services, client, target)
        shown = redact_leadership(replace(sights, audience=audience), digest)
        blocks, text = leadership_digest_blocks(shown), leadership_text(shown)
        parcel = Parcel(target, period, text, blocks)
        sent = send_parcel(
            services, client, parcel, label="leadership", owner=owner, pacer=pacer,
            blocked=blocked,
        )  # fmt: skip
        outcomes.append(_outcome("leadership", digest.period, sent))
    return outcomes


def _leadership_audience(services: Services, client: WebClient, target: str) -> Audience:
    """A leader reading their DM (a Slack user id), or everybody in the leadership channel:
    a channel shows restricted details only where the source allows (``unfurl: full``) and
    never when it is shared with another organisation."""
    rules = services.rules()
    person = next((p.id for p in rules.teams.people if p.slack == target), None)
    if person is not None:
        return Audience.person(Viewer.of(person, rules.teams))
    if not services.some_source_unfurls_full():
        return Audience.channel(shared=False)
    return Audience.channel(shared=is_shared_channel(client, target))


def _items(store: Store, rules: Rules, now: datetime) -> list[DigestItem]:
    directory = Directory.build(rules.teams)
    cards = rank_orphans(
        store.load_score_cards(orphans_only=True), threshold=rules.scoring.surfacing_threshold
    )
    flags = store.load_flags()
    items = []
    for card in cards:
        issue = store.load_issue(card.issue_uid)
        if issue is not None:
            item = digest_item(card, issue, directory=directory, now=now)
            notes = tuple(
                f"{directory.name_of_person(f.person_id)}: {f.note}"
                for f in flags.get(card.issue_uid, ())
                if f.note
            )
            items.append(replace(item, flag_notes=notes))
    return items


def dupe_pairs(store: Store, now: datetime) -> list[DupePair]:
    """Near-duplicate pairs found in the week before ``now``, as the digests show them."""
    return [
        DupePair(
            one=_side(row, "a"),
            other=_side(row, "b"),
            score=row["score"],
            matched=tuple(json.loads(row["matched"])),
            found_at=datetime.fromisoformat(row["found_at"]),
        )
        for row in store.pairs_found_since(now - NEW_FOR)
    ]


def _side(row: dict[str, Any], s: str) -> IssueSide:
    return IssueSide(
        uid=row[s],
        key=row[f"{s}_key"],
        title=row[f"{s}_title"],
        url=row[f"{s}_url"],
        team=row[f"{s}_team"],
        is_open=row[f"{s}_state"] == "open",
    )


def _decisions(store: Store) -> list[Decision]:
    return [
        Decision(
            manager=row["manager"],
            issue_uid=row["issue_uid"],
            kind=DecisionKind(row["kind"]),
            at=datetime.fromisoformat(row["at"]),
            score=row["score"],
            until=datetime.fromisoformat(row["until"]) if row["until"] else None,
            undone=row["undone_at"] is not None,
        )
        for row in store.decisions()
    ]


def _claims(store: Store) -> list[Claim]:
    return [
        Claim(
            issue_uid=row["issue_uid"],
            team=row["team"],
            manager=row["manager"],
            assignee=row["assignee"],
            at=datetime.fromisoformat(row["at"]),
        )
        for row in store.claims()
    ]
