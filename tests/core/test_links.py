from __future__ import annotations

from bot.core.links import LinkIndex, link_to, resolve
from bot.core.models import LinkKind
from tests.builders import issue


def test_resolve_prefers_pinned_source_then_home_source_then_unique_key() -> None:
    uids = {"github:a/b#1", "ghes:a/b#1", "jira:ASR-1"}
    by_key = {"a/b#1": ["github:a/b#1", "ghes:a/b#1"], "asr-1": ["jira:ASR-1"]}
    from bot.core.models import IssueRef

    assert resolve(IssueRef(key="a/b#1", source="ghes"), uids, by_key, "github") == "ghes:a/b#1"
    assert resolve(IssueRef(key="a/b#1"), uids, by_key, "github") == "github:a/b#1"
    assert resolve(IssueRef(key="a/b#1"), uids, by_key, "jira") is None  # ambiguous
    assert resolve(IssueRef(key="ASR-1"), uids, by_key, "github") == "jira:ASR-1"
    assert resolve(IssueRef(key="ASR-1", source="jira2"), uids, by_key, "github") is None


def test_index_records_both_directions_and_skips_self_links() -> None:
    one = issue("acme/asr#1", refs=("acme/asr#2", "ACME/ASR#1"))
    two = issue("acme/asr#2", links=(link_to("acme/asr#1", LinkKind.BLOCKS, "column"),))
    index = LinkIndex.build([one, two])
    assert [e.source_uid for e in index.into("github:acme/asr#2")] == ["github:acme/asr#1"]
    assert [e.kind for e in index.out_of("github:acme/asr#2")] == [LinkKind.BLOCKS]
    assert index.into("github:acme/nope#1") == ()
