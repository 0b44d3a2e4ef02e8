"""Commands about credit: a person's or team's credit (and one entry explained, voided or
confirmed), the leaderboard, the funnel, the review-season export, the audit log, and
forgetting a person who left."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.app.services import Services
from bot.cli import render_credit
from bot.cli.questions import question_command
from bot.cli.setup import command, console, group, reports_errors, services_of
from bot.core.periods import PERIOD_HELP

PERIOD_OPTION = click.option("--period", help=f"Period (default 90d): {PERIOD_HELP}.")  # funnel
JSON_OPTION = click.option(
    "--json", "as_json_output", is_flag=True, help="Machine-readable output."
)


def _names(services: Services) -> render_credit.Names:
    """How person ids read: the identity map's name, else the id (the services' cached
    directory of the current rules)."""
    return services.directory().name_of_person


@question_command("credit")
@click.option("--explain", "explain_entry", type=int, metavar="ENTRY", help="Show one entry.")
@click.option("--void", "void_entry", type=int, metavar="ENTRY", help="Void one entry.")
@click.option(
    "--confirm",
    "confirm_key",
    metavar="KEY",
    help="A benefiting team's manager confirms a completed item helped them.",
)
@click.option("--by", help="With --void: the leadership member; with --confirm: the manager.")
@click.option("--reason", help="With --void: why.")
@JSON_OPTION
@click.pass_context
@reports_errors
def credit(
    ctx: click.Context,
    person: str | None,
    team: str | None,
    period: str | None,
    explain_entry: int | None,
    void_entry: int | None,
    confirm_key: str | None,
    by: str | None,
    reason: str | None,
    as_json_output: bool,
) -> None:
    """Credit of a person or a team in a period, drillable to entries; explain or void one."""
    services = services_of(ctx)
    if explain_entry is not None:
        _explain_entry(services, explain_entry, as_json_output)
    elif confirm_key is not None:
        _confirm(services, confirm_key, by)
    elif void_entry is not None:
        _void(services, void_entry, by, reason)
    else:
        _report(services, person, team, period, as_json_output)


def _explain_entry(services: Services, entry_id: int, as_json_output: bool) -> None:
    """``credit --explain ENTRY``: one ledger entry and the issue it is for."""
    entry, issue = services.explain_entry(entry_id)
    if as_json_output:
        click.echo(json.dumps(render_credit.entry_json(entry, _names(services)), indent=2))
    else:
        render_credit.print_entry(console(), entry_id, entry, issue, _names(services))


def _confirm(services: Services, key: str, by: str | None) -> None:
    """``credit --confirm KEY --by MANAGER``: the held entries of ``key`` now count."""
    if not by:
        raise click.UsageError("--confirm needs --by MANAGER")
    released = services.confirm(key, by=by)
    click.echo(f"confirmed {key}: {released} entries now count")


def _void(services: Services, entry_id: int, by: str | None, reason: str | None) -> None:
    """``credit --void ENTRY --by PERSON --reason TEXT``: a reversing entry."""
    if not by or not reason:
        raise click.UsageError("--void needs --by PERSON and --reason TEXT")
    void = services.void(entry_id, by=by, reason=reason)
    click.echo(f"voided entry {entry_id}: {void.points:+.2f} points for {void.person_id}")


def _report(
    services: Services,
    person: str | None,
    team: str | None,
    period: str | None,
    as_json_output: bool,
) -> None:
    """``credit --person P`` or ``--team T``: the credit report of the period."""
    if (person is None) == (team is None):
        raise click.UsageError("give exactly one of --person or --team (or --explain / --void)")
    report = services.credit_report(person=person, team=team, period=period)
    if as_json_output:
        click.echo(render_credit.report_json(report, _names(services)))
    else:
        render_credit.print_report(console(), report, _names(services))


@question_command("leaderboard")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@JSON_OPTION
@click.pass_context
@reports_errors
def leaderboard(ctx: click.Context, period: str | None, limit: int, as_json_output: bool) -> None:
    """People ranked by cross-team impact credit in a period."""
    services = services_of(ctx)
    board = services.leaderboard(period=period, limit=limit)
    if as_json_output:
        click.echo(render_credit.leaderboard_json(board, _names(services)))
    else:
        render_credit.print_leaderboard(console(), board, _names(services))


@command()
@PERIOD_OPTION
@JSON_OPTION
@click.pass_context
@reports_errors
def funnel(ctx: click.Context, period: str | None, as_json_output: bool) -> None:
    """Surfaced → claimed → done per team, this period beside the previous one."""
    result = services_of(ctx).funnel(period=period)
    if as_json_output:
        click.echo(render_credit.funnel_json(result))
    else:
        render_credit.print_funnel(console(), result)


@question_command("export")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of standard output.",
)
@click.pass_context
@reports_errors
def export(ctx: click.Context, period: str | None, fmt: str, output: Path | None) -> None:
    """Review-season export: per person, items, roles, benefiting teams, links, evidence."""
    text = services_of(ctx).export(period=period, fmt=fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@command()
@click.option(
    "--since",
    metavar="DATE|PERIOD",
    help="Rows from this date (2026-11-05) or the start of this period (7d, 2026-11) on.",
)
@JSON_OPTION
@click.pass_context
@reports_errors
def audit(ctx: click.Context, since: str | None, as_json_output: bool) -> None:
    """The audit log: every claim, failed or released claim, Not ours, snooze, undo, export,
    void, confirmation and forgotten person — who, what, on what, when, why."""
    services = services_of(ctx)
    listing = services.audit_log(since=since)
    if as_json_output:
        click.echo(render_credit.audit_json(listing, _names(services)))
    else:
        render_credit.print_audit(console(), listing, _names(services))


@group()
def people() -> None:
    """Manage people's data."""


@people.command("forget")
@click.argument("person")
@click.pass_context
@reports_errors
def people_forget(ctx: click.Context, person: str) -> None:
    """Pseudonymise a person who left: their identity goes, ledger sums and team totals stay."""
    ref = services_of(ctx).forget(person)
    tail = f"; their credit stays as {ref}" if ref else "; they had no credit"
    click.echo(f"forgot {person}{tail}")


COMMANDS = (credit, leaderboard, funnel, export, audit, people)
