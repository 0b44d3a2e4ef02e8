"""Who is asking: a Slack user id resolved to a person and their permissions; and Slack ids
found from the emails teams.yaml gives, for people it gives no ``slack:``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.identity import Directory
from bot.core.permissions import Viewer
from bot.core.rules import Rules
from bot.rules_files import load_rules
from bot.services import Services
from bot.store import open_store


def viewer_of(user_id: str, rules: Rules, client: WebClient) -> Viewer:
    """The ``Viewer`` for a Slack user: their person (via ``people[].slack``), the teams they
    manage, and leadership — by the list, or by membership of a leadership user group."""
    person = Directory.build(rules.teams).person_of_slack(user_id)
    in_group = any(user_id in _group_members(client, g) for g in rules.teams.leadership_groups)
    return Viewer.of(person, rules.teams, in_leadership_group=in_group)


def _group_members(client: WebClient, group: str) -> set[str]:
    try:
        response = client.usergroups_users_list(usergroup=group)
    except SlackApiError:
        return set()  # a group we cannot read grants nothing
    return set(response.get("users") or [])


#: A miss (no Slack account with that email yet) is asked again after this long.
ASK_AGAIN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class SlackIdFill:
    """What one pass of ``fill_slack_ids`` did."""

    asked: int
    found: dict[str, str]  # person id → Slack id
    missing: tuple[str, ...]  # person ids with no Slack account for their emails


def fill_slack_ids(services: Services, client: WebClient) -> SlackIdFill:
    """Find the Slack id of every person teams.yaml gives emails but no ``slack:``, with
    users.lookupByEmail (needs ``users:read.email``), and use them from now on. Lookups are
    remembered in the store, misses asked again after ``ASK_AGAIN_AFTER``; a person whose
    emails all miss is listed in ``missing``. Deleted and bot users never count."""
    now = services.clock()
    with open_store(services.settings.db_path) as store:
        asked_before = store.slack_lookups()
    found: dict[str, str] = {}
    missing: list[str] = []
    asked = 0
    for person in load_rules(services.settings.rules_dir).teams.people:
        if person.slack or not person.emails:
            continue
        before = asked_before.get(person.id)
        settled = before is not None and (before[1] or now - before[2] < ASK_AGAIN_AFTER)
        if settled and before is not None and before[0] in person.emails:
            continue
        asked += 1
        slack_id, email = _lookup(client, person.emails)
        with open_store(services.settings.db_path) as store, store.transaction():
            store.record_slack_lookup(person.id, email, slack_id, now)
        if slack_id:
            found[person.id] = slack_id
        else:
            missing.append(person.id)
    if found:
        services.remember_slack_ids(found)
    return SlackIdFill(asked, found, tuple(missing))


def _lookup(client: WebClient, emails: tuple[str, ...]) -> tuple[str | None, str]:
    """The Slack id of the first of ``emails`` that belongs to an active human."""
    for email in emails:
        try:
            user = client.users_lookupByEmail(email=email).get("user") or {}
        except SlackApiError as exc:
            if exc.response.get("error") == "users_not_found":
                continue
            raise
        if user.get("id") and not user.get("deleted") and not user.get("is_bot"):
            return str(user["id"]), email
    return None, emails[0]
