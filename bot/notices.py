"""Credit notices: when credit is minted, the people credited hear what for, and — where
credit.yaml asks for confirmation — the benefiting teams' managers are asked to confirm.

Each entry is announced once: it is marked before its message is posted, so a crash in
between loses that notice rather than sending it twice (a notice is a courtesy; the ledger
is the record).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.credit import CreditEntry
from bot.core.digest import managers_of
from bot.services import Services
from bot.slack.blocks_credit_notice import confirm_blocks
from bot.slack.delivery import Pacer
from bot.store import open_store

log = logging.getLogger("impactbot.notices")


def send_credit_notices(
    services: Services, client: WebClient, *, now: datetime, pacer: Pacer | None = None
) -> int:
    """Announce every unannounced mint; returns how many messages went out. Each message's
    entries are marked just before it is posted; a refused message is logged and skipped."""
    pacer = pacer or Pacer()
    rules = services.rules()
    slack = {p.id: p.slack for p in rules.teams.people if p.slack}
    with open_store(services.settings.db_path) as store:
        fresh = store.unnoticed_mints()
        titles = {e.issue_uid: _title(store.load_issue(e.issue_uid)) for _, e in fresh}
    by_person: dict[str, list[tuple[int, CreditEntry]]] = defaultdict(list)
    for entry_id, entry in fresh:
        by_person[entry.person_id].append((entry_id, entry))
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
            text=_thanks(entries, titles),
        )
    for entry in _needing_confirmation(fresh):
        title = titles[entry.issue_uid]
        for team in entry.beneficiaries:
            for manager in managers_of(team, rules.teams):
                sent += _announce(
                    services,
                    client,
                    pacer,
                    [],
                    now,
                    channel=slack.get(manager),
                    text=f"Did {title} help {team}?",
                    blocks=confirm_blocks(entry.issue_uid, title, team),
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


def _thanks(entries: list[CreditEntry], titles: dict[str, str]) -> str:
    lines = [":tada: You earned cross-team impact credit:"]
    for e in entries:
        pending = " (counts once a benefiting team's manager confirms)" if e.pending else ""
        lines.append(
            f"• {e.points:.0f} points as {e.role} for {titles[e.issue_uid]}, which "
            f"helped {', '.join(e.beneficiaries)}{pending}"
        )
    return "\n".join(lines)


def _needing_confirmation(fresh: list[tuple[int, CreditEntry]]) -> list[CreditEntry]:
    """One entry per pending closure (the managers confirm the item, not each share)."""
    seen: dict[tuple[str, str], CreditEntry] = {}
    for _, entry in fresh:
        if entry.pending:
            seen.setdefault((entry.issue_uid, entry.closure), entry)
    return list(seen.values())
