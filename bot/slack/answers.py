"""What `/impact` answers: each parsed command → one service call → a Reply to render.

Permissions are checked here, before any query runs: engineers see their own credit,
managers their team's, leadership everyone's; a refusal is a polite ephemeral notice. Every
issue in an answer goes through the asker's ``Sight`` (``bot.app.privacy``): a restricted issue
they may not read shows its key alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.app.privacy import Sight, redact_dupes, redact_ranked, redact_report
from bot.app.services import Services
from bot.core.permissions import (
    REFUSAL,
    Audience,
    Viewer,
    may_see_everyone,
    may_see_person,
    may_see_team,
)
from bot.core.slash import (
    USAGE,
    AuditCommand,
    Command,
    CreditCommand,
    DupesCommand,
    ExportCommand,
    FlagCommand,
    HelpCommand,
    LeaderboardCommand,
    OrphansCommand,
    UsageError,
    WhyCommand,
    usage_of,
)
from bot.errors import ImpactbotError
from bot.slack import blocks, blocks_dupes
from bot.slack.blocks_audit import audit_blocks
from bot.slack.blocks_issues import private_notice
from bot.slack.blocks_kit import escape
from bot.slack.people import Asker

SLACK_LINES = 20  # credit lines shown in Slack; the totals cover every line


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer; ``upload`` is a (file name, text) to send the asker privately."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    upload: tuple[str, str] | None = None


def answer(command: Command, *, services: Services, asker: Asker) -> Reply:
    """The reply to ``command`` from ``asker``; errors the user can fix become notices.
    A usage error or help needs nobody's permissions, so it asks Slack nothing."""
    try:
        return _dispatch(command, services, asker)
    except ImpactbotError as exc:
        return notice(escape(str(exc)))


def notice(text: str) -> Reply:
    """A notice: ``text`` is mrkdwn, its user, rules and tracker strings already escaped."""
    return Reply(text=text, blocks=blocks.notice_blocks(text))


def _dispatch(command: Command, services: Services, asker: Asker) -> Reply:
    match command:
        case UsageError(message=message, usage=usage):
            return Reply(text=message, blocks=blocks.usage_blocks(message, usage))
        case HelpCommand(topic=topic):
            usage = usage_of(topic) if topic else USAGE
            return Reply(text="impactbot help", blocks=blocks.usage_blocks(None, usage))
        case FlagCommand():
            return _flag(command, services, asker)
        case WhyCommand():
            return _why(command, services, asker.viewer)
        case DupesCommand():
            return _dupes(command, services, asker.viewer)
        case OrphansCommand():
            return _orphans(command, services, asker.viewer)
        case CreditCommand():
            return _credit(command, services, asker)
        case LeaderboardCommand():
            return _leaderboard(command, services, asker.viewer)
        case ExportCommand():
            return _export(command, services, asker)
        case AuditCommand():
            return _audit(command, services, asker)
    return notice("I did not understand that; try `/impact help`.")


REFUSAL_AUDIT = "Sorry — the audit log is for leadership."


def _why(command: WhyCommand, services: Services, viewer: Viewer) -> Reply:
    explanation = services.explain(command.ref.key)
    if not _sight(services, viewer).sees(explanation.issue.uid):
        return notice(private_notice(explanation.issue.key))
    return Reply(
        text=f"Why {escape(command.ref.key)} scores {explanation.card.total:.0f}",
        blocks=blocks.score_card_blocks(explanation),
    )


def _dupes(command: DupesCommand, services: Services, viewer: Viewer) -> Reply:
    found = services.dupes(command.ref.key)
    sight = _sight(services, viewer)
    if not sight.sees(found.issue.uid):
        return notice(private_notice(found.issue.key))
    found = redact_dupes(sight, found)
    return Reply(
        text=f"What reads like {escape(found.issue.key)}",
        blocks=blocks_dupes.dupes_blocks(found),
    )


def _leaderboard(command: LeaderboardCommand, services: Services, viewer: Viewer) -> Reply:
    if not may_see_everyone(viewer):
        return notice(REFUSAL)
    board = services.leaderboard(period=command.period)
    return Reply(
        text=f"Leaderboard — {escape(command.period.label)}",
        blocks=blocks.leaderboard_blocks(board, **_people_shown(services)),
    )


