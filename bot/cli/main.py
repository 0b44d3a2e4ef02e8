"""The ``impactbot`` command line: the group, its global options, and the commands of each
topic module. Each command parses its arguments, calls one use case, and renders the result;
errors the user can fix print one clear message and exit 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bot.cli import commands_credit, commands_issues, commands_operate, commands_slack
from bot.cli.setup import ImpactbotGroup, Setup


@click.group(cls=ImpactbotGroup)
@click.option("--db", type=click.Path(path_type=Path), help="SQLite file (IMPACTBOT_DB).")
@click.option("--rules", type=click.Path(path_type=Path), help="Rules folder (IMPACTBOT_RULES).")
@click.version_option(package_name="impactbot")
@click.pass_context
def main(ctx: click.Context, db: Path | None, rules: Path | None) -> None:
    """impactbot: find orphaned cross-team work, route it to the managers who benefit,
    and credit whoever does it."""
    overrides: dict[str, Any] = {}
    if db is not None:
        overrides["db_path"] = db
    if rules is not None:
        overrides["rules_dir"] = rules
    ctx.obj = Setup(overrides)


for _command in (
    *commands_issues.COMMANDS,
    *commands_credit.COMMANDS,
    *commands_slack.COMMANDS,
    *commands_operate.COMMANDS,
):
    main.add_command(_command)
