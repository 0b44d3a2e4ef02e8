"""The ``impactbot`` command line. Each command parses its arguments, calls one service,
and renders the result; errors the user can fix print one clear message and exit 1."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app.services import Services, as_json
from bot.cli import render, render_credit
from bot.cli.progress import LiveProgress, LogProgress
from bot.cli.questions import question_command
from bot.cli.setup import ImpactbotGroup, Setup
from bot.core.identity import Directory
from bot.core.models import Visibility
from bot.core.periods import PERIOD_HELP
from bot.errors import ConfigurationError, ImpactbotError
from bot.trackers.file_import import ImportFormat
from bot.trackers.sync import ProgressDisplay

F = TypeVar("F", bound=Callable[..., Any])


def _services(ctx: click.Context) -> Services:
    setup = ctx.find_root().obj
    assert isinstance(setup, Setup)
    return setup.services()


def _names(services: Services) -> render_credit.Names:
    """How person ids read: the identity map's name, else the id."""
    return Directory.build(services.rules().teams).name_of_person


def _console() -> Console:
    return Console(highlight=False)


def reports_errors(fn: F) -> F:
    """Turn ``ImpactbotError`` into a one-line message on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImpactbotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


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


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ImportFormat]),
    help="Export format; guessed from the extension (.json, .csv) when omitted.",
)
@click.option("--source", help="Name of the tracker instance (default: github / jira).")
@click.option("--timezone", help="Time zone of a Jira CSV's dates, e.g. Europe/Berlin.")
@click.option("--date-format", help="strptime format of a Jira CSV's dates, if not Jira's default.")
@click.option(
    "--site-url", help="Jira site of a CSV export (https://acme.atlassian.net), for links."
)
@click.option(
    "--visibility",
    type=click.Choice([v.value for v in Visibility]),
    default=Visibility.RESTRICTED.value,
    show_default=True,
    help="Who may read the file's issues in Slack: restricted (their teams, managers and "
    "leadership) unless you say public.",
)
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
    result = _services(ctx).import_file(
        file,
        fmt=ImportFormat(fmt) if fmt else None,
        source=source,
        timezone=timezone,
        date_format=date_format,
        site_url=site_url,
        visibility=Visibility(visibility),
    )
    render.print_import(_console(), result)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


@main.command()
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
    console = Console(stderr=True)

    def progress(budget: Callable[[], str]) -> ProgressDisplay:
        if console.is_terminal:
            return LiveProgress(console, budget)
        return LogProgress(functools.partial(click.echo, err=True), budget)

    outcome = _services(ctx).sync(source=source, full=full, sweep=sweep, progress=progress)
    render.print_sync(_console(), outcome)
    if outcome.failed:
        sys.exit(1)


@main.command()
@click.pass_context
@reports_errors
def score(ctx: click.Context) -> None:
    """Rescore every stored issue with the current rules."""
    render.print_score(_console(), _services(ctx).score())


@question_command(main, "orphans")
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def orphans(ctx: click.Context, team: str | None, limit: int, as_json_output: bool) -> None:
    """List the top orphaned cross-team items, with their reasons."""
    rows = _services(ctx).orphans(team=team, limit=limit)
    if as_json_output:
        click.echo(as_json(rows))
    else:
        render.print_orphans(_console(), rows)


@main.command()
@click.argument("key")
@click.option("--json", "as_json_output", is_flag=True, help="The score card as JSON.")
@click.pass_context
@reports_errors
def explain(ctx: click.Context, key: str, as_json_output: bool) -> None:
    """Show an issue's score card point by point (KEY: owner/repo#N or ABC-123)."""
    explanation = _services(ctx).explain(key)
    if as_json_output:
        click.echo(render.explanation_json(explanation))
    else:
        render.print_explanation(_console(), explanation)


@main.command()
@click.argument("key")
@click.option("--limit", type=click.IntRange(1, 100), help="Candidates to list (default: top_k).")
@click.option("--json", "as_json_output", is_flag=True, help="The candidates as JSON.")
@click.pass_context
@reports_errors
def dupes(ctx: click.Context, key: str, limit: int | None, as_json_output: bool) -> None:
    """List issues that read like KEY's, other teams' first (KEY: owner/repo#N or ABC-123)."""
    answer = _services(ctx).dupes(key, limit=limit)
    if as_json_output:
        click.echo(json.dumps(answer.as_json(), indent=2))
    else:
        render.print_dupes(_console(), answer)


PERIOD_OPTION = click.option("--period", help=f"Period (default 90d): {PERIOD_HELP}.")  # funnel


