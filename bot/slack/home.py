"""App Home: your credit, your flags, your team's top orphans — redacted by your sight."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.app.privacy import redact_ranked, redact_report
from bot.app.services import Services
from bot.core.permissions import Audience
from bot.errors import ImpactbotError
from bot.slack import blocks
from bot.slack.answers import SLACK_LINES, unknown_person
from bot.slack.people import Asker

HOME_ORPHANS = 5


def build_home(services: Services, client: WebClient, user_id: str) -> dict[str, Any]:
    """The Home view of ``user_id`` (a notice for people the identity map lacks)."""
    asker = Asker.of(user_id, services, client)
    if asker.person_id is None:
        return {"type": "home", "blocks": blocks.notice_blocks(unknown_person(user_id))}
    person = next(p for p in asker.rules.teams.people if p.id == asker.person_id)
    teams = asker.directory.teams_of_person(person.id)
    sight = services.sight(Audience.person(asker.viewer))
    try:
        credit = redact_report(sight, services.credit_report(person=person.id, limit=SLACK_LINES))
    except ImpactbotError:
        credit = None  # e.g. nothing scored yet: show the rest
    orphans = services.orphans(team=teams[0], limit=HOME_ORPHANS) if teams else []
    return blocks.home_view(
        person_name=person.name,
        credit=credit,
        flags=services.flags_of(person.id, sight),
        team_orphans=redact_ranked(sight, orphans),
    )
