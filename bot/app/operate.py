"""Looking after an install: backing the database up, checking a rules folder."""

from __future__ import annotations

from pathlib import Path

from bot.app.context import AppContext
from bot.app.rules_files import check_rules_dir
from bot.core.rules import RuleProblem
from bot.errors import ConfigurationError
from bot.store import open_store


class Operate:
    """Operator chores over one configuration."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def backup(self, target: Path) -> int:
        """Back the database up to ``target`` (which must not exist); returns its size."""
        db_path = self.ctx.settings.db_path
        if target.exists():
            raise ConfigurationError(f"{target} exists: choose a new file for the backup")
        if not db_path.exists():
            raise ConfigurationError(f"no database at {db_path} to back up")
        with open_store(db_path) as store:
            store.backup_to(target)
        return target.stat().st_size

    def check_rules(self, directory: Path | None = None) -> list[RuleProblem]:
        """Every problem in a rules folder (the configured one by default)."""
        return check_rules_dir(directory or self.ctx.settings.rules_dir)[1]