@question_command(main, "credit")
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
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
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
    services, console = _services(ctx), _console()
    if explain_entry is not None:
        entry, issue = services.explain_entry(explain_entry)
        if as_json_output:
            click.echo(json.dumps(render_credit.entry_json(entry, _names(services)), indent=2))
        else:
            render_credit.print_entry(console, explain_entry, entry, issue, _names(services))
        return
    if confirm_key is not None:
        if not by:
            raise click.UsageError("--confirm needs --by MANAGER")
        released = services.confirm(confirm_key, by=by)
        click.echo(f"confirmed {confirm_key}: {released} entries now count")
        return
    if void_entry is not None:
        if not by or not reason:
            raise click.UsageError("--void needs --by PERSON and --reason TEXT")
        void = services.void(void_entry, by=by, reason=reason)
        click.echo(f"voided entry {void_entry}: {void.points:+.2f} points for {void.person_id}")
        return
    if (person is None) == (team is None):
        raise click.UsageError("give exactly one of --person or --team (or --explain / --void)")
    report = services.credit_report(person=person, team=team, period=period)
    if as_json_output:
        click.echo(render_credit.report_json(report, _names(services)))
    else:
        render_credit.print_report(console, report, _names(services))


@question_command(main, "leaderboard")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def leaderboard(ctx: click.Context, period: str | None, limit: int, as_json_output: bool) -> None:
    """People ranked by cross-team impact credit in a period."""
    services = _services(ctx)
    board = services.leaderboard(period=period, limit=limit)
    if as_json_output:
        click.echo(render_credit.leaderboard_json(board, _names(services)))
    else:
        render_credit.print_leaderboard(_console(), board, _names(services))


@main.command()
@PERIOD_OPTION
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def funnel(ctx: click.Context, period: str | None, as_json_output: bool) -> None:
    """Surfaced → claimed → done per team, this period beside the previous one."""
    result = _services(ctx).funnel(period=period)
    if as_json_output:
        click.echo(render_credit.funnel_json(result))
    else:
        render_credit.print_funnel(_console(), result)


