"""Commands that look after an install: check it (doctor, rules check), back its database
up, and run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot import wiring
from bot.cli import render
from bot.cli.doctor import run_checks
from bot.cli.setup import command, console, group, reports_errors, services_of

DOCTOR_HTTP_TIMEOUT = 15.0  # seconds for each GitHub probe


@command()
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, as_json_output: bool) -> None:
    """Check tokens, scopes, source access, rules and the identity map; exit 1 on failures."""
    settings = services_of(ctx).settings
    slack = wiring.slack_client(settings)
    with wiring.http_client(DOCTOR_HTTP_TIMEOUT) as http:
        findings = run_checks(settings, slack=slack, http=http)
    if as_json_output:
        click.echo(render.findings_json(findings))
    else:
        render.print_findings(console(), findings)
    if any(f.level == "fail" for f in findings):
        sys.exit(1)


@command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
@reports_errors
def backup(ctx: click.Context, path: Path) -> None:
    """Copy the database to PATH with SQLite's online backup (safe while `serve` runs)."""
    size = services_of(ctx).backup(path)
    click.echo(f"backed up to {path} ({size:,} bytes)")


@group()
def rules() -> None:
    """Inspect the rules folder."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
def rules_check(ctx: click.Context, directory: Path | None, as_json_output: bool) -> None:
    """Validate a rules folder (default: IMPACTBOT_RULES); exit 1 listing every problem."""
    services = services_of(ctx)
    target = directory or services.settings.rules_dir
    problems = services.check_rules(target)
    if as_json_output:
        click.echo(render.rules_check_json(target, problems))
        sys.exit(1 if problems else 0)
    if problems:
        render.print_rules_problems(console(), problems)
        sys.exit(1)
    click.echo(f"{target}: rules are valid")


@command()
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--keep",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the demo's exports, rules and database (impactbot.db) in this new, empty or "
    "previous demo folder: every command then works there with no flags.",
)
@click.pass_context
@reports_errors
def demo(ctx: click.Context, limit: int, keep: Path | None) -> None:
    """Run the whole loop on a generated demo organisation: no tokens, no network."""
    from bot.demo.run import run_demo

    result = run_demo(services_of(ctx), limit=limit, keep=keep)
    render.print_demo(console(), result)


COMMANDS = (doctor, backup, rules, demo)
