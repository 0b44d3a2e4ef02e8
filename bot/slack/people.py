"""Who is asking: a Slack user id resolved to a person and their permissions."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.identity import Directory
from bot.core.permissions import Viewer
from bot.core.rules import Rules


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
