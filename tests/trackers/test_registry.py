"""Configured sources become connectors, claim writers and a map for references."""

from __future__ import annotations

import httpx
import pytest

from bot.app.context import utc_now
from bot.config import Settings
from bot.core.models import TrackerKind
from bot.core.references import extract_references
from bot.core.rules import SourcesRules
from bot.errors import ConfigurationError
from bot.trackers import registry
from bot.trackers.writeback import GitHubClaimWriter

RULES = SourcesRules.model_validate(
    {
        "github": {"repos": ["acme/asr"]},
        "jira": {"projects": ["DATA"], "site": "https://acme.atlassian.net"},
    }
)


def settings(**values: str) -> Settings:
    return Settings.model_validate(values)


def test_source_map_knows_each_sources_host() -> None:
    pins = registry.source_map(settings(GITHUB_API_URL="https://ghe.acme.io/api/v3"), RULES)
    text = "https://ghe.acme.io/a/b/issues/1 https://acme.atlassian.net/browse/DATA-2 DATA-3"
    found = [pins.source_of(r, home="github") for r in extract_references(text)]
    assert found == ["github", "jira", "jira"]
    public = registry.source_map(settings(), RULES)
    (ref,) = extract_references("https://github.com/a/b/issues/1")
    assert public.source_of(ref, home="jira") == "github"


def test_kind_of_configured_sources() -> None:
    assert registry.kind_of(RULES, "github") is TrackerKind.GITHUB
    assert registry.kind_of(RULES, "elsewhere") is None


def test_claim_writer_for_github_and_for_gh_imports() -> None:
    with httpx.Client() as http:
        token = settings(GITHUB_TOKEN="t0k")
        assert isinstance(
            registry.claim_writer(token, RULES, "github", http=http), GitHubClaimWriter
        )
        imported = registry.claim_writer(token, SourcesRules(), "github-import", http=http)
        assert isinstance(imported, GitHubClaimWriter)
        assert registry.claim_writer(token, SourcesRules(), "jira-csv", http=http) is None
        with pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
            registry.claim_writer(settings(), RULES, "github", http=http)


def test_building_a_connector_without_credentials_is_a_clear_error() -> None:
    (github, *_) = registry.configured_sources(RULES)
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="GITHUB_TOKEN"):
        registry.build_connector(
            settings(),
            github,
            http=http,
            clock=utc_now,
            source_map=registry.source_map(settings(), RULES),
        )