def _export(command: ExportCommand, services: Services, asker: Asker) -> Reply:
    viewer, period = asker.viewer, command.period
    if not may_see_everyone(viewer):
        return notice(REFUSAL)
    by = viewer.person_id or f"slack:{asker.user_id}"
    csv_text = services.export(period=period, fmt="csv", by=by, sight=_sight(services, viewer))
    name = f"impact-{period.label.replace(' ', '-')}.csv"
    return Reply(
        text=f"Your export for {escape(period.label)} is in a direct message.",
        upload=(name, csv_text),
    )


def _audit(command: AuditCommand, services: Services, asker: Asker) -> Reply:
    if not may_see_everyone(asker.viewer):
        return notice(REFUSAL_AUDIT)
    listing = services.audit_log(since=command.period)
    people = asker.rules.teams.people
    slack_ids = {p.id: p.slack for p in people if p.slack}  # for mentions
    names = {p.id: p.name for p in people if p.name}  # for people with no Slack id to mention
    return Reply(
        text=f"Audit log — {escape(command.period.label)}",
        blocks=audit_blocks(listing, command.period.label, slack_ids=slack_ids, names=names),
    )


def _sight(services: Services, viewer: Viewer) -> Sight:
    return services.sight(Audience.person(viewer))


def _flag(command: FlagCommand, services: Services, asker: Asker) -> Reply:
    person = asker.person_id
    if person is None:
        return notice(unknown_person(asker.user_id))
    if not may_flag(services, asker.viewer, command.ref.key):
        return notice(private_notice(command.ref.key))
    added = services.flag(command.ref.key, by=person, note=command.note)
    if added:
        return notice(f"Thanks — you flagged {escape(command.ref.key)} as cross-team impact.")
    return notice(f"You had already flagged {escape(command.ref.key)}.")


def may_flag(services: Services, viewer: Viewer, key: str) -> bool:
    """Flagging makes the flagger's team a benefiting team, which may read the issue: so a
    restricted issue is flagged only by those who may read it already. Unknown keys pass
    (the flag itself says they are unknown)."""
    try:
        uid = services.uid_of(key)
    except ImpactbotError:
        return True
    return _sight(services, viewer).sees(uid)


def _orphans(command: OrphansCommand, services: Services, viewer: Viewer) -> Reply:
    if command.usergroup:
        return notice("Name the team by its id from teams.yaml, e.g. `/impact orphans asr`.")
    rows = redact_ranked(
        _sight(services, viewer), services.orphans(team=command.team, limit=command.limit)
    )
    title = f"Top orphans for {command.team}" if command.team else "Top orphaned cross-team work"
    return Reply(text=escape(title), blocks=blocks.orphans_blocks(rows, title))


def _credit(command: CreditCommand, services: Services, asker: Asker) -> Reply:
    if command.usergroup:
        return notice("Name the team by its id from teams.yaml, e.g. `/impact credit asr`.")
    viewer = asker.viewer
    if command.team:
        if not may_see_team(viewer, command.team):
            return notice(REFUSAL)
        report = services.credit_report(team=command.team, period=command.period, limit=SLACK_LINES)
        report = redact_report(_sight(services, viewer), report)
        return Reply(
            text=f"Credit of team {escape(command.team)}",
            blocks=blocks.credit_blocks(report, **_people_shown(services)),
        )
    slack_id = command.person or asker.user_id
    person = asker.directory.person_of_slack(slack_id)
    if person is None:
        return notice(unknown_person(slack_id))
    if not may_see_person(viewer, person, asker.directory):
        return notice(REFUSAL)
    report = services.credit_report(person=person, period=command.period, limit=SLACK_LINES)
    report = redact_report(_sight(services, viewer), report)
    return Reply(
        text=f"Credit of <@{slack_id}>",
        blocks=blocks.credit_blocks(report, **_people_shown(services)),
    )


def _people_shown(services: Services) -> dict[str, dict[str, str]]:
    """How credit lines show people: a Slack mention where teams.yaml (or an email lookup)
    gives a Slack id, else teams.yaml's name — never the bare person id."""
    people = services.rules().teams.people
    return {
        "slack_ids": {p.id: p.slack for p in people if p.slack},
        "names": {p.id: p.name for p in people},
    }


def unknown_person(user_id: str) -> str:
    return (
        f"I don't know who <@{user_id}> is yet: ask an impactbot admin to add that Slack id "
        f"(`{user_id}`) to `people` in rules/teams.yaml."
    )
