"""Issue references as people write them: whole URLs of each tracker, and bare keys."""

from __future__ import annotations

import pytest

from bot.core.issue_refs import parse_issue_ref

GH = "https://github.com/acme/asr/issues/12"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GH, "acme/asr#12"),
        ("https://github.com/acme/asr/issues/12/", "acme/asr#12"),
        ("https://github.com/acme/asr/issues/12#issuecomment-1", "acme/asr#12"),
        ("https://ghe.corp.example:8443/ml-infra/data.set/issues/7?x=1", "ml-infra/data.set#7"),
        ("https://gitlab.com/acme/ml/asr/-/issues/4", "acme/ml/asr#4"),
        ("https://git.example.org/grp/proj/-/issues/9#note_3", "grp/proj#9"),
        ("https://gitlab.example.com/grp/proj/issues/9", "grp/proj#9"),
        ("https://acme.atlassian.net/browse/ABC-12", "ABC-12"),
        ("https://jira.example.com/jira/browse/abc-12?focusedId=1", "ABC-12"),
        ("https://linear.app/acme/issue/ENG-42/fix-the-taxonomy", "ENG-42"),
        ("https://linear.app/acme/issue/ENG-42", "ENG-42"),
        ("acme/asr#12", "acme/asr#12"),
        ("Acme/ASR#12", "Acme/ASR#12"),
        ("group/sub/proj#3", "group/sub/proj#3"),
        ("ABC-123", "ABC-123"),
        ("abc-123", "ABC-123"),
    ],
)
def test_issue_references(text: str, key: str) -> None:
    ref = parse_issue_ref(text)
    assert ref is not None
    assert ref.key == key
    assert ref.url == (text if text.startswith("https://") else None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://github.com/acme/asr",
        "https://github.com/acme/asr/issues/0",
        "https://github.com/acme/asr/issues/abc",
        "https://github.com/acme/asr/pulls",
        "https://example.com/browse",
        "ftp://github.com/acme/asr/issues/1",
        "#12",
        "acme#12",
        "ABC-0",
        "ABC",
        "12-34",
        "acme/asr#12 trailing",
    ],
)
def test_not_issue_references(text: str) -> None:
    assert parse_issue_ref(text) is None
