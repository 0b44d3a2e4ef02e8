"""Near-duplicate detection over the store: keeping the analysed documents and found pairs
up to date after each sync or import, and answering "what looks like this issue?".

Incremental: an issue is analysed again only when its text (or the analysis settings)
changed, and only new or changed open issues are matched against the rest; the pairs of
the others stay as found. The in-memory index is rebuilt from the stored documents, which
costs a JSON parse per issue, not a text analysis.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.dupes import Candidate, DupeDoc, DuplicateIndex, DuplicateRules, analyse
from bot.core.models import Issue, NearDuplicate
from bot.store import Store
from bot.store.duplicates import StoredPair, ordered

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
    store: Store,
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
    known = store.dupe_fingerprints()
    prints = {issue.uid: fingerprint(issue, rules) for issue in issues}
    changed = [issue for issue in issues if known.get(issue.uid) != prints[issue.uid]]
    gone = sorted(set(known) - set(prints))
    fresh = {issue.uid: analysed(issue, rules) for issue in changed}
    with store.transaction():
        store.forget_dupes_of(gone)
        store.save_dupe_docs(
            [(i.uid, prints[i.uid], fresh[i.uid].to_json(), i.is_open) for i in changed]
        )
    index = _updated(index, store, rules, gone, fresh.values())
    refused = store.not_duplicates()
    todo = store.pending_dupe_docs(budget)
    with store.transaction():
        for uid, stored in todo:
            doc = fresh.get(uid) or DupeDoc.from_json(stored)
            found = index.query(doc, k=rules.top_k)
            store.replace_pairs_of(uid, _pairs(uid, found, rules, refused, now))
            store.mark_matched(uid)
    return Refresh(
        analysed=len(fresh),
        removed=len(gone),
        matched=len(todo),
        pending=store.count_pending_dupe_docs(),
        pairs=tuple(near_duplicates(store)),
        index=index,
    )


def _updated(
    index: DuplicateIndex | None,
    store: Store,
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
    store: Store, rules: DuplicateRules, *, analysed: Mapping[str, DupeDoc] | None = None
) -> DuplicateIndex:
    """An index of every stored document; ``analysed`` holds documents already in memory
    (just analysed), which are used rather than parsed again."""
    ready = analysed or {}
    index = DuplicateIndex(rules)
    for uid, doc in store.dupe_docs():
        index.add(ready.get(uid) or DupeDoc.from_json(doc))
    return index


def near_duplicates(store: Store, uid: str | None = None) -> list[NearDuplicate]:
    """The stored pairs (of ``uid``, or all) people have not refused, strongest first."""
    return [_near(pair, uid) for pair in store.dupe_pairs(uid)]


def candidates(
    store: Store,
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
    refused = store.not_duplicates()
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
