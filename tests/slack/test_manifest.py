from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.main import main
from bot.slack.manifest import BOT_SCOPES, UNFURL_DOMAIN_LIMIT, build_manifest, manifest_yaml
from bot.slack.scopes import bot_scopes
from tests.builders import TEAMS

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_manifest_is_the_default_build() -> None:
    built = manifest_yaml(build_manifest(public_url=None, hosts=["github.com"]))
    assert (ROOT / "manifest.yaml").read_text() == built


def test_manifest_bot_scopes_are_the_scope_tables() -> None:
    shipped = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    assert shipped["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES) == list(bot_scopes())
    # conversations.open needs im:write for a DM: without it no digest reaches a manager.
    assert {"im:write", "im:history"} <= set(BOT_SCOPES)


def test_socket_mode_manifest_has_no_request_urls() -> None:
    m = build_manifest(public_url=None, hosts=["github.com"])
    assert m["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in m["settings"]["event_subscriptions"]
    command = m["features"]["slash_commands"][0]
    assert command["command"] == "/impact" and command["should_escape"] is True
    assert m["features"]["unfurl_domains"] == ["github.com"]


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sources: dict[str, object]) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "teams.yaml").write_text(yaml.safe_dump(TEAMS))
    (rules / "sources.yaml").write_text(yaml.safe_dump(sources))
    monkeypatch.setenv("IMPACTBOT_RULES", str(rules))
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    for name in ("JIRA_URL", "GITLAB_URL", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)


def test_http_manifest_points_every_url_at_slack_events(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(monkeypatch, tmp_path, {"github": {"repos": ["acme/asr"]}})
    monkeypatch.setenv("IMPACTBOT_PUBLIC_URL", "https://impact.acme.example/")
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.acme.example/api/v3")
    out = CliRunner().invoke(main, ["manifest"]).output
    m = yaml.safe_load(out)
    url = "https://impact.acme.example/slack/events"
    assert m["settings"]["event_subscriptions"]["request_url"] == url
    assert m["settings"]["interactivity"]["request_url"] == url
    assert m["features"]["slash_commands"][0]["url"] == url
    assert m["features"]["unfurl_domains"] == ["ghe.acme.example"]
    assert m["settings"]["socket_mode_enabled"] is False
    assert set(m["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)


def test_manifest_unfurls_every_configured_trackers_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(
        monkeypatch,
        tmp_path,
        {
            "github": {"repos": ["acme/asr"]},
            "jira": [
                {"site": "https://acme.atlassian.net", "projects": ["DATA"]},
                {"source": "jira2", "projects": ["ML"]},  # JIRA_URL's site
            ],
            "linear": {"teams": ["ENG"]},
            "gitlab": {"url": "https://gitlab.acme.example:8443", "groups": ["acme"]},
        },
    )
    monkeypatch.setenv("JIRA_URL", "https://acme-ml.atlassian.net")
    result = CliRunner().invoke(main, ["manifest"])
    assert result.exit_code == 0, result.output
    m = yaml.safe_load(result.stdout)
    assert m["features"]["unfurl_domains"] == [
        "github.com",
        "acme.atlassian.net",
        "acme-ml.atlassian.net",
        "linear.app",
        "gitlab.acme.example",
    ]
    assert "warning" not in result.stderr


def test_manifest_warns_past_slacks_unfurl_domain_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sites = [f"https://team{i}.atlassian.net" for i in range(UNFURL_DOMAIN_LIMIT + 1)]
    jira = [{"source": f"j{i}", "site": s, "projects": ["DATA"]} for i, s in enumerate(sites)]
    _env(monkeypatch, tmp_path, {"jira": jira})
    result = CliRunner().invoke(main, ["manifest"])
    m = yaml.safe_load(result.stdout)
    assert len(m["features"]["unfurl_domains"]) == UNFURL_DOMAIN_LIMIT  # Slack takes no more
    assert f"at most {UNFURL_DOMAIN_LIMIT} unfurl domains" in result.stderr
    assert "team5.atlassian.net" in result.stderr


def test_manifest_with_broken_rules_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env(monkeypatch, tmp_path, {"jira": {"site": "not a url", "projects": ["DATA"]}})
    result = CliRunner().invoke(main, ["manifest"])
    assert result.exit_code != 0
    assert "sources.yaml" in result.stderr and result.stdout == ""
