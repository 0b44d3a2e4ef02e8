"""Duplicate use cases as the CLI and Slack call them: what looks like an issue, and "not a
duplicate". Mixed into ``bot.app.services.Services``; the pieces live in
``bot.app.duplicate_index``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.app import duplicate_index as duplicates
from bot.app.credit_records import new_ref
from bot.app.results import DupeMatch, DupesAnswer
from bot.config import Settings
from bot.core.dupes import Candidate, DuplicateIndex, passage
from bot.core.identity import Directory
from bot.core.models import Issue
from bot.core.rules import Rules
from bot.errors import ImpactbotError
from bot.store import Store, open_store

Clock = Callable[[], datetime]


class NotADuplicateError(ImpactbotError):
    """A "not a duplicate" verdict that cannot be recorded (an unknown issue)."""


class DuplicateUseCases:
    """Duplicate queries and verdicts (mixed into ``Services``)."""

    settings: Settings
    clock: Clock
    _dupe_index: tuple[tuple[tuple[int, int], str], DuplicateIndex] | None = None
    _dupe_lock = threading.Lock()

    def rules(self) -> Rules:
        raise NotImplementedError

    def dupes(self, key: str, *, limit: int | None = None) -> DupesAnswer:
        """Issues that read like the one ``key`` names, best first (``UnknownIssueError``
        when no single stored issue has that key)."""
        rules = self.rules()
        directory = Directory.build(rules.teams)
        with open_store(self.settings.db_path) as store:
            issue = store.load_issue(store.resolve_key(key))
            assert issue is not None, "resolve_key returns stored uids"
            found = self._candidates(store, issue, limit)
            matches = [_match(store, c, directory, rules) for c in found]
        team = directory.ownership(issue).team
        return DupesAnswer(
            issue=issue,
            team=team,
            other_teams=tuple(m for m in matches if m.team is None or m.team != team),
            own_team=tuple(m for m in matches if m.team is not None and m.team == team),
            threshold=rules.duplicates.report_threshold,
        )

    def refresh_duplicates(
        self, store: Store, rules: Rules, issues: Sequence[Issue], now: datetime
    ) -> duplicates.Refresh:
        """``duplicates.refresh`` with this process's index: kept between runs, so a run
        under ``serve`` only adds what changed. While a refresh runs, queries build their
        own index rather than read one being changed."""
        key = (store.dupe_docs_version(), rules.duplicates.model_dump_json())
        with self._dupe_lock:
            cached, self._dupe_index = self._dupe_index, None
        index = cached[1] if cached is not None and cached[0] == key else None
        done = duplicates.refresh(store, rules.duplicates, issues, now=now, index=index)
        with self._dupe_lock:
            self._dupe_index = (
                (store.dupe_docs_version(), rules.duplicates.model_dump_json()),
                done.index,
            )
        return done

    def not_a_duplicate(self, uid: str, other_uid: str, *, person: str) -> bool:
        """Record ``person``'s verdict that the two issues are not duplicates: the pair is
        never shown again, and the verdict is audited. False when somebody said so before.
        Raises ``NotADuplicateError`` for an unknown issue or a pair of one issue with
        itself."""
        if uid == other_uid:
            raise NotADuplicateError("an issue is not a duplicate of itself")
        with open_store(self.settings.db_path) as store:
            for one in (uid, other_uid):
                if store.load_issue(one) is None:
                    raise NotADuplicateError(f"{one} is not in impactbot's store")
            now = self.clock()
            with store.transaction():
                recorded = store.mark_not_duplicate(uid, other_uid, person=person, at=now)
                if recorded:
                    known = person in {p.id for p in self.rules().teams.people}
                    actor = store.person_ref(person, new_ref) if known else person
                    pair = f"{uid} / {other_uid}"
                    store.audit.record(actor, "dupes.not_duplicate", pair, "not the same work", now)
                return recorded

    def _candidates(self, store: Store, issue: Issue, limit: int | None) -> list[Candidate]:
        rules = self.rules().duplicates
        key = (store.dupe_docs_version(), rules.model_dump_json())
        with self._dupe_lock:  # one index per process, rebuilt only when documents change
            cached = self._dupe_index
            if cached is None or cached[0] != key:
                cached = (key, duplicates.build_index(store, rules))
                self._dupe_index = cached
        return duplicates.candidates(store, rules, issue, k=limit, index=cached[1])


def _match(store: Store, found: Candidate, directory: Directory, rules: Rules) -> DupeMatch:
    other = store.load_issue(found.uid)
    assert other is not None, "the index holds stored issues only"
    return DupeMatch(
        uid=other.uid,
        key=other.key,
        source=other.source,
        title=other.title,
        url=other.url,
        team=directory.ownership(other).team,
        score=found.score,
        matched=found.matched,
        passage=passage(f"{other.title}\n{other.body}", found.matched),
        likely=found.score >= rules.duplicates.report_threshold,
    )
