"""Commands about issues: bring them in (import, sync), score them, and read them (orphans,
explain, dupes), or flag one on someone's behalf."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from bot.app.scoring import as_json
from bot.cli import render
from bot.cli.progress import LiveProgress, LogProgress
from bot.cli.questions import question_command
from bot.cli.setup import command, console, reports_errors, services_of
from bot.core.models import Visibility
from bot.trackers.file_import import ImportFormat

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ImportFormat]),
    help="Export format; guessed from the extension (.json, .csv) when omitted.",
)
VISIBILITY_OPTION = click.option(
    "--visibility",
    type=click.Choice([v.value for v in Visibility]),
    default=Visibility.RESTRICTED.value,
    show_default=True,
    help="Who may read the file's issues in Slack: restricted (their teams, managers and "
    "leadership) unless you say public.",
)


@command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@FORMAT_OPTION
@click.option("--source", help="Name of the tracker instance (default: github / jira).")
@click.option("--timezone", help="Time zone of a Jira CSV's dates, e.g. Europe/Berlin.")
@click.option("--date-format", help="strptime format of a Jira CSV's dates, if not Jira's default.")
@click.option(
    "--site-url", help="Jira site of a CSV export (https://acme.atlassian.net), for links."
)
@VISIBILITY_OPTION
@click.pass_context
@reports_errors
def import_command(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    source: str | None,
    timezone: str | None,
    date_format: str | None,
    site_url: str | None,
    visibility: str,
) -> None:
    """Import a `gh issue list --json` file or a Jira CSV export, all or nothing."""
    result = services_of(ctx).import_file(
        file,
        fmt=ImportFormat(fmt) if fmt else None,
        source=source,
        timezone=timezone,
        date_format=date_format,
        site_url=site_url,
        visibility=Visibility(visibility),
    )
    render.print_import(console(), result)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@command()
@click.option("--source", help="Sync only this source of rules/sources.yaml.")
@click.option("--full", is_flag=True, help="Ignore saved cursors and re-read everything.")
@click.option(
    "--sweep/--no-sweep",
    default=None,
    help="Force or skip the check for deleted and transferred issues (default: when due).",
)
@click.pass_context
@reports_errors
def sync(ctx: click.Context, source: str | None, full: bool, sweep: bool | None) -> None:
    """Pull issues from the trackers in rules/sources.yaml into the store, then rescore."""
    outcome = services_of(ctx).sync(
        source=source, full=full, sweep=sweep, progress=_progress(Console(stderr=True))
    )
    render.print_sync(console(), outcome)
    if outcome.failed:
        sys.exit(1)


def _progress(err: Console) -> Callable[[Callable[[], str]], LiveProgress | LogProgress]:
    """Each source's progress display on ``err``: live on a terminal, else log lines."""

    def progress(budget: Callable[[], str]) -> LiveProgress | LogProgress:
        if err.is_terminal:
            return LiveProgress(err, budget)
        return LogProgress(functools.partial(click.echo, err=True), budget)

    return progress


@command()
@click.pass_context
@reports_errors
def score(ctx: click.Context) -> None:
    """Rescore every stored issue with the current rules."""
    render.print_score(console(), services_of(ctx).score())


@question_command("orphans")
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def orphans(ctx: click.Context, team: str | None, limit: int, as_json_output: bool) -> None:
    """List the top orphaned cross-team items, with their reasons."""
    rows = services_of(ctx).orphans(team=team, limit=limit)
    if as_json_output:
        click.echo(as_json(rows))
    else:
        render.print_orphans(console(), rows)


@command()
@click.argument("key")
@click.option("--json", "as_json_output", is_flag=True, help="The score card as JSON.")
@click.pass_context
@reports_errors
def explain(ctx: click.Context, key: str, as_json_output: bool) -> None:
    """Show an issue's score card point by point (KEY: owner/repo#N or ABC-123)."""
    explanation = services_of(ctx).explain(key)
    if as_json_output:
        click.echo(render.explanation_json(explanation))
    else:
        render.print_explanation(console(), explanation)


@command()
@click.argument("key")
@click.option("--limit", type=click.IntRange(1, 100), help="Candidates to list (default: top_k).")
@click.option("--json", "as_json_output", is_flag=True, help="The candidates as JSON.")
@click.pass_context
@reports_errors
def dupes(ctx: click.Context, key: str, limit: int | None, as_json_output: bool) -> None:
    """List issues that read like KEY's, other teams' first (KEY: owner/repo#N or ABC-123)."""
    answer = services_of(ctx).dupes(key, limit=limit)
    if as_json_output:
        click.echo(json.dumps(answer.as_json(), indent=2))
    else:
        render.print_dupes(console(), answer)


@command()
@click.argument("key")
@click.option("--by", required=True, help="The engineer flagging it (a person id).")
@click.option("--note", default="", help="Why it matters across teams.")
@click.pass_context
@reports_errors
def flag(ctx: click.Context, key: str, by: str, note: str) -> None:
    """Flag an issue as cross-team impact on someone's behalf (users flag from Slack)."""
    added = services_of(ctx).flag(key, by=by, note=note)
    click.echo(f"flagged {key} for {by}" if added else f"{by} had already flagged {key}")


COMMANDS = (import_command, sync, score, orphans, explain, dupes, flag)
