"""What a manager's clicks in a digest do: Claim (assign in the tracker, checked; comment;
record for credit), Not ours, Snooze, and Undo of a claim or a "not ours".

A claim is recorded only after the tracker confirms the assignee; a failure changes
nothing and says why. A double click finds the claim standing and writes nothing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bot.config import Settings
from bot.core.digest import (
    DEFAULT_RULES,
    DigestItem,
    can_undo,
    digest_item,
    teams_managed_by,
)
from bot.core.identity import Directory
from bot.core.ratelimit import RetryPolicy
from bot.errors import ImpactbotError
from bot.services import Services
from bot.store import Store, open_store
from bot.trackers.github.client import GitHubClient
from bot.trackers.http import Governor
from bot.trackers.writeback import ClaimWriter, GitHubClaimWriter

WriterFor = Callable[[str], ClaimWriter | None]  # issue source → its writer (None: none)


@dataclass(frozen=True)
class ClickResult:
    ok: bool
    detail: str
    item: DigestItem | None = None


def item_for(services: Services, uid: str, now: datetime) -> DigestItem | None:
    """The digest item of issue ``uid`` as it stands now (None if unknown)."""
    rules = services.rules()
    with open_store(services.settings.db_path) as store:
        card, issue = store.load_score_card(uid), store.load_issue(uid)
    if card is None or issue is None:
        return None
    return digest_item(card, issue, directory=Directory.build(rules.teams), now=now)


def claim(
    services: Services,
    uid: str,
    *,
    manager_slack: str,
    assignee_slack: str,
    writer_for: WriterFor,
) -> ClickResult:
    """Assign the chosen engineer in the tracker, comment, and record the claim."""
    rules, now = services.rules(), services.clock()
    directory = Directory.build(rules.teams)
    manager, assignee = (
        directory.person_of_slack(manager_slack),
        directory.person_of_slack(assignee_slack),
    )
    teams = teams_managed_by(manager, rules.teams) if manager else ()
    if not manager or not teams:
        return ClickResult(False, "Only a team's manager can claim from a digest.")
    if assignee is None:
        return ClickResult(False, f"<@{assignee_slack}> is not in teams.yaml: add them first.")
    with open_store(services.settings.db_path) as store:
        if any(row["issue_uid"] == uid for row in store.claims()):
            return ClickResult(True, "Already claimed.", item_for(services, uid, now))
        issue = store.load_issue(uid)
    if issue is None:
        return ClickResult(False, "That item is no longer in impactbot's store.")
    person = next(p for p in rules.teams.people if p.id == assignee)
    handle = getattr(person, issue.author.tracker.value if issue.author else "github", None)
    writer = writer_for(issue.source)
    if writer is None or not handle:
        return ClickResult(
            False,
            f"I cannot assign {person.name} in {issue.source}: add "
            "their tracker handle in teams.yaml.",
        )
    try:
        assigned = writer.assign(issue.key, handle)
    except ImpactbotError as exc:
        return ClickResult(False, f"The tracker could not be reached: {exc}")
    if not assigned.ok:
        return ClickResult(False, assigned.detail)
    by = next(p for p in rules.teams.people if p.id == manager)
    writer.comment(issue.key, f"Claimed via Slack by {by.name} for @{handle} (impactbot).")
    with open_store(services.settings.db_path) as store, store.transaction():
        store.record_claim(
            {
                "issue_uid": uid,
                "team": teams[0],
                "manager": manager,
                "assignee": assignee,
                "at": now.isoformat(),
                "undone_at": None,
                "writer_detail": assigned.detail,
            }
        )
        store.audit(
            at=now,
            actor=store.person_ref(manager, _ref),
            action="claim",
            detail={"issue": uid, "team": teams[0]},
        )
    return ClickResult(True, assigned.detail, item_for(services, uid, now))


def decide(services: Services, uid: str, *, manager_slack: str, kind: str) -> ClickResult:
    """Record "not ours" or a snooze of ``uid`` for the manager who clicked."""
    rules, now = services.rules(), services.clock()
    manager = Directory.build(rules.teams).person_of_slack(manager_slack)
    if manager is None:
        return ClickResult(False, "Only a team's manager can decide on digest items.")
    item = item_for(services, uid, now)
    until = now + timedelta(weeks=DEFAULT_RULES.snooze_weeks) if kind == "snooze" else None
    with open_store(services.settings.db_path) as store:
        store.record_decision(
            {
                "manager": manager,
                "issue_uid": uid,
                "kind": kind,
                "at": now.isoformat(),
                "score": item.score if item else 0.0,
                "until": until.isoformat() if until else None,
                "undone_at": None,
            }
        )
    return ClickResult(True, until.strftime("%Y-%m-%d") if until else "not ours", item)


def undo(
    services: Services, uid: str, *, kind: str, manager_slack: str, writer_for: WriterFor
) -> ClickResult:
    """Take back a claim (un-assigning in the tracker) or a "not ours"."""
    rules, now = services.rules(), services.clock()
    manager = Directory.build(rules.teams).person_of_slack(manager_slack)
    if manager is None:
        return ClickResult(False, "Only the manager who decided can undo it.")
    with open_store(services.settings.db_path) as store:
        made = _made_at(store, uid, kind=kind, manager=manager)
        if made is None:
            return ClickResult(False, "There is nothing of yours to undo here.")
        if not can_undo(made, now=now):
            return ClickResult(
                False,
                "Too late to undo from the digest: "
                f"undo works for {DEFAULT_RULES.undo_hours} hours.",
            )
        if kind == "not_ours":
            store.undo_decision(manager, uid, "not_ours", now)
            return ClickResult(True, "undone", item_for(services, uid, now))
        taken = store.undo_claim(uid, now)
        issue = store.load_issue(uid)
    if taken and issue is not None:
        person = next((p for p in rules.teams.people if p.id == taken["assignee"]), None)
        writer = writer_for(issue.source)
        if person is not None and person.github and writer is not None:
            writer.unassign(issue.key, person.github)
    return ClickResult(True, "undone", item_for(services, uid, now))


def _made_at(store: Store, uid: str, *, kind: str, manager: str) -> datetime | None:
    """When ``manager``'s standing claim or "not ours" on ``uid`` was made."""
    if kind == "not_ours":
        rows = [
            r
            for r in store.decisions()
            if r["issue_uid"] == uid
            and r["manager"] == manager
            and r["kind"] == "not_ours"
            and r["undone_at"] is None
        ]
    else:
        rows = [r for r in store.claims() if r["issue_uid"] == uid and r["manager"] == manager]
    return datetime.fromisoformat(rows[-1]["at"]) if rows else None


def github_writer_for(settings: Settings) -> WriterFor:
    """Claim write-back to the configured GitHub (issues of other sources: none yet)."""
    token = settings.github_token.get_secret_value() if settings.github_token else ""

    def writer_for(source: str) -> ClaimWriter | None:
        if not token or not source.startswith("github"):
            return None
        client = GitHubClient(
            httpx.Client(timeout=20),
            api_url=settings.github_api_url,
            graphql_url=settings.github_graphql_url,
            token=token,
            governor=Governor(policy=RetryPolicy(max_attempts=3)),
        )
        return GitHubClaimWriter(client)

    return writer_for


def _ref() -> str:
    from bot.credit_services import new_ref

    return new_ref()
