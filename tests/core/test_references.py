"""Finding issue references in free text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import IssueLink, IssueRef, LinkKind, TrackerKind
from bot.core.references import (
    NOT_JIRA_PROJECTS,
    TextReference,
    extract_references,
    reference_links,
)


def keys(text: str, **kwargs: str) -> list[str]:
    return list(dict.fromkeys(ref.key for ref in extract_references(text, **kwargs)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fixed by #123.", ["acme/asr#123"]),
        ("(#5) and #6, #7", ["acme/asr#5", "acme/asr#6", "acme/asr#7"]),
        ("see speech/lm#42", ["speech/lm#42"]),
        ("see Speech-Team/lm.v2#42!", ["Speech-Team/lm.v2#42"]),
        ("https://github.com/acme/asr/issues/9", ["acme/asr#9"]),
        ("https://github.com/acme/asr/pull/10/files#diff-1", ["acme/asr#10"]),
        ("https://github.com/a/b/issues/1#issuecomment-99", ["a/b#1"]),
        ("https://ghe.acme.corp:8443/x/y/issues/3?q=1", ["x/y#3"]),
        ("[link](https://github.com/a/b/issues/4)", ["a/b#4"]),
        ("<https://github.com/a/b/issues/4|a/b#4>", ["a/b#4"]),
        ("https://acme.atlassian.net/browse/DATA-12", ["DATA-12"]),
        ("https://jira.acme.com/jira/browse/ML-3?focusedId=1", ["ML-3"]),
        ("DATA-12 blocks ML_OPS-7", ["DATA-12", "ML_OPS-7"]),
        ("branch feature/DATA-12-fix-labels", ["DATA-12"]),
        ("DATA-12, DATA-12 and #1 then #1", ["DATA-12", "acme/asr#1"]),
        ("https://gitlab.com/g/p/-/issues/5 and g/sub/p#6", ["g/p#5", "g/sub/p#6"]),
        ("https://git.acme.io/a/b/c/-/work_items/7#note_1", ["a/b/c#7"]),
        ("https://linear.app/acme/issue/ENG-12/fix-the-thing", ["ENG-12"]),
    ],
)
def test_forms(text: str, expected: list[str]) -> None:
    assert keys(text, container="acme/asr") == expected


@pytest.mark.parametrize(
    "text",
    [
        "UTF-8, SHA-256, ISO-8601, COVID-19, HTTP-2, RFC-7231, GPT-4",
        "a lowercase abc-12 or Abc-12, a one-letter X-1, a too long ABCDEFGHIJK-1",
        "ABC-0 ABC-12x 12ABC-3",
        "html &#123; colour a#12 or a/#4 or /b#3",
        "https://example.com/DATA-12/org/repo#5 https://gitlab.com/g/p/-/merge_requests/5",
        "https://linear.app/acme/team/ENG/active https://example.com/issue/ENG-5",
        "inline `DATA-1` and ``code with ` DATA-2``",
        "```\nDATA-3 a/b#4\n```\n~~~python\nhttps://github.com/a/b/issues/1\n~~~",
        "{code:java}DATA-5{code} {noformat}DATA-6{noformat} {{DATA-7}}",
        "```\nunclosed fence runs to the end DATA-8",
    ],
)
def test_not_references(text: str) -> None:
    assert keys(text, container="acme/asr") == []


def test_fences_must_open_a_line() -> None:
    assert keys("not a fence ``` DATA-9") == ["DATA-9"]


def test_short_form_needs_a_container() -> None:
    assert keys("#12 and a/b#3") == ["a/b#3"]


def test_exclude_drops_the_issue_itself() -> None:
    text = "#1 is a dup of https://github.com/acme/asr/issues/1 and acme/asr#2"
    assert keys(text, container="acme/asr", exclude="acme/asr#1") == ["acme/asr#2"]
    assert keys("DATA-1 and DATA-2", exclude="DATA-1") == ["DATA-2"]


def test_tracker_and_host() -> None:
    text = "a/b#1 https://GHE.acme.corp/c/d/issues/2 DATA-3 https://x.atlassian.net/browse/E-4"
    assert extract_references(text) == [
        TextReference(key="a/b#1", tracker=TrackerKind.GITHUB),
        TextReference(key="c/d#2", tracker=TrackerKind.GITHUB, host="ghe.acme.corp"),
        TextReference(key="DATA-3", tracker=TrackerKind.JIRA),
    ]  # E-4: a one-letter project key is not a Jira key


def test_gitlab_and_linear_urls_say_their_tracker_and_host() -> None:
    text = "https://GitLab.acme.io/g/s/p/-/issues/3 https://linear.app/acme/issue/ENG-4/x"
    assert extract_references(text) == [
        TextReference(key="g/s/p#3", tracker=TrackerKind.GITLAB, host="gitlab.acme.io"),
        TextReference(key="ENG-4", tracker=TrackerKind.LINEAR, host="linear.app"),
    ]
    assert extract_references("https://x.atlassian.net/browse/EE-4")[0].host == "x.atlassian.net"


def test_reference_links_first_evidence_wins_and_skip() -> None:
    texts = [("DATA-1 and #2", "in the body"), ("#2, DATA-3 and DATA-4", "in a comment")]
    links = reference_links(
        texts,
        exclude="acme/asr#9",
        container="acme/asr",
        source_of=lambda ref: "gh" if ref.tracker is TrackerKind.GITHUB else None,
        skip={"DATA-4"},
    )
    assert links == [
        IssueLink(kind=LinkKind.REFERENCES, target=IssueRef(key="DATA-1"), evidence="in the body"),
        IssueLink(
            kind=LinkKind.REFERENCES,
            target=IssueRef(key="acme/asr#2", source="gh"),
            evidence="in the body",
        ),
        IssueLink(kind=LinkKind.REFERENCES, target=IssueRef(key="DATA-3"), evidence="in a comment"),
    ]


# ------------------------------------------------------------------ properties

OWNERS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,12}", fullmatch=True)
REPOS = st.from_regex(r"[A-Za-z0-9._-]{1,15}", fullmatch=True)
NUMBERS = st.integers(min_value=1, max_value=10**7)
HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)
PROJECTS = st.from_regex(r"[A-Z][A-Z0-9_]{1,9}", fullmatch=True).filter(
    lambda key: key not in NOT_JIRA_PROJECTS
)


@st.composite
def written_references(draw: st.DrawFn) -> tuple[str, str]:
    """``(as written, expected key)`` for every supported form."""
    owner, repo, number = draw(OWNERS), draw(REPOS), draw(NUMBERS)
    jira = f"{draw(PROJECTS)}-{number}"
    return draw(
        st.sampled_from(
            [
                (f"{owner}/{repo}#{number}", f"{owner}/{repo}#{number}"),
                (f"#{number}", f"here/repo#{number}"),
                (
                    f"https://{draw(HOSTS)}/{owner}/{repo}/issues/{number}",
                    f"{owner}/{repo}#{number}",
                ),
                (f"https://{draw(HOSTS)}/{owner}/{repo}/pull/{number}", f"{owner}/{repo}#{number}"),
                (jira, jira),
                (f"https://{draw(HOSTS)}/browse/{jira}", jira),
            ]
        )
    )


# Prose that cannot open a code span or block, so nothing it surrounds is hidden.
PROSE = st.text(
    st.characters(blacklist_characters="`~{}", blacklist_categories=("Cs",)), max_size=80
)
PUNCTUATION = st.sampled_from([" ", "\n", " (", ") ", ", ", ": ", "\t", " [", "] "])


@given(st.text(), st.none() | st.just("a/b"))
def test_never_crashes_and_keys_are_unique(text: str, container: str | None) -> None:
    found = extract_references(text, container=container)
    assert len({(ref.key, ref.host) for ref in found}) == len(found)
    for ref in found:
        assert re.fullmatch(r"[^\s/]+/[^\s/#]+#\d+|[A-Z][A-Z0-9_]{1,9}-\d+", ref.key), ref


@given(st.text(alphabet="#/-:`~{}[]()ABCab01 \n.&_", max_size=200))
def test_never_crashes_on_syntax_heavy_text(text: str) -> None:
    extract_references(text, container="a/b", exclude="a/b#1")


@given(written_references(), PROSE, PROSE, PUNCTUATION, PUNCTUATION)
def test_a_reference_in_prose_is_found(
    ref: tuple[str, str], before: str, after: str, left: str, right: str
) -> None:
    written, key = ref
    text = before + left + written + right + after
    assert key in keys(text, container="here/repo")


@given(written_references(), written_references(), PROSE)
def test_first_seen_order(first: tuple[str, str], second: tuple[str, str], between: str) -> None:
    found = keys(f"{first[0]} {between} {second[0]}", container="here/repo")
    assert found[0] == first[1]
    assert second[1] in found


@given(written_references(), PROSE)
def test_excluded_key_never_returned(ref: tuple[str, str], prose: str) -> None:
    written, key = ref
    assert key not in keys(f"{prose} {written} {prose}", container="here/repo", exclude=key)


@given(written_references(), PROSE)
def test_inline_code_hides_references(ref: tuple[str, str], prose: str) -> None:
    written, _ = ref
    found = keys(f"`{written}`", container="here/repo")
    assert found == []
    assert found == keys(f"```\n{prose}\n{written}\n```", container="here/repo")


@pytest.mark.parametrize(
    "text",
    ["`" * 50_000, "~" * 50_000, "{{ " * 20_000, "` `` ``` " * 10_000, "https://" * 10_000],
    ids=["backticks", "tildes", "braces", "tick-runs", "schemes"],
)
def test_pathological_text_finds_nothing(text: str) -> None:
    # These inputs once backtracked quadratically (4-8 s each); with linear patterns the
    # whole parametrisation stays well under a second — a regression shows in test time.
    assert extract_references(text, container="a/b") == []


def test_a_short_form_and_a_url_to_the_same_key_are_both_kept() -> None:
    text = "same as acme/x#1 — https://github.com/acme/x/issues/1 and acme/x#1 again"
    assert extract_references(text) == [
        TextReference(key="acme/x#1", tracker=TrackerKind.GITHUB),
        TextReference(key="acme/x#1", tracker=TrackerKind.GITHUB, host="github.com"),
    ]