@question_command(main, "export")
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
    text = _services(ctx).export(period=period, fmt=fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@main.command()
@click.option(
    "--since",
    metavar="DATE|PERIOD",
    help="Rows from this date (2026-11-05) or the start of this period (7d, 2026-11) on.",
)
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def audit(ctx: click.Context, since: str | None, as_json_output: bool) -> None:
    """The audit log: every claim, failed or released claim, Not ours, snooze, undo, export,
    void, confirmation and forgotten person — who, what, on what, when, why."""
    services = _services(ctx)
    listing = services.audit_log(since=since)
    if as_json_output:
        click.echo(render_credit.audit_json(listing, _names(services)))
    else:
        render_credit.print_audit(_console(), listing, _names(services))


@main.command()
@click.argument("key")
@click.option("--by", required=True, help="The engineer flagging it (a person id).")
@click.option("--note", default="", help="Why it matters across teams.")
@click.pass_context
@reports_errors
def flag(ctx: click.Context, key: str, by: str, note: str) -> None:
    """Flag an issue as cross-team impact on someone's behalf (users flag from Slack)."""
    added = _services(ctx).flag(key, by=by, note=note)
    click.echo(f"flagged {key} for {by}" if added else f"{by} had already flagged {key}")


@main.group()
def people() -> None:
    """Manage people's data."""


@people.command("forget")
@click.argument("person")
@click.pass_context
@reports_errors
def people_forget(ctx: click.Context, person: str) -> None:
    """Pseudonymise a person who left: their identity goes, ledger sums and team totals stay."""
    ref = _services(ctx).forget(person)
    tail = f"; their credit stays as {ref}" if ref else "; they had no credit"
    click.echo(f"forgot {person}{tail}")


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (IMPACTBOT_PORT).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP address to bind.")
@click.pass_context
@reports_errors
def serve(ctx: click.Context, port: int | None, host: str) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP /slack/events."""
    from bot.cli.doctor import health_report
    from bot.cli.scheduler import start_jobs
    from bot.slack.app import create_app
    from bot.slack.server import http_server, socket_mode

    services = _services(ctx)
    settings = services.settings
    services.rules()  # fail now, not on the first request, when the rules are broken
    app = create_app(settings, services)
    scheduler = start_jobs(services, _slack_client(services))
    click.echo(
        f"impactbot: jobs scheduled: {', '.join(j.id for j in scheduler.get_jobs())}", err=True
    )
    if settings.slack_app_token:
        click.echo("impactbot: connecting to Slack in Socket Mode", err=True)
        socket_mode(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
        return
    server = http_server(
        app,
        host=host,
        port=port or settings.port,
        health=functools.partial(health_report, settings),
    )
    click.echo(
        f"impactbot: serving http://{host}:{server.effective_port}/slack/events (health: /healthz)",
        err=True,
    )
    server.run()


@main.command()
@click.option("--manager", help="Only this manager (a person id); sends now, due or not.")
@click.option(
    "--dry-run/--send",
    default=True,
    show_default=True,
    help="Print the digests here, or send them in Slack (exactly once per week).",
)
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def digest(ctx: click.Context, manager: str | None, dry_run: bool, as_json_output: bool) -> None:
    """Compose the managers' weekly digests; print them, or send the due ones (exit 1, with
    a summary of who did not get theirs and why, when any send failed)."""
    from bot.app.digests import send_due

    services = _services(ctx)
    client = None if dry_run else _slack_client(services)
    outcomes = send_due(services, client, now=services.clock(), only=manager, dry_run=dry_run)
    if as_json_output:
        click.echo(render.digest_outcomes_json(outcomes))
        sys.exit(1 if any(o.failed for o in outcomes) else 0)
    for outcome in outcomes:
        click.echo(f"== {outcome.manager} ({outcome.period}): {outcome.status}")
        if outcome.text:
            click.echo(outcome.text)
    failed = [o for o in outcomes if o.failed]
    if failed:
        render.print_digest_failures(_console(), failed, sent=len(outcomes) - len(failed))
        sys.exit(1)


def _slack_client(services: Services) -> WebClient:
    token = services.settings.slack_bot_token
    if token is None or not token.get_secret_value():
        raise ConfigurationError("SLACK_BOT_TOKEN is not set: `--send` posts in Slack")
    client = WebClient(token=token.get_secret_value(), base_url=services.settings.slack_api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


@main.command()
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
@reports_errors
def doctor(ctx: click.Context, as_json_output: bool) -> None:
    """Check tokens, scopes, source access, rules and the identity map; exit 1 on failures."""
    findings = _services(ctx).doctor()
    if as_json_output:
        click.echo(render.findings_json(findings))
    else:
        render.print_findings(_console(), findings)
    if any(f.level == "fail" for f in findings):
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
@reports_errors
def backup(ctx: click.Context, path: Path) -> None:
    """Copy the database to PATH with SQLite's online backup (safe while `serve` runs)."""
    size = _services(ctx).backup(path)
    click.echo(f"backed up to {path} ({size:,} bytes)")


@main.command()
@click.pass_context
@reports_errors
def manifest(ctx: click.Context) -> None:
    """Print the Slack app manifest for this configuration (Socket Mode or HTTP URLs; links
    of every tracker in rules/sources.yaml unfurl)."""
    from bot.slack.manifest import UNFURL_DOMAIN_LIMIT, build_manifest, manifest_yaml
    from bot.slack.manifest import unfurl_domains as domains_of
    from bot.trackers.registry import web_hosts

    services = _services(ctx)
    settings = services.settings
    hosts = domains_of(web_hosts(settings, services.rules().sources))
    public_url = None if settings.slack_app_token else settings.public_url
    click.echo(manifest_yaml(build_manifest(public_url=public_url, hosts=hosts)), nl=False)
    if len(hosts) > UNFURL_DOMAIN_LIMIT:
        left_out = ", ".join(hosts[UNFURL_DOMAIN_LIMIT:])
        click.echo(
            f"warning: Slack takes at most {UNFURL_DOMAIN_LIMIT} unfurl domains in a manifest; "
            f"links to {left_out} will not unfurl",
            err=True,
        )


@main.group()
def rules() -> None:
    """Inspect the rules folder."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json_output", is_flag=True, help="Machine-readable output.")
@click.pass_context
def rules_check(ctx: click.Context, directory: Path | None, as_json_output: bool) -> None:
    """Validate a rules folder (default: IMPACTBOT_RULES); exit 1 listing every problem."""
    services = _services(ctx)
    target = directory or services.settings.rules_dir
    problems = services.check_rules(target)
    if as_json_output:
        click.echo(render.rules_check_json(target, problems))
        sys.exit(1 if problems else 0)
    if problems:
        render.print_rules_problems(_console(), problems)
        sys.exit(1)
    click.echo(f"{target}: rules are valid")


@main.command()
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

    result = run_demo(_services(ctx), limit=limit, keep=keep)
    render.print_demo(_console(), result)
