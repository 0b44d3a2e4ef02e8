"""Settings, read from the environment and ``.env`` — in entry points only, never at import.

Every field's environment name appears in ``.env.example`` (a test checks it).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


def env_names() -> list[str]:
    """The environment variable of every setting (for docs and their test)."""
    return [str(f.validation_alias) for f in Settings.model_fields.values()]
