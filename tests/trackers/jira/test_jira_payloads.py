"""Jira payload parsing, pure: ADF to text, real and official sample issues, reasons, links."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.models import LinkKind, StateReason, TrackerKind
from bot.core.sources import SourceInfo, SourceMap
from bot.trackers.jira.adf import adf_to_text, text_to_adf
from bot.trackers.jira.payloads import JiraIssue, state_reason, to_issue
from tests.external import external

SITE = "https://acme.atlassian.net"
SOURCES = SourceMap(
    [
        SourceInfo(name="jira", kind=TrackerKind.JIRA, hosts=("acme.atlassian.net",)),
        SourceInfo(name="github", kind=TrackerKind.GITHUB, hosts=("github.com",)),
    ]
)


def _load(*parts: str) -> Any:
    return json.loads(external(*parts).read_text())


def _issue(raw: dict[str, Any], **kw: Any) -> Any:
    return to_issue(
        JiraIssue.model_validate(raw), source="jira", site=SITE, source_map=SOURCES, **kw
    )


def test_adf_keeps_words_links_mentions_and_fences_code() -> None:
    doc = {
        "type": "doc",
        "content": [
            {"type": "heading", "content": [{"type": "text", "text": "Cause"}]},
            {
                "type": "paragraph",
                "content": [
                    {"type": "mention", "attrs": {"id": "x", "text": "@Ana"}},
                    {"type": "text", "text": " see "},
                    {
                        "type": "text",
                        "text": "this",
                        "marks": [
                            {"type": "link", "attrs": {"href": "https://github.com/a/b/issues/2"}}
                        ],
                    },
                    {"type": "hardBreak"},
                    {
                        "type": "inlineCard",
                        "attrs": {"url": "https://acme.atlassian.net/browse/DATA-3"},
                    },
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "ABC-1 in code"}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {
                                "type": "paragraph",
                                "content": [
                                    {"type": "text", "text": "one", "marks": [{"type": "code"}]}
                                ],
                            }
                        ],
                    }
                ],
            },
            {"type": "futureNode", "content": [{"type": "text", "text": "kept"}]},
        ],
    }
    assert adf_to_text(doc) == (
        "Cause\n@Ana see this (https://github.com/a/b/issues/2)\n"
        "https://acme.atlassian.net/browse/DATA-3\n```\nABC-1 in code\n```\n- `one`\nkept"
    )
    assert adf_to_text("v2 text") == "v2 text" and adf_to_text(None) == adf_to_text(7) == ""
    assert adf_to_text(text_to_adf("a\n\nb")) == "a\nb"  # empty paragraphs drop


def test_a_real_noisy_issue_from_a_jira_cloud_site_parses() -> None:
    raw = _load("jira-samples", "airbyte-source-jira.issues.json")["issues"][0]
    issue = _issue(raw)
    assert (issue.key, issue.container, issue.title) == ("TESTKEY13-1", "TESTKEY13", "My Summary")
    assert issue.labels == ("test",) and issue.components == ("Component 0",)
    assert issue.assignees[0].handle == "5fc9e78d2730d800760becc4"
    assert issue.assignees[0].email == "integration-test@airbyte.io"
    assert issue.body == "Test issue" and issue.is_open
    assert issue.updated_at == datetime(2022, 12, 8, 10, 22, 18, 889000, tzinfo=UTC)
    assert issue.ownership_changes is None  # no changelog was read


def test_official_examples_parse_with_links_and_comments() -> None:
    raw = _load("jira-cloud-openapi", "examples", "getIssue.get.200.json")
    raw["fields"].update(summary="Example", created="2024-01-01T00:00:00.000+0000")
    issue = _issue(raw)
    assert {(lk.kind, lk.target.key, lk.target.source) for lk in issue.links} == {
        (LinkKind.RELATES, "PR-2", "jira"),
        (LinkKind.RELATES, "PR-3", "jira"),
    }
    assert issue.comments[0].body.startswith("Lorem ipsum")
    page = _load(
        "jira-cloud-openapi", "examples", "searchAndReconsileIssuesUsingJqlPost.post.200.json"
    )
    assert page["isLast"] is True and len(page["issues"]) >= 1


def test_an_issue_link_without_a_key_is_skipped() -> None:
    raw = _load("jira-samples", "jira-cli.issue.json")
    raw["fields"].setdefault("created", "2020-12-03T14:05:20.974+0100")
    raw["fields"].setdefault("updated", "2020-12-03T14:05:20.974+0100")
    raw.setdefault("id", "1")
    issue = _issue(raw)
    assert all(link.target.key for link in issue.links)


@pytest.mark.parametrize(
    ("resolution", "reason"),
    [
        ("Duplicate", StateReason.DUPLICATE),
        ("Won't Do", StateReason.NOT_PLANNED),
        ("Cannot Reproduce", StateReason.NOT_PLANNED),
        ("Done", StateReason.COMPLETED),
        (None, StateReason.COMPLETED),
    ],
)
def test_resolutions_become_reasons(resolution: str | None, reason: StateReason) -> None:
    assert state_reason(resolution) is reason


def _minimal(**fields: Any) -> dict[str, Any]:
    base = {
        "summary": "s",
        "created": "2024-01-01T00:00:00.000+0000",
        "updated": "2024-01-02T00:00:00.000+0000",
    }
    return {"id": "1", "key": "ASR-1", "fields": {**base, **fields}}


def test_typed_links_and_bare_keys_are_pinned_and_not_doubled() -> None:
    raw = _minimal(
        description="Blocks DATA-2, see also https://github.com/acme/asr/issues/4 and ASR-1",
        issuelinks=[
            {
                "type": {"name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
                "outwardIssue": {"key": "DATA-2"},
            }
        ],
    )
    issue = _issue(raw)
    assert [(lk.kind, lk.target.key, lk.target.source) for lk in issue.links] == [
        (LinkKind.BLOCKS, "DATA-2", "jira"),
        (LinkKind.REFERENCES, "acme/asr#4", "github"),
    ]


def test_bad_story_points_and_missing_fields_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="customfield_10016 holds 'five'"):
        _issue(_minimal(customfield_10016="five"), story_points_field="customfield_10016")
    assert (
        _issue(_minimal(customfield_10016=3), story_points_field="customfield_10016").story_points
        == 3.0
    )
    with pytest.raises(ValueError, match="summary"):
        JiraIssue.model_validate({"id": "1", "key": "ASR-1", "fields": {}})
