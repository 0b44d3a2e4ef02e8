"""Configured sources become connectors, claim writers and a map for references; wiring hands
the families their credentials from the settings."""

from __future__ import annotations

import httpx
import pytest

from bot.app.context import utc_now
from bot.config import Settings, env_names
from bot.core.models import TrackerKind
from bot.core.references import extract_references
from bot.core.rules_sources import SourcesRules
from bot.errors import ConfigurationError
from bot.trackers import registry
from bot.trackers.github.factory import GitHubCredentials
from bot.trackers.github.writeback import GitHubClaimWriter
from bot.trackers.gitlab.factory import GitLabCredentials
from bot.trackers.jira.factory import JiraCredentials
from bot.trackers.linear.factory import LinearCredentials
from bot.trackers.registry import family, setting_names
from bot.wiring import tracker_credentials

RULES = SourcesRules.model_validate(
    {
        "github": {"repos": ["acme/asr"]},
        "jira": {"projects": ["DATA"], "site": "https://acme.atlassian.net"},
    }
)


def settings(**values: str) -> registry.Credentials:
    """Tracker settings by environment name, as wiring passes them."""
    return registry.Credentials(values)


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


def test_every_tracker_setting_is_a_setting_of_the_same_name() -> None:
    assert setting_names() and set(setting_names()) <= set(env_names())


def test_tracker_credentials_carry_each_familys_settings() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        GITHUB_TOKEN="gh-t0k",
        GITHUB_API_URL="https://ghe.acme.io/api/v3",
        JIRA_URL="https://acme.atlassian.net",
        JIRA_EMAIL="bot@acme.io",
        JIRA_API_TOKEN="jira-t0k",
        LINEAR_API_KEY="lin_k",
        GITLAB_TOKEN="gl-t0k",
    )
    credentials = tracker_credentials(settings)
    assert credentials.of(family(TrackerKind.GITHUB)) == GitHubCredentials(
        token="gh-t0k",
        api_url="https://ghe.acme.io/api/v3",
        graphql_url="https://ghe.acme.io/api/graphql",  # derived by Settings, as before
    )
    assert credentials.of(family(TrackerKind.JIRA)) == JiraCredentials(
        url="https://acme.atlassian.net", email="bot@acme.io", api_token="jira-t0k"
    )
    assert credentials.of(family(TrackerKind.LINEAR)) == LinearCredentials(
        api_key="lin_k", api_url="https://api.linear.app/graphql"
    )
    assert credentials.of(family(TrackerKind.GITLAB)) == GitLabCredentials(
        token="gl-t0k", url="https://gitlab.com"
    )


def test_unset_credentials_stay_unset() -> None:
    credentials = tracker_credentials(Settings(_env_file=None))  # type: ignore[call-arg]
    assert credentials.of(family(TrackerKind.JIRA)) == JiraCredentials()
    assert credentials.of(family(TrackerKind.GITHUB)).token == ""
