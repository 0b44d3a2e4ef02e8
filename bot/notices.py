"""Credit notices: when credit is minted, the people credited hear what for, and — where
credit.yaml asks for confirmation — the benefiting teams' managers are asked to confirm.

Each entry is announced once: it is marked before its message is posted, so a crash in
between loses that notice rather than sending it twice (a notice is a courtesy; the ledger
is the record).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from slack_sdk import WebClient

from bot.core.credit import CreditEntry
from bot.core.digest import managers_of
from bot.services import Services
from bot.slack.blocks_credit_notice import confirm_blocks
from bot.slack.delivery import Pacer
from bot.store import open_store


def send_credit_notices(
    services: Services, client: WebClient, *, now: datetime, pacer: Pacer | None = None
) -> int:
    """Announce every unannounced mint; returns how many messages went out."""
    pacer = pacer or Pacer()
    rules = services.rules()
    slack = {p.id: p.slack for p in rules.teams.people if p.slack}
    with open_store(services.settings.db_path) as store, store.transaction():
        fresh = store.unnoticed_mints()
        store.mark_noticed([entry_id for entry_id, _ in fresh], now)
        titles = {e.issue_uid: _title(store.load_issue(e.issue_uid)) for _, e in fresh}
    by_person: dict[str, list[CreditEntry]] = defaultdict(list)
    for _, entry in fresh:
        by_person[entry.person_id].append(entry)
    sent = 0
    for person, entries in by_person.items():
        if person in slack:
            pacer.wait()
            client.chat_postMessage(channel=slack[person], text=_thanks(entries, titles))
            sent += 1
    for entry in _needing_confirmation(fresh):
        for team in entry.beneficiaries:
            for manager in managers_of(team, rules.teams):
                if manager in slack:
                    pacer.wait()
                    client.chat_postMessage(
                        channel=slack[manager],
                        text=f"Did {titles[entry.issue_uid]} help {team}?",
                        blocks=confirm_blocks(entry.issue_uid, titles[entry.issue_uid], team),
                    )
                    sent += 1
    return sent


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
