"""Pinning references in text to the configured source they point into."""

from __future__ import annotations

import pytest

from bot.core.models import TrackerKind
from bot.core.references import extract_references
from bot.core.rules_sources import SourcesRules
from bot.core.sources import SourceInfo, SourceMap, host_of

RULES = SourcesRules.model_validate(
    {
        "github": {"repos": ["acme/asr"]},
        "jira": [
            {"source": "jira-acme", "projects": ["DATA", "ML"]},
            {"source": "jira-corp", "projects": ["OPS"], "site": "https://corp.example.com/jira"},
        ],
        "linear": {"teams": ["ENG"]},
        "gitlab": {"groups": ["infra"], "key_pattern": "INC-[0-9]+"},
    }
)
HOSTS = {
    "github": ["github.com"],
    "jira-acme": ["acme.atlassian.net"],
    "jira-corp": ["corp.example.com"],
    "linear": ["linear.app"],
    "gitlab": ["gitlab.acme.io"],
}
MAP = SourceMap.from_rules(RULES, HOSTS)


def pinned(text: str, home: str) -> dict[str, str | None]:
    return {ref.key: MAP.source_of(ref, home=home) for ref in extract_references(text)}


@pytest.mark.parametrize("home", ["github", "jira-acme", "linear", "gitlab"])
def test_urls_name_their_source_from_any_tracker(home: str) -> None:
    text = (
        "https://github.com/acme/asr/issues/1 https://acme.atlassian.net/browse/DATA-2 "
        "https://corp.example.com/jira/browse/OPS-3 https://linear.app/acme/issue/ENG-4/x "
        "https://gitlab.acme.io/infra/db/-/issues/5 https://elsewhere.example/browse/XY-6"
    )
    assert pinned(text, home) == {
        "acme/asr#1": "github",
        "DATA-2": "jira-acme",
        "OPS-3": "jira-corp",
        "ENG-4": "linear",
        "infra/db#5": "gitlab",
        "XY-6": None,  # a site impactbot does not sync
    }


def test_bare_keys_go_to_the_source_whose_pattern_matches() -> None:
    text = "DATA-1 ML-2 OPS-3 ENG-4 INC-5 OTHER-6"
    assert pinned(text, "github") == {
        "DATA-1": "jira-acme",
        "ML-2": "jira-acme",
        "OPS-3": "jira-corp",
        "ENG-4": "linear",
        "INC-5": "gitlab",
        "OTHER-6": None,
    }


def test_forge_short_forms_stay_in_their_own_instance() -> None:
    assert pinned("g/p#1", "gitlab") == {"g/p#1": "gitlab"}
    assert pinned("acme/asr#1", "github") == {"acme/asr#1": "github"}
    # Written in Jira, owner/repo#N could be GitHub or GitLab: left for the key to decide.
    assert pinned("acme/asr#1", "jira-acme") == {"acme/asr#1": None}


def test_two_sites_claiming_a_key_prefer_the_texts_own_site() -> None:
    both = SourceMap(
        [
            SourceInfo(name="a", kind=TrackerKind.JIRA, key_pattern="ABC-[0-9]+"),
            SourceInfo(name="b", kind=TrackerKind.JIRA, key_pattern="ABC-[0-9]+"),
            SourceInfo(name="gh", kind=TrackerKind.GITHUB),
        ]
    )
    (ref,) = extract_references("ABC-1")
    assert both.source_of(ref, home="a") == "a"
    assert both.source_of(ref, home="b") == "b"
    assert both.source_of(ref, home="gh") is None  # ambiguous: never guessed


def test_a_jira_source_without_pattern_keeps_bare_keys_and_unknown_site_urls() -> None:
    lone = SourceMap([SourceInfo(name="jira", kind=TrackerKind.JIRA)])
    refs = extract_references("ABC-1 https://somewhere.example/browse/XYZ-2")
    assert [lone.source_of(r, home="jira") for r in refs] == ["jira", "jira"]
    # an unknown home (a file import of an unconfigured source) keeps forge short forms
    (short,) = extract_references("a/b#3")
    assert lone.source_of(short, home="gh-import") == "gh-import"


def test_with_source_adds_or_replaces() -> None:
    extra = MAP.with_source(SourceInfo(name="jira-acme", kind=TrackerKind.JIRA))
    (ref,) = extract_references("DATA-1")
    assert MAP.source_of(ref, home="github") == "jira-acme"
    assert extra.source_of(ref, home="github") is None


def test_host_of() -> None:
    assert host_of("https://Acme.Atlassian.net/") == "acme.atlassian.net"
    assert host_of("http://git.acme.io:8443/gitlab") == "git.acme.io:8443"


def test_source_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="used twice"):
        SourcesRules.model_validate({"jira": [{"projects": ["A1"]}, {"projects": ["B1"]}]})
