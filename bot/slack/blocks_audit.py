"""Block Kit for ``/impact audit``: the audit log's newest rows, one line each (who, what,
on what, why). Pure presentation over ``bot.app.audit`` results; every recorded
string is escaped, since subjects and reasons come from people and trackers."""

from __future__ import annotations

from collections.abc import Mapping

from bot.app.results import AuditListing, AuditRow
from bot.slack.blocks_credit import person
from bot.slack.blocks_kit import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Unit,
    clip,
    escape,
    fit_blocks,
    header,
    section,
)

AUDIT_HINT = "`impactbot audit` lists every row"


def audit_blocks(
    listing: AuditListing,
    label: str,
    *,
    slack_ids: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Block]:
    """A header naming ``label`` (the period asked for), then the rows newest first, one
    section each, who acted as a mention or by teams.yaml name (``names``: person id →
    name); at most 50 blocks, the rest counted in a pointer to the CLI."""
    title = header(f"Audit log — {label}")
    if not listing.records:
        return [title, section("Nothing was recorded in this period.")]
    ids = slack_ids or {}
    rows: list[Unit] = [section(audit_line(r, ids, names)) for r in reversed(listing.records)]
    return [title, *fit_blocks(rows, MAX_MESSAGE_BLOCKS - 1, AUDIT_HINT)]


def audit_line(
    record: AuditRow, slack_ids: Mapping[str, str], names: Mapping[str, str] | None = None
) -> str:
    """``when · who · *what* subject — why``, each recorded string escaped and clipped."""
    subject = escape(clip(record.subject, 200, markup=False))
    why = escape(clip(record.detail, 500, markup=False))
    return (
        f"`{record.at:%Y-%m-%d %H:%M}` {person(record.actor, slack_ids, names)} "
        f"*{escape(record.action)}* {subject}" + (f" — {why}" if why else "")
    )
