"""Credit notices: when credit is minted, the people credited hear what for, and — where
credit.yaml asks for confirmation — the benefiting teams' managers are asked to confirm.

Each entry is announced once: it is marked before its message is posted, so a crash in
between loses that notice rather than sending it twice (a notice is a courtesy; the ledger
is the record).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.app.results import Ask
from bot.app.services import Services
from bot.core.beneficiaries import display_key
from bot.core.credit import CreditEntry
from bot.core.digest import managers_of
from bot.core.permissions import PRIVATE_ISSUE, Audience, Viewer
from bot.core.rules_teams import TeamsRules
from bot.store import open_store


class NoticeSender(Protocol):
    """What credit notices ask of the messaging side (``bot.slack.sender.SlackSender``):
    each returns whether the message went out (a refusal is logged there, not raised)."""

    def thank(self, channel: str, entries: list[CreditEntry], titles: dict[str, str]) -> bool:
        """Thank one credited person for ``entries`` (``titles``: issue uid → title)."""
        ...

    def ask_to_confirm(self, channel: str, asks: list[Ask]) -> bool:
        """Ask one manager to confirm the credit waiting for their teams."""
        ...


def send_credit_notices(services: Services, sender: NoticeSender, *, now: datetime) -> int:
    """Announce every unannounced mint; returns how many messages went out: one thanks per
    person credited, and one confirmation request per manager whose teams' credit waits for
    them (not one per item and team). Each message's entries are marked just before it is
    posted; a refused message is logged and skipped."""
    rules = services.rules()
    slack = {p.id: p.slack for p in rules.teams.people if p.slack}
    with open_store(services.settings.db_path) as store:
        fresh = store.ledger.unnoticed_mints()
        titles = {e.issue_uid: _title(store.issues.get(e.issue_uid)) for _, e in fresh}
    by_person: dict[str, list[tuple[int, CreditEntry]]] = defaultdict(list)
    for entry_id, entry in fresh:
        by_person[entry.person_id].append((entry_id, entry))
    titles_for = _titles_for(services, titles, rules.teams)
    sent = 0
    for person, lines in by_person.items():
        _mark(services, [i for i, _ in lines], now)
        channel, entries = slack.get(person), [e for _, e in lines]
        if channel is not None and sender.thank(channel, entries, titles_for(person)):
            sent += 1
    for manager, asks in _asks_by_manager(fresh, titles, rules.teams).items():
        shown = titles_for(manager)
        asks = [replace(ask, title=shown.get(ask.issue_uid, ask.title)) for ask in asks]
        channel = slack.get(manager)
        if channel is not None and sender.ask_to_confirm(channel, asks):
            sent += 1
    return sent


def _titles_for(
    services: Services, titles: dict[str, str], teams: TeamsRules
) -> Callable[[str], dict[str, str]]:
    """Each recipient's titles: what the privacy rule lets them read, else key alone."""
    sights = services.sight(Audience())

    def titles_for(person: str) -> dict[str, str]:
        sight = replace(sights, audience=Audience.person(Viewer.of(person, teams)))
        return {
            uid: title if sight.sees(uid) else f"{display_key(uid)} — {PRIVATE_ISSUE}"
            for uid, title in titles.items()
        }

    return titles_for


def _mark(services: Services, entry_ids: list[int], now: datetime) -> None:
    """Mark ``entry_ids`` announced, before the message is posted (never twice)."""
    with open_store(services.settings.db_path) as store, store.transaction():
        store.ledger.mark_noticed(entry_ids, now)


def _title(issue: object) -> str:
    key, title = getattr(issue, "key", "?"), getattr(issue, "title", "")
    return f"{key} — {title}" if title else str(key)


def _asks_by_manager(
    fresh: list[tuple[int, CreditEntry]], titles: dict[str, str], teams: TeamsRules
) -> dict[str, list[Ask]]:
    """Per manager, the pending items their teams benefit from, each once with those teams."""
    asks: dict[str, list[Ask]] = defaultdict(list)
    for entry in _needing_confirmation(fresh):
        helped: dict[str, list[str]] = defaultdict(list)
        for team in entry.beneficiaries:
            for manager in managers_of(team, teams):
                helped[manager].append(team)
        for manager, their_teams in helped.items():
            asks[manager].append(Ask(entry.issue_uid, titles[entry.issue_uid], tuple(their_teams)))
    return asks


def _needing_confirmation(fresh: list[tuple[int, CreditEntry]]) -> list[CreditEntry]:
    """One entry per pending closure (the managers confirm the item, not each share)."""
    seen: dict[tuple[str, str], CreditEntry] = {}
    for _, entry in fresh:
        if entry.pending:
            seen.setdefault((entry.issue_uid, entry.closure), entry)
    return list(seen.values())
