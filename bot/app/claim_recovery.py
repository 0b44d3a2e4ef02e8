"""Claims left unfinished by a process that died between reserving a claim and writing it to
the tracker are reconciled with the tracker once their lease has run out, never left
standing. ``serve``'s scheduler runs this at start-up and every few minutes.

What the tracker says decides:

- the claimed person is assigned there → the claim is kept and its comment finished (the
  comment is looked for first, by its marker, so it is never posted twice);
- nobody is assigned → the reservation is released;
- someone else is assigned → the reservation is released and the manager who claimed is told.

Each of these writes an audit row (actor ``impactbot``). When the tracker cannot be read, the
claim waits for the next run with its lease extended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.app.claims import CLAIM_LEASE, WriterFor, finish_comment, handle_in
from bot.app.services import Services
from bot.core.models import Issue
from bot.core.rules_teams import Person
from bot.errors import ImpactbotError
from bot.store import open_store
from bot.store.claims import ASSIGNED, ClaimRow
from bot.trackers.writeback import ClaimWriter

log = logging.getLogger("impactbot.claims")

#: Says ``text`` to the person with this Slack id (a DM); failures are the caller's to log.
Tell = Callable[[str, str], None]
ACTOR = "impactbot"


@dataclass(frozen=True)
class Reconciled:
    """What reconciling one claim did: ``kept``, ``released`` or ``unchecked`` (the
    tracker could not be read: tried again after the lease)."""

    issue_uid: str
    outcome: str
    detail: str


def reconcile_claims(
    services: Services, writer_for: WriterFor, tell: Tell, *, now: datetime | None = None
) -> list[Reconciled]:
    """Reconcile every claim whose lease ended at or before ``now`` (default: the clock).
    Two processes running this at once reconcile each claim once."""
    now = now or services.clock()
    with open_store(services.settings.db_path) as store:
        expired = store.claims.expired_leases(now)
    done = [_reconcile(services, writer_for, tell, row, now) for row in expired]
    return [r for r in done if r is not None]


def _reconcile(
    services: Services, writer_for: WriterFor, tell: Tell, row: ClaimRow, now: datetime
) -> Reconciled | None:
    uid, at = row.issue_uid, row.at
    with open_store(services.settings.db_path) as store, store.transaction():
        if not store.claims.take_lease(uid, at, now=now, until=now + CLAIM_LEASE):
            return None  # another process took it first
        issue = store.issues.get(uid)
    person = next((p for p in services.rules().teams.people if p.id == row.assignee), None)
    writer = writer_for(issue.source) if issue is not None else None
    handle = handle_in(person, issue, services.rules()) if person and issue else None
    if issue is None or person is None or writer is None or not handle:
        why = "the issue, the person or the tracker's credentials are gone: it cannot be checked"
        return _release(services, row, now, why)
    try:
        there = writer.assignees(issue.key)
    except ImpactbotError as exc:
        log.warning("claim of %s not reconciled yet: %s", uid, exc)
        return Reconciled(uid, "unchecked", f"the tracker could not be read: {exc}")
    if _fold(handle) in {_fold(h) for h in there}:
        return _keep(services, writer, issue, handle, row, now)
    if not there:
        return _release(services, row, now, f"nobody is assigned in {issue.key}")
    others = ", ".join(there)
    released = _release(services, row, now, f"{issue.key} is assigned to {others} instead")
    _tell_manager(services, tell, row, _released_text(issue, person, others))
    return released


def _keep(
    services: Services,
    writer: ClaimWriter,
    issue: Issue,
    handle: str,
    row: ClaimRow,
    now: datetime,
) -> Reconciled:
    uid, at = row.issue_uid, row.at
    detail = f"{handle} is assigned in {issue.key}: claim kept, comment finished"
    with open_store(services.settings.db_path) as store, store.transaction():
        store.claims.advance(uid, at, ASSIGNED)
        store.audit.record(ACTOR, "claim.lease_kept", uid, f"lease ran out; {detail}", now)
    note = finish_comment(services, writer, issue.key, handle, row, look_first=True)
    return Reconciled(uid, "kept", detail + note)


def _release(services: Services, row: ClaimRow, now: datetime, why: str) -> Reconciled:
    uid, at = row.issue_uid, row.at
    detail = f"lease ran out; {why}: claim released"
    with open_store(services.settings.db_path) as store, store.transaction():
        store.claims.delete(uid, at)
        store.audit.record(ACTOR, "claim.lease_released", uid, detail, now)
    return Reconciled(uid, "released", detail)


def _released_text(issue: Issue, person: Person, others: str) -> str:
    return (
        f"Your claim of {issue.key} ({issue.title}) for {person.name} did not go through: "
        f"the tracker lists {others} as assignee, so I released the claim. Claim it again "
        "from the digest if it is still yours to do."
    )


def _tell_manager(services: Services, tell: Tell, row: ClaimRow, text: str) -> None:
    manager = next((p for p in services.rules().teams.people if p.id == row.manager), None)
    if manager is None or not manager.slack:
        log.warning("cannot tell the manager of claim %s: no Slack id", row.issue_uid)
        return
    tell(manager.slack, text)


def _fold(handle: str) -> str:
    return handle.strip().removeprefix("@").casefold()
