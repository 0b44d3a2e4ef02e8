"""Near-duplicate detection over the store: keeping the analysed documents and found pairs
up to date after each sync or import, and answering "what looks like this issue?" and
"not a duplicate" as the CLI and Slack ask them (``Duplicates``).

Incremental: an issue is analysed again only when its text (or the analysis settings)
changed, and only new or changed open issues are matched against the rest; the pairs of
the others stay as found. The in-memory index is rebuilt from the stored documents, which
costs a JSON parse per issue, not a text analysis.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.app.context import AppContext
from bot.app.people import new_ref
from bot.app.results import DupeMatch, DupesAnswer
from bot.core.dupes import Candidate, DupeDoc, DuplicateIndex, DuplicateRules, analyse, passage
from bot.core.identity import Directory
from bot.core.models import Issue, NearDuplicate
from bot.core.rules import Rules
from bot.errors import ImpactbotError
from bot.store import open_store
from bot.store.duplicates import StoredPair, ordered
from bot.store.ports import UnitOfWork


class NotADuplicateError(ImpactbotError):
    """A "not a duplicate" verdict that cannot be recorded (an unknown issue)."""


class Duplicates:
    """Duplicate queries and verdicts over one configuration, with this process's index:
    one per process, rebuilt only when the stored documents change."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._dupe_index: tuple[tuple[tuple[int, int], str], DuplicateIndex] | None = None
        self._dupe_lock = threading.Lock()

    def dupes(self, key: str, *, limit: int | None = None) -> DupesAnswer:
        """Issues that read like the one ``key`` names, best first (``UnknownIssueError``
        when no single stored issue has that key)."""
        rules = self.ctx.rules()
        directory = self.ctx.directory_for(rules)
        with open_store(self.ctx.settings.db_path) as store:
            issue = store.issues.get(store.issues.resolve(key))
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
        self, store: UnitOfWork, rules: Rules, issues: Sequence[Issue], now: datetime
    ) -> Refresh:
        """``refresh`` with this process's index: kept between runs, so a run
        under ``serve`` only adds what changed. While a refresh runs, queries build their
        own index rather than read one being changed."""
        key = (store.duplicates.docs_version(), rules.duplicates.model_dump_json())
        with self._dupe_lock:
            cached, self._dupe_index = self._dupe_index, None
        index = cached[1] if cached is not None and cached[0] == key else None
        done = refresh(store, rules.duplicates, issues, now=now, index=index)
        with self._dupe_lock:
            self._dupe_index = (
                (store.duplicates.docs_version(), rules.duplicates.model_dump_json()),
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
        with open_store(self.ctx.settings.db_path) as store:
            for one in (uid, other_uid):
                if store.issues.get(one) is None:
                    raise NotADuplicateError(f"{one} is not in impactbot's store")
            now = self.ctx.clock()
            with store.transaction():
                recorded = store.duplicates.mark_not_duplicate(
                    uid, other_uid, person=person, at=now
                )
                if recorded:
                    known = person in {p.id for p in self.ctx.rules().teams.people}
                    actor = store.ledger.person_ref(person, new_ref) if known else person
                    pair = f"{uid} / {other_uid}"
                    store.audit.record(actor, "dupes.not_duplicate", pair, "not the same work", now)
                return recorded

    def _candidates(self, store: UnitOfWork, issue: Issue, limit: int | None) -> list[Candidate]:
        rules = self.ctx.rules().duplicates
        key = (store.duplicates.docs_version(), rules.model_dump_json())
        with self._dupe_lock:  # one index per process, rebuilt only when documents change
            cached = self._dupe_index
            if cached is None or cached[0] != key:
                cached = (key, build_index(store, rules))
                self._dupe_index = cached
        return candidates(store, rules, issue, k=limit, index=cached[1])


def _match(store: UnitOfWork, found: Candidate, directory: Directory, rules: Rules) -> DupeMatch:
    other = store.issues.get(found.uid)
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


#: Open issues matched per refresh at most: a first run on a big store spreads its matching
#: over several runs (the rest stay pending) instead of holding up one for many minutes.
MATCH_BUDGET = 5_000


@dataclass(frozen=True)
class Refresh:
    """What one refresh did: documents analysed and removed, issues matched and still
    pending, the pairs now known, and the up-to-date index (to keep for the next one)."""

    analysed: int
    removed: int
    matched: int
    pending: int
    pairs: tuple[NearDuplicate, ...]
    index: DuplicateIndex


def fingerprint(issue: Issue, rules: DuplicateRules) -> str:
    """A digest of everything analysis reads from ``issue``, of its state (a reopened issue
    is matched again) and of the settings analysis uses."""
    parts = [
        rules.model_dump_json(),
        issue.title,
        issue.body,
        issue.container,
        "\x1f".join(issue.components),
        issue.created_at.isoformat(),
        issue.state.value,
    ]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


def analysed(issue: Issue, rules: DuplicateRules) -> DupeDoc:
    """``issue`` as the duplicate index reads it."""
    return analyse(
        issue.uid,
        title=issue.title,
        body=issue.body,
        container=issue.container,
        created_at=issue.created_at,
        components=issue.components,
        rules=rules,
    )


def refresh(
    store: UnitOfWork,
    rules: DuplicateRules,
    issues: Sequence[Issue],
    *,
    now: datetime,
    index: DuplicateIndex | None = None,
    budget: int = MATCH_BUDGET,
) -> Refresh:
    """Bring documents and pairs up to date with ``issues`` (all issues in the store).

    ``index``, if given, must hold exactly the stored documents (the one the last refresh
    returned): it is updated in place instead of being rebuilt. New, edited and reopened
    open issues are matched, at most ``budget`` per run. Writes in one transaction per step,
    so an interrupted refresh leaves a consistent store that the next one completes."""
    known = store.duplicates.fingerprints()
    prints = {issue.uid: fingerprint(issue, rules) for issue in issues}
    changed = [issue for issue in issues if known.get(issue.uid) != prints[issue.uid]]
    gone = sorted(set(known) - set(prints))
    fresh = {issue.uid: analysed(issue, rules) for issue in changed}
    with store.transaction():
        store.duplicates.forget(gone)
        store.duplicates.save_docs(
            [(i.uid, prints[i.uid], fresh[i.uid].to_json(), i.is_open) for i in changed]
        )
    index = _updated(index, store, rules, gone, fresh.values())
    matched = _match_pending(store, rules, index, fresh, budget, now)
    return Refresh(
        analysed=len(fresh),
        removed=len(gone),
        matched=matched,
        pending=store.duplicates.count_pending(),
        pairs=tuple(near_duplicates(store)),
        index=index,
    )


def _match_pending(
    store: UnitOfWork,
    rules: DuplicateRules,
    index: DuplicateIndex,
    fresh: Mapping[str, DupeDoc],
    budget: int,
    now: datetime,
) -> int:
    """Match at most ``budget`` documents waiting to be matched; returns how many."""
    refused = store.duplicates.not_duplicates()
    todo = store.duplicates.pending_docs(budget)
    with store.transaction():
        for uid, stored in todo:
            doc = fresh.get(uid) or DupeDoc.from_json(stored)
            found = index.query(doc, k=rules.top_k)
            store.duplicates.replace_pairs_of(uid, _pairs(uid, found, rules, refused, now))
            store.duplicates.mark_matched(uid)
    return len(todo)


def _updated(
    index: DuplicateIndex | None,
    store: UnitOfWork,
    rules: DuplicateRules,
    gone: Iterable[str],
    fresh: Iterable[DupeDoc],
) -> DuplicateIndex:
    fresh = list(fresh)
    if index is None:
        return build_index(store, rules, analysed={doc.uid: doc for doc in fresh})
    for uid in gone:
        index.remove(uid)
    for doc in fresh:
        index.add(doc)  # replaces an edited issue's old document
    return index


def build_index(
    store: UnitOfWork, rules: DuplicateRules, *, analysed: Mapping[str, DupeDoc] | None = None
) -> DuplicateIndex:
    """An index of every stored document; ``analysed`` holds documents already in memory
    (just analysed), which are used rather than parsed again."""
    ready = analysed or {}
    index = DuplicateIndex(rules)
    for uid, doc in store.duplicates.docs():
        index.add(ready.get(uid) or DupeDoc.from_json(doc))
    return index


def near_duplicates(store: UnitOfWork, uid: str | None = None) -> list[NearDuplicate]:
    """The stored pairs (of ``uid``, or all) people have not refused, strongest first."""
    return [_near(pair, uid) for pair in store.duplicates.pairs(uid)]


def candidates(
    store: UnitOfWork,
    rules: DuplicateRules,
    issue: Issue,
    *,
    k: int | None = None,
    index: DuplicateIndex | None = None,
) -> list[Candidate]:
    """Issues that read like ``issue``, best first, whatever their score: the raw ranking,
    without the pairs people said are not duplicates. ``index`` (built by ``build_index``)
    saves building one."""
    index = index or build_index(store, rules)
    refused = store.duplicates.not_duplicates()
    found = index.query(analysed(issue, rules), k=(k or rules.top_k) + len(refused))
    kept = [c for c in found if ordered(issue.uid, c.uid) not in refused]
    return kept[: k or rules.top_k]


def _pairs(
    uid: str,
    found: Iterable[Candidate],
    rules: DuplicateRules,
    refused: set[tuple[str, str]],
    now: datetime,
) -> list[StoredPair]:
    pairs = []
    for candidate in found:
        a, b = ordered(uid, candidate.uid)
        if candidate.score >= rules.report_threshold and (a, b) not in refused:
            pairs.append(StoredPair(a, b, candidate.score, candidate.matched, now))
    return pairs


def _near(pair: StoredPair, uid: str | None) -> NearDuplicate:
    one = uid or pair.a
    return NearDuplicate(
        uid=one, other_uid=pair.other(one), score=round(pair.score, 4), matched=pair.matched
    )
