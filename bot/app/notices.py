"""Credit notices: when credit is minted, the people credited hear what for, and — where
credit.yaml asks for confirmation — the benefiting teams' managers are asked to confirm.

Each entry is announced once: it is marked before its message is posted, so a crash in
between loses that notice rather than sending it twice (a notice is a courtesy; the ledger
is the record).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.services import Services
from bot.core.beneficiaries import display_key
from bot.core.credit import CreditEntry
from bot.core.digest import managers_of
from bot.core.permissions import PRIVATE_ISSUE, Audience, Viewer
from bot.core.rules import TeamsRules
from bot.slack.blocks_credit_notice import Ask, confirm_blocks, confirm_text, thanks_text
from bot.slack.delivery import Pacer
from bot.store import open_store

log = logging.getLogger("impactbot.notices")


def send_credit_notices(
    services: Services, client: WebClient, *, now: datetime, pacer: Pacer | None = None
) -> int:
    """Announce every unannounced mint; returns how many messages went out: one thanks per
    person credited, and one confirmation request per manager whose teams' credit waits for
    them (not one per item and team). Each message's entries are marked just before it is
    posted; a refused message is logged and skipped."""
    pacer = pacer or Pacer()
    rules = services.rules()
    slack = {p.id: p.slack for p in rules.teams.people if p.slack}
    with open_store(services.settings.db_path) as store:
        fresh = store.unnoticed_mints()
        titles = {e.issue_uid: _title(store.load_issue(e.issue_uid)) for _, e in fresh}
    by_person: dict[str, list[tuple[int, CreditEntry]]] = defaultdict(list)
    for entry_id, entry in fresh:
        by_person[entry.person_id].append((entry_id, entry))
    sights = services.sight(Audience())  # each recipient reads what the privacy rule allows

    def titles_for(person: str) -> dict[str, str]:
        sight = replace(sights, audience=Audience.person(Viewer.of(person, rules.teams)))
        return {
            uid: title if sight.sees(uid) else f"{display_key(uid)} — {PRIVATE_ISSUE}"
            for uid, title in titles.items()
        }

    sent = 0
    for person, lines in by_person.items():
        entries = [e for _, e in lines]
        sent += _announce(
            services,
            client,
            pacer,
            [i for i, _ in lines],
            now,
            channel=slack.get(person),
            text=thanks_text(entries, titles_for(person)),
        )
    for manager, asks in _asks_by_manager(fresh, titles, rules.teams).items():
        shown = titles_for(manager)
        asks = [replace(ask, title=shown.get(ask.issue_uid, ask.title)) for ask in asks]
        sent += _announce(
            services,
            client,
            pacer,
            [],
            now,
            channel=slack.get(manager),
            text=confirm_text(asks),
            blocks=confirm_blocks(asks),
        )
    return sent


def _announce(
    services: Services,
    client: WebClient,
    pacer: Pacer,
    entry_ids: list[int],
    now: datetime,
    *,
    channel: str | None,
    text: str,
    blocks: list[dict[str, object]] | None = None,
) -> int:
    """Mark ``entry_ids`` announced, then post (1), or not when nobody can be reached (0)."""
    with open_store(services.settings.db_path) as store, store.transaction():
        store.mark_noticed(entry_ids, now)
    if channel is None:
        return 0
    try:
        pacer.wait()
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("credit notice to %s not sent: %s", channel, exc.response.get("error"))
        return 0
    return 1


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
