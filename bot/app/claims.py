"""What a manager's clicks in a digest do: Claim (assign in the tracker, checked; comment;
record for credit), Not ours, Snooze, and Undo of a claim or a "not ours".

A claim is reserved before the tracker is written (so two clicks make one claim), kept only
once the tracker confirms the assignee, and finished with a comment; a failure drops the
reservation and says why. A double click finds the claim standing and writes nothing again.
The reservation is a lease (``CLAIM_LEASE``): if the process dies before finishing,
``bot.app.claim_recovery`` reconciles the claim with the tracker once the lease has run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app.context import HttpFor
from bot.app.people import new_ref
from bot.app.results import ClickResult
from bot.app.services import Services
from bot.core.claiming import check_claim
from bot.core.digest import DEFAULT_RULES, DigestItem, digest_item, teams_managed_by
from bot.core.digest_routing import Decision, DecisionKind, can_undo
from bot.core.identity import Directory, handle_field
from bot.core.models import Issue, TrackerKind
from bot.core.rules import Rules
from bot.core.rules_teams import Person
from bot.errors import ConfigurationError, ImpactbotError
from bot.store import open_store
from bot.store.claims import ASSIGNED, DONE, RESERVED, ClaimRow
from bot.store.ports import UnitOfWork
from bot.trackers import registry
from bot.trackers.registry import Credentials
from bot.trackers.writeback import ClaimWriter, WriteResult, claim_marker

log = logging.getLogger("impactbot.claims")

WriterFor = Callable[[str], ClaimWriter | None]  # issue source → its writer (None: none)

#: How long a click may take to write its claim to the tracker (three attempts with backoff,
#: each within the HTTP timeout) before its reservation is presumed left by a dead process
#: and reconciled with the tracker (``bot.app.claim_recovery``).
CLAIM_LEASE = timedelta(minutes=10)


def item_for(services: Services, uid: str, now: datetime) -> DigestItem | None:
    """The digest item of issue ``uid`` as it stands now (None if unknown)."""
    rules = services.rules()
    with open_store(services.settings.db_path) as store:
        card, issue = store.scores.load(uid), store.issues.get(uid)
    if card is None or issue is None:
        return None
    return digest_item(card, issue, directory=services.directory_for(rules), now=now)


def claim(
    services: Services,
    uid: str,
    *,
    manager_slack: str,
    assignee_slack: str,
    writer_for: WriterFor,
) -> ClickResult:
    """Reserve the claim, assign the engineer in the tracker (checked), comment, keep it — or
    drop the reservation and say why. Reserved before any tracker write: two clicks, one claim."""
    rules, now = services.rules(), services.clock()
    directory = services.directory_for(rules)
    found = _claimants(rules, directory, manager_slack, assignee_slack)
    if isinstance(found, ClickResult):
        return found
    manager, assignee = found
    with open_store(services.settings.db_path) as store:
        issue = store.issues.get(uid)
    if issue is None:
        return ClickResult(False, "That item is no longer in impactbot's store.")
    item = item_for(services, uid, now)
    checked = check_claim(manager, assignee, item or _unscored(issue, directory), directory)
    if checked.team is None:
        refusal = checked.refusal or "You cannot claim this item."
        _audit(services, manager, "claim.refused", uid, refusal, now)
        return ClickResult(False, refusal)
    person = next(p for p in rules.teams.people if p.id == assignee)
    handle = handle_in(person, issue, rules)
    writer = writer_for(issue.source)
    if writer is None or not handle:
        where = f"{person.name} in {issue.source}"
        return ClickResult(
            False, f"I cannot assign {where}: add their tracker handle in teams.yaml."
        )
    row = _reservation(issue, checked.team, manager, assignee, handle, now)
    standing = _reserve(services, row)
    if standing is not None:
        who = _slack_of(rules, standing.assignee)
        return ClickResult(True, "Already claimed.", item, assignee_slack=who)
    return _write_claim(services, writer, issue.key, handle, row, item, assignee_slack)


def _claimants(
    rules: Rules, directory: Directory, manager_slack: str, assignee_slack: str
) -> tuple[str, str] | ClickResult:
    """The manager who clicked and the engineer they chose, or why the click is refused."""
    manager = directory.person_of_slack(manager_slack)
    assignee = directory.person_of_slack(assignee_slack)
    if not manager or not teams_managed_by(manager, rules.teams):
        return ClickResult(False, "Only a team's manager can claim from a digest.")
    if assignee is None:
        return ClickResult(False, f"<@{assignee_slack}> is not in teams.yaml: add them first.")
    return manager, assignee


def _reservation(
    issue: Issue, team: str, manager: str, assignee: str, handle: str, now: datetime
) -> ClaimRow:
    """The claim row reserving ``issue`` for ``assignee`` until the tracker confirms."""
    already = any(a.handle.casefold() == handle.casefold() for a in issue.assignees)
    return ClaimRow(
        issue_uid=issue.uid,
        team=team,
        manager=manager,
        assignee=assignee,
        at=now,
        writer_detail="already assigned" if already else "assigned by impactbot",
        state=RESERVED,  # a lease: a process that dies before finishing is reconciled
        lease_until=now + CLAIM_LEASE,
    )


def _reserve(services: Services, row: ClaimRow) -> ClaimRow | None:
    """Record ``row`` unless a claim stands on its issue (then that claim, unchanged): in one
    transaction, so two clicks at once make one claim."""
    uid = row.issue_uid
    with open_store(services.settings.db_path) as store, store.transaction():
        standing = store.claims.standing(uid)
        if standing is None:
            store.claims.record(row)
    return standing


def _unscored(issue: Issue, directory: Directory) -> DigestItem:
    """An issue not scored yet, as far as claiming needs it: its owners, no beneficiaries."""
    owned = directory.ownership(issue)
    return DigestItem(
        issue_uid=issue.uid,
        key=issue.key,
        title=issue.title,
        url=issue.url,
        score=0.0,
        orphan_score=0.0,
        reasons=(),
        benefiting=(),
        owner_team=owned.team,
        waited_days=0,
        cost_of_delay=0.0,
        owner_candidates=owned.candidates,
    )


def _write_claim(
    services: Services,
    writer: ClaimWriter,
    key: str,
    handle: str,
    row: ClaimRow,
    item: DigestItem | None,
    assignee_slack: str,
) -> ClickResult:
    """The tracker half of a claim; the reservation goes if the assignment does not take."""
    try:
        assigned = writer.assign(key, handle)
    except ImpactbotError as exc:
        log.warning("claim write-back of %s failed: %s", key, exc)
        assigned = WriteResult(
            False, "the tracker could not be reached (details in impactbot's log)"
        )
    uid, at = row.issue_uid, row.at
    with open_store(services.settings.db_path) as store, store.transaction():
        if not assigned.ok:
            store.claims.delete(uid, at)
            manager = store.ledger.person_ref(row.manager, _ref)
            store.audit.record(manager, "claim.failed", uid, assigned.detail, at)
            return ClickResult(False, assigned.detail)
        lost = not store.claims.advance(uid, at, ASSIGNED)
        standing = store.claims.standing(uid)
        if lost and standing is not None and standing.at == row.at:
            # The lease ran out while the tracker was slow, and the claim check found the
            # assignee there: it kept the claim and finishes it.
            return ClickResult(True, assigned.detail, item, assignee_slack=assignee_slack)
        if not lost:
            actor = store.ledger.person_ref(row.manager, _ref)
            why = f"claimed for team {row.team}: {assigned.detail}"
            store.audit.record(actor, "claim", uid, why, at)
    if lost:
        return _take_back(services, writer, key, handle, row, assigned)
    note = finish_comment(services, writer, key, handle, row)
    return ClickResult(True, assigned.detail + note, item, assignee_slack=assignee_slack)


def _take_back(
    services: Services,
    writer: ClaimWriter,
    key: str,
    handle: str,
    row: ClaimRow,
    assigned: WriteResult,
) -> ClickResult:
    """The claim was undone, or released by the claim check, while the tracker was writing
    it: take the assignment back too (if impactbot made it, and nobody claimed the issue for
    the same person since), so that no assignee is left in the tracker without a claim."""
    uid = row.issue_uid
    why = f"{assigned.detail}, but the claim was undone or released meanwhile"
    with open_store(services.settings.db_path) as store:
        again = store.claims.standing(uid)
    if row.writer_detail != "assigned by impactbot" or (
        again is not None and again.assignee == row.assignee
    ):
        return ClickResult(False, why)
    try:
        undone = writer.unassign(key, handle)
    except ImpactbotError as exc:
        undone = WriteResult(False, str(exc))
    tail = "; unassigned again" if undone.ok else f"; not unassigned: {undone.detail}"
    with open_store(services.settings.db_path) as store, store.transaction():
        store.audit.record("impactbot", "claim.taken_back", uid, why + tail, services.clock())
    return ClickResult(False, why + tail)


def finish_comment(
    services: Services,
    writer: ClaimWriter,
    key: str,
    handle: str,
    row: ClaimRow,
    *,
    look_first: bool = False,
) -> str:
    """Post the claim's comment (at most once: it carries the claim's marker) and mark the
    claim done. Best effort: the assignment is what counts, and it is done. Returns "" or
    a note saying why the comment is missing."""
    uid, at = row.issue_uid, row.at
    by = next((p.name for p in services.rules().teams.people if p.id == row.manager), "")
    text = f"Claimed via Slack by {by or 'a manager'} for @{handle} (impactbot)."
    try:
        said = writer.comment(key, text, marker=claim_marker(uid, at), look_first=look_first)
        note = "" if said.ok else f" (the comment was not posted: {said.detail})"
    except ImpactbotError as exc:
        log.warning("the claim comment on %s was not posted: %s", key, exc)
        note = " (the comment was not posted: the tracker could not be reached)"
    with open_store(services.settings.db_path) as store:
        store.claims.advance(uid, at, DONE)
    return note


def _slack_of(rules: Rules, person_id: str) -> str:
    return next((p.slack or p.id for p in rules.teams.people if p.id == person_id), person_id)


def decide(services: Services, uid: str, *, manager_slack: str, kind: str) -> ClickResult:
    """Record "not ours" or a snooze of ``uid`` for the manager who clicked."""
    rules, now = services.rules(), services.clock()
    manager = services.directory_for(rules).person_of_slack(manager_slack)
    if manager is None or not teams_managed_by(manager, rules.teams):
        return ClickResult(False, "Only a team's manager can decide on digest items.")
    item = item_for(services, uid, now)
    until = now + timedelta(weeks=DEFAULT_RULES.snooze_weeks) if kind == "snooze" else None
    why = f"snoozed until {until:%Y-%m-%d}" if until else "not ours, from the digest"
    with open_store(services.settings.db_path) as store, store.transaction():
        store.audit.record(store.ledger.person_ref(manager, _ref), kind, uid, why, now)
        store.claims.record_decision(
            Decision(manager, uid, DecisionKind(kind), now, item.score if item else 0.0, until)
        )
    return ClickResult(True, until.strftime("%Y-%m-%d") if until else "not ours", item)


def undo(
    services: Services, uid: str, *, kind: str, manager_slack: str, writer_for: WriterFor
) -> ClickResult:
    """Take back a claim (un-assigning in the tracker) or a "not ours"."""
    rules, now = services.rules(), services.clock()
    manager = services.directory_for(rules).person_of_slack(manager_slack)
    if manager is None:
        return ClickResult(False, "Only the manager who decided can undo it.")
    with open_store(services.settings.db_path) as store:
        made = _made_at(store, uid, kind=kind, manager=manager)
        if made is None:
            return ClickResult(False, "There is nothing of yours to undo here.")
        if not can_undo(made, now=now):
            hours = DEFAULT_RULES.undo_hours
            return ClickResult(
                False, f"Too late to undo from the digest: undo works for {hours} hours."
            )
        if kind == "not_ours":
            with store.transaction():
                store.claims.undo_decision(manager, uid, "not_ours", now)
                actor = store.ledger.person_ref(manager, _ref)
                store.audit.record(actor, "not_ours.undone", uid, "undone from the digest", now)
            return ClickResult(True, "undone", item_for(services, uid, now))
        standing = store.claims.standing(uid)
        issue = store.issues.get(uid)
    if standing and issue and standing.writer_detail == "assigned by impactbot":
        # Un-assign only what the bot assigned, and only then take the claim back.
        person = next((p for p in rules.teams.people if p.id == standing.assignee), None)
        writer = writer_for(issue.source)
        handle = handle_in(person, issue, rules) if person is not None else None
        if handle and writer is not None:
            undone = writer.unassign(issue.key, handle)
            if not undone.ok:
                _audit(services, manager, "claim.undo_failed", uid, undone.detail, now)
                return ClickResult(False, undone.detail)
    with open_store(services.settings.db_path) as store, store.transaction():
        store.claims.undo(uid, now)
        actor = store.ledger.person_ref(manager, _ref)
        store.audit.record(actor, "claim.released", uid, "claim undone from the digest", now)
    return ClickResult(True, "undone", item_for(services, uid, now))


def _audit(services: Services, person: str, action: str, uid: str, why: str, at: datetime) -> None:
    """One audit row on its own (for decisions that change nothing else)."""
    with open_store(services.settings.db_path) as store, store.transaction():
        store.audit.record(store.ledger.person_ref(person, _ref), action, uid, why, at)


def _made_at(store: UnitOfWork, uid: str, *, kind: str, manager: str) -> datetime | None:
    """When ``manager``'s standing claim or "not ours" on ``uid`` was made."""
    if kind == "not_ours":
        made = [
            d.at
            for d in store.claims.decisions()
            if d.issue_uid == uid and d.manager == manager and d.kind == "not_ours" and not d.undone
        ]
    else:
        made = [c.at for c in store.claims.all() if c.issue_uid == uid and c.manager == manager]
    return made[-1] if made else None


def tracker_writer_for(
    credentials: Credentials, rules: Callable[[], Rules], http_for: HttpFor
) -> WriterFor:
    """Claim write-back to the tracker each source of ``sources.yaml`` syncs from (issues
    imported from `gh` JSON go to GitHub when a token is set), over the connection pool of
    its family's credential (``http_for``, kept open). ``rules`` is read at each click, so
    an edited ``sources.yaml`` applies without a restart. A source whose credentials are
    missing has no writer: the click says so."""

    def writer_for(source: str) -> ClaimWriter | None:
        sources = rules().sources
        http = http_for(registry.kind_of(sources, source) or TrackerKind.GITHUB)
        try:
            return registry.claim_writer(credentials, sources, source, http=http)
        except ConfigurationError:
            return None

    return writer_for


def handle_in(person: Person, issue: Issue, rules: Rules) -> str | None:
    """``person``'s handle in the tracker ``issue`` lives in (from teams.yaml)."""
    kind = registry.kind_of(rules.sources, issue.source)
    if kind is None:
        kind = issue.author.tracker if issue.author else TrackerKind.GITHUB
    return handle_field(person, kind)


def _ref() -> str:
    return new_ref()
