"""Settings, read from the environment and ``.env`` — in entry points only, never at import.

Every field's environment name appears in ``.env.example`` (a test checks it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigurationError


class Settings(BaseSettings):
    """impactbot's configuration; the environment wins over ``.env``."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    db_path: Path = Field(
        default=Path("./impactbot.db"),
        validation_alias="IMPACTBOT_DB",
        description="SQLite database file",
    )
    rules_dir: Path = Field(
        default=Path("./rules"),
        validation_alias="IMPACTBOT_RULES",
        description="folder holding teams.yaml, scoring.yaml and credit.yaml",
    )
    github_token: SecretStr | None = Field(
        default=None,
        validation_alias="GITHUB_TOKEN",
        description="token for the GitHub API (fine-grained: Issues and Metadata read)",
    )
    github_api_url: str = Field(
        default="https://api.github.com",
        validation_alias="GITHUB_API_URL",
        description="REST base URL; for GitHub Enterprise Server https://HOST/api/v3",
    )
    github_graphql_url_setting: str | None = Field(
        default=None,
        validation_alias="GITHUB_GRAPHQL_URL",
        description="GraphQL endpoint; derived from GITHUB_API_URL when unset",
    )

    jira_url: str | None = Field(
        default=None,
        validation_alias="JIRA_URL",
        description="Jira Cloud site, e.g. https://acme.atlassian.net",
    )
    jira_email: str | None = Field(
        default=None,
        validation_alias="JIRA_EMAIL",
        description="email of the Atlassian account the API token belongs to",
    )
    jira_api_token: SecretStr | None = Field(
        default=None,
        validation_alias="JIRA_API_TOKEN",
        description="Atlassian API token (id.atlassian.com → Security → API tokens)",
    )
    linear_api_key: SecretStr | None = Field(
        default=None,
        validation_alias="LINEAR_API_KEY",
        description="Linear personal API key (Settings → Security & access)",
    )
    linear_api_url: str = Field(
        default="https://api.linear.app/graphql",
        validation_alias="LINEAR_API_URL",
        description="Linear GraphQL endpoint",
    )
    gitlab_url: str = Field(
        default="https://gitlab.com",
        validation_alias="GITLAB_URL",
        description="GitLab instance URL (self-managed: https://gitlab.example.com)",
    )
    gitlab_token: SecretStr | None = Field(
        default=None,
        validation_alias="GITLAB_TOKEN",
        description="GitLab access token with read_api (api to write claims back)",
    )

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias="SLACK_BOT_TOKEN", description="xoxb- bot token"
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="verifies that HTTP requests come from Slack",
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_APP_TOKEN",
        description="xapp- app-level token: when set, `serve` uses Socket Mode",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias="SLACK_API_URL",
        description="Slack Web API base URL (Enterprise Grid proxies, tests)",
    )
    port: int = Field(
        default=3000,
        ge=1,
        le=65535,
        validation_alias="IMPACTBOT_PORT",
        description="HTTP port of `serve` without Socket Mode",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias="IMPACTBOT_PUBLIC_URL",
        description="public HTTPS base URL Slack reaches `serve` at (for the manifest)",
    )
    flag_emoji: str = Field(
        default="dart",
        validation_alias="IMPACTBOT_FLAG_EMOJI",
        description="reaction name that flags the issue linked in a message",
    )

    sync_minutes: int = Field(
        default=15,
        ge=0,
        validation_alias="IMPACTBOT_SYNC_MINUTES",
        description="minutes between scheduled syncs under `serve` (0: never)",
    )
    digest_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = Field(
        default="mon",
        validation_alias="IMPACTBOT_DIGEST_WEEKDAY",
        description="weekday of the managers' digests, in each manager's own time zone",
    )
    digest_hour: int = Field(
        default=9,
        ge=0,
        le=23,
        validation_alias="IMPACTBOT_DIGEST_HOUR",
        description="hour of the managers' digests, in each manager's own time zone",
    )

    digest_nothing_needs_you: bool = Field(
        default=False,
        validation_alias="IMPACTBOT_DIGEST_NOTHING_NEEDS_YOU",
        description="send managers with nothing relevant a one-line 'nothing needs you'",
    )
    leadership_channel: str | None = Field(
        default=None,
        validation_alias="IMPACTBOT_LEADERSHIP_CHANNEL",
        description="channel (C… or #name) for the leadership digest; unset: DMs to leadership",
    )

    @property
    def github_graphql_url(self) -> str:
        """``GITHUB_GRAPHQL_URL``, else derived: api.github.com → /graphql, a GHES REST base
        ``https://HOST/api/v3`` → ``https://HOST/api/graphql``, anything else → ``/graphql``."""
        if self.github_graphql_url_setting:
            return self.github_graphql_url_setting
        base = self.github_api_url.rstrip("/")
        if base.endswith("/api/v3"):
            return base.removesuffix("/v3") + "/graphql"
        return base + "/graphql"


def env_names() -> list[str]:
    """The environment variable of every setting (for docs and their test)."""
    return [str(f.validation_alias) for f in Settings.model_fields.values()]


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and ``.env`` (``overrides`` win); raises
    ``ConfigurationError`` naming each bad setting, its value (never a secret's) and the values
    it accepts."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [_problem(error["loc"], error["input"]) for error in exc.errors()]
        raise ConfigurationError(
            "; ".join(problems) + " (fix it in the environment or .env; see .env.example)"
        ) from None


def _problem(loc: tuple[int | str, ...], value: object) -> str:
    name = str(loc[0]) if loc else "a setting"
    field = next((f for f in Settings.model_fields.values() if f.validation_alias == name), None)
    if field is None:
        return f"{name} is not valid"
    shown = "(hidden)" if _is_secret(field) else repr(value)
    return f"{name}={shown} is not valid: it takes {accepted_values(field)}"


def _is_secret(field: FieldInfo) -> bool:
    return SecretStr in (field.annotation, *get_args(field.annotation))


def accepted_values(field: FieldInfo) -> str:
    """What a setting accepts, in words: its choices, its range, or its kind."""
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(annotation))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        low = next((m.ge for m in field.metadata if isinstance(m, Ge)), None)
        high = next((m.le for m in field.metadata if isinstance(m, Le)), None)
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
        if low is not None:
            return f"a whole number, at least {low}"
        return "a whole number"
    return "a path" if annotation is Path else "text"
