from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.slack.manifest import BOT_SCOPES, build_manifest, manifest_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_manifest_is_the_default_build() -> None:
    built = manifest_yaml(build_manifest(public_url=None, tracker_urls=["https://api.github.com"]))
    assert (ROOT / "manifest.yaml").read_text() == built


def test_socket_mode_manifest_has_no_request_urls() -> None:
    m = build_manifest(public_url=None, tracker_urls=["https://api.github.com"])
    assert m["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in m["settings"]["event_subscriptions"]
    command = m["features"]["slash_commands"][0]
    assert command["command"] == "/impact" and command["should_escape"] is True
    assert m["features"]["unfurl_domains"] == ["github.com"]


def test_http_manifest_points_every_url_at_slack_events(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("IMPACTBOT_PUBLIC_URL", "https://impact.acme.example/")
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.acme.example/api/v3")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    out = CliRunner().invoke(main, ["manifest"]).output
    m = yaml.safe_load(out)
    url = "https://impact.acme.example/slack/events"
    assert m["settings"]["event_subscriptions"]["request_url"] == url
    assert m["settings"]["interactivity"]["request_url"] == url
    assert m["features"]["slash_commands"][0]["url"] == url
    assert m["features"]["unfurl_domains"] == ["ghe.acme.example"]
    assert m["settings"]["socket_mode_enabled"] is False
    assert set(m["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
