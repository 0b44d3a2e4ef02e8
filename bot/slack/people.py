"""Who is asking: a Slack user id resolved to a person and their permissions; and the Slack
side of finding Slack ids from the emails teams.yaml gives (``bot.app.people`` keeps what
was learned)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from weakref import WeakKeyDictionary

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app.people import EmailLookup
from bot.app.services import Services
from bot.core.identity import Directory
from bot.core.permissions import Viewer
from bot.core.rules import Rules

log = logging.getLogger("impactbot.slack")

#: How long a leadership user group's members are trusted before they are looked up again.
GROUP_TTL = timedelta(minutes=5)


def viewer_of(
    user_id: str, rules: Rules, client: WebClient, *, directory: Directory | None = None
) -> Viewer:
    """The ``Viewer`` for a Slack user: their person (via ``people[].slack``), the teams they
    manage, and leadership — by the list, or by membership of a leadership user group (see
    ``GroupMembers``: cached, retried, failures logged; not asked when the list says so)."""
    person = (directory or Directory.build(rules.teams)).person_of_slack(user_id)
    listed = person is not None and person in rules.teams.leadership
    in_group = not listed and _in_leadership_group(user_id, rules, client)
    return Viewer.of(person, rules.teams, in_leadership_group=in_group)


def _in_leadership_group(user_id: str, rules: Rules, client: WebClient) -> bool:
    groups = rules.teams.leadership_groups
    return bool(groups) and any(user_id in group_members_of(client).members(g) for g in groups)


class Asker:
    """Who sent one request, with the rules and people directory read once for all of it.

    ``person_id`` needs the directory alone; ``viewer`` (for permission checks) may ask Slack
    for the leadership user groups, so it is worked out on first use, and once."""

    def __init__(
        self, user_id: str, rules: Rules, client: WebClient, directory: Directory | None = None
    ) -> None:
        self.user_id, self.rules, self._client = user_id, rules, client
        self.directory = directory or Directory.build(rules.teams)

    @classmethod
    def of(cls, user_id: str, services: Services, client: WebClient) -> Asker:
        """The asker, with the rules and the (cached) directory read once from ``services``."""
        rules = services.rules()
        return cls(user_id, rules, client, services.people.directory_for(rules))

    @property
    def person_id(self) -> str | None:
        return self.directory.person_of_slack(self.user_id)

    @cached_property
    def viewer(self) -> Viewer:
        return viewer_of(self.user_id, self.rules, self._client, directory=self.directory)


class GroupMembers:
    """Members of Slack user groups, looked up with usergroups.users.list at most once per
    group per ``ttl``. A failed lookup is retried after ``backoff``, then twice that, up to
    ``attempts`` tries; if every try fails the failure is logged and the last members known
    are used (none if the group was never read: a group we cannot read grants nothing).
    Thread-safe: one lookup at a time, so concurrent requests share it."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: timedelta = GROUP_TTL,
        attempts: int = 3,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl.total_seconds()
        self._attempts, self._backoff = attempts, backoff
        self._sleep, self._clock = sleep, clock
        self._known: dict[str, tuple[float, frozenset[str]]] = {}  # group → (read at, members)
        self._lock = threading.Lock()

    def members(self, group: str) -> frozenset[str]:
        with self._lock:
            known = self._known.get(group)
            if known is not None and self._clock() - known[0] < self._ttl:
                return known[1]
            found = self._look_up(group)
            if found is None:
                return known[1] if known else frozenset()
            self._known[group] = (self._clock(), found)
            return found

    def _look_up(self, group: str) -> frozenset[str] | None:
        """The group's members, or None when every attempt failed (logged)."""
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._client.usergroups_users_list(usergroup=group)
                return frozenset(response.get("users") or [])
            except (SlackApiError, OSError) as exc:
                error = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
                if attempt == self._attempts:
                    log.warning(
                        "leadership group %s could not be read after %d attempts (%s): "
                        "using the members last known",
                        group,
                        attempt,
                        error,
                    )
                    return None
                self._sleep(self._backoff * 2 ** (attempt - 1))
        return None


#: One membership cache per Slack client (each App has one), so that every listener asking
#: "is this person leadership?" shares it without carrying it around.
_GROUPS: WeakKeyDictionary[WebClient, GroupMembers] = WeakKeyDictionary()
_GROUPS_LOCK = threading.Lock()


def group_members_of(client: WebClient) -> GroupMembers:
    """The ``GroupMembers`` cache of ``client`` (made on first use)."""
    with _GROUPS_LOCK:
        found = _GROUPS.get(client)
        if found is None:
            found = _GROUPS[client] = GroupMembers(client)
        return found


def email_lookup(client: WebClient) -> EmailLookup:
    """Slack's users.lookupByEmail (needs ``users:read.email``) as the lookup
    ``bot.app.people.People.fill_slack_ids`` asks for."""
    return lambda emails: _lookup(client, emails)


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
