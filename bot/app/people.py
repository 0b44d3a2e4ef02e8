"""Who is who: the rules with the Slack ids learned from people's emails merged in, and the
people directory built from them — both cached, and rebuilt only when a rules file changes
or new Slack ids are learned; learning those Slack ids; forgetting a person who left.

The email lookup itself (Slack's users.lookupByEmail) is the caller's:
``bot.slack.people.email_lookup`` makes one from a Slack client.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.app.results import SlackIdFill
from bot.app.rules_files import load_rules, rules_stamp
from bot.config import Settings
from bot.core.identity import Directory
from bot.core.rules import Rules
from bot.errors import ImpactbotError
from bot.store import open_store

Clock = Callable[[], datetime]

#: A miss (no Slack account with that email yet) is asked again after this long.
ASK_AGAIN_AFTER = timedelta(days=7)

#: Emails → (the Slack id of the first that belongs to an active human, or None; the email
#: that answered, else the first).
EmailLookup = Callable[[tuple[str, ...]], tuple[str | None, str]]


class ForgetError(ImpactbotError):
    """A person who cannot be forgotten (teams.yaml still names them)."""


def new_ref() -> str:
    """A random, meaningless reference for a person's ledger rows."""
    return "p-" + secrets.token_hex(6)


class People:
    """The rules and the people directory of one configuration, cached per rules stamp (each
    rules file's mtime and size) and per version of the learned Slack ids: a long-running
    bot answers many requests between edits, and each reads them several times."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cached: tuple[object, Rules, Directory] | None = None
        self._learned_slack: dict[str, str] | None = None
        self._lock = threading.Lock()

    def rules(self) -> Rules:
        """The validated rules, re-read only when a rules file changed."""
        return self._current()[1]

    def directory(self) -> Directory:
        """The people directory of the current rules, built once per rules version."""
        return self._current()[2]

    def directory_for(self, rules: Rules) -> Directory:
        """The directory of ``rules``: the cached one when they are the cached rules."""
        cached = self._cached
        if cached is not None and cached[1] is rules:
            return cached[2]
        return Directory.build(rules.teams)

    def _current(self) -> tuple[object, Rules, Directory]:
        stamp = rules_stamp(self.settings.rules_dir)
        cached = self._cached
        if cached is None or cached[0] != stamp:
            rules = with_slack_ids(load_rules(self.settings.rules_dir), self.learned_slack_ids())
            cached = (stamp, rules, Directory.build(rules.teams))
            with self._lock:
                self._cached = cached
        return cached

    def learned_slack_ids(self) -> dict[str, str]:
        """Slack ids found from people's emails (see ``fill_slack_ids``),
        read once per process and kept up to date by ``remember_slack_ids``."""
        if self._learned_slack is None:
            learned: dict[str, str] = {}
            if self.settings.db_path.exists():
                with open_store(self.settings.db_path) as store:
                    learned = store.people.slack_ids()
            self._learned_slack = learned
        return self._learned_slack

    def remember_slack_ids(self, learned: dict[str, str]) -> None:
        """Use newly learned Slack ids from now on (the rules are merged again)."""
        with self._lock:
            self._learned_slack = {**self.learned_slack_ids(), **learned}
            self._cached = None

    def fill_slack_ids(self, look_up: EmailLookup, now: datetime) -> SlackIdFill:
        """Find the Slack id of every person teams.yaml gives emails but no ``slack:`` with
        ``look_up``, and use them from now on. Lookups are remembered in the store, misses
        asked again after ``ASK_AGAIN_AFTER``; a person whose emails all miss is listed in
        ``missing``."""
        with open_store(self.settings.db_path) as store:
            asked_before = store.people.slack_lookups()
        found: dict[str, str] = {}
        missing: list[str] = []
        asked = 0
        for person in load_rules(self.settings.rules_dir).teams.people:
            if person.slack or not person.emails:
                continue
            before = asked_before.get(person.id)
            settled = before is not None and (before[1] or now - before[2] < ASK_AGAIN_AFTER)
            if settled and before is not None and before[0] in person.emails:
                continue
            asked += 1
            slack_id, email = look_up(person.emails)
            with open_store(self.settings.db_path) as store, store.transaction():
                store.people.record_slack_lookup(person.id, email, slack_id, now)
            if slack_id:
                found[person.id] = slack_id
            else:
                missing.append(person.id)
        if found:
            self.remember_slack_ids(found)
        return SlackIdFill(asked, found, tuple(missing))

    def forget(self, person: str, now: datetime) -> str | None:
        """Pseudonymise a person who left (refused while teams.yaml still names them); ledger
        sums and team totals stay intact. Returns their ledger reference, if they had one.
        The caller rescores: score cards name flaggers."""
        rules = self.rules()
        if any(p.id == person for p in rules.teams.people):
            raise ForgetError(
                f"{person!r} is still in teams.yaml: remove them there first, then forget them"
            )
        with open_store(self.settings.db_path) as store, store.transaction():
            ref = store.people.forget(person)
            store.audit.record(
                "cli", "people.forget", ref or "(no ledger reference)", "forgotten on request", now
            )
        return ref


def with_slack_ids(rules: Rules, learned: dict[str, str]) -> Rules:
    """``rules`` with learned Slack ids given to people teams.yaml gives none; an id
    teams.yaml already gives somebody is never given to a second person."""
    taken = {p.slack for p in rules.teams.people if p.slack}
    people = []
    for person in rules.teams.people:
        found = learned.get(person.id)
        if person.slack is None and found and found not in taken:
            person = person.model_copy(update={"slack": found})
            taken.add(found)
        people.append(person)
    teams = rules.teams.model_copy(update={"people": tuple(people)})
    return rules.model_copy(update={"teams": teams})
