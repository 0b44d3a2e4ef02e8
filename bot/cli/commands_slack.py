"""Commands that face Slack: run the bot (serve), send or preview the managers' digests, and
print the Slack app's manifest."""

from __future__ import annotations

import functools
import sys

import click

from bot import wiring
from bot.app.install_checks import tracker_web_hosts
from bot.cli import render
from bot.cli.setup import command, console, reports_errors, services_of


@command()
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (IMPACTBOT_PORT).")
@click.option("--host", default="0.0.0.0", show_default=True, help="HTTP address to bind.")
@click.pass_context
@reports_errors
def serve(ctx: click.Context, port: int | None, host: str) -> None:
    """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, else HTTP /slack/events."""
    from bot.cli.doctor import health_report
    from bot.cli.scheduler import start_jobs
    from bot.slack.server import http_server, socket_mode

    services = services_of(ctx)
    settings = services.settings
    services.rules()  # fail now, not on the first request, when the rules are broken
    app = wiring.slack_app(settings, services)
    client = wiring.required_slack_client(settings, "`--send` posts in Slack")
    scheduler = start_jobs(services, client)
    jobs = ", ".join(j.id for j in scheduler.get_jobs())
    click.echo(f"impactbot: jobs scheduled: {jobs}", err=True)
    if settings.slack_app_token:
        click.echo("impactbot: connecting to Slack in Socket Mode", err=True)
        socket_mode(app, settings.slack_app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
        return
    health = functools.partial(health_report, settings)
    server = http_server(app, host=host, port=port or settings.port, health=health)
    click.echo(
        f"impactbot: serving http://{host}:{server.effective_port}/slack/events (health: /healthz)",
        err=True,
    )
    server.run()


@command()
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

    services = services_of(ctx)
    client = (
        None
        if dry_run
        else wiring.required_slack_client(services.settings, "`--send` posts in Slack")
    )
    sender = wiring.slack_sender(client)
    outcomes = send_due(services, sender, now=services.clock(), only=manager, dry_run=dry_run)
    if as_json_output:
        click.echo(render.digest_outcomes_json(outcomes))
        sys.exit(1 if any(o.failed for o in outcomes) else 0)
    for outcome in outcomes:
        click.echo(f"== {outcome.who} ({outcome.period}): {outcome.status}")
        if outcome.text:
            click.echo(outcome.text)
    failed = [o for o in outcomes if o.failed]
    if failed:
        render.print_digest_failures(console(), failed, sent=len(outcomes) - len(failed))
        sys.exit(1)


@command()
@click.pass_context
@reports_errors
def manifest(ctx: click.Context) -> None:
    """Print the Slack app manifest for this configuration (Socket Mode or HTTP URLs; links
    of every tracker in rules/sources.yaml unfurl)."""
    from bot.slack.manifest import UNFURL_DOMAIN_LIMIT, build_manifest, manifest_yaml
    from bot.slack.manifest import unfurl_domains as domains_of

    services = services_of(ctx)
    settings = services.settings
    hosts = domains_of(tracker_web_hosts(services.credentials, services.rules().sources))
    public_url = None if settings.slack_app_token else settings.public_url
    click.echo(manifest_yaml(build_manifest(public_url=public_url, hosts=hosts)), nl=False)
    if len(hosts) > UNFURL_DOMAIN_LIMIT:
        left_out = ", ".join(hosts[UNFURL_DOMAIN_LIMIT:])
        click.echo(
            f"warning: Slack takes at most {UNFURL_DOMAIN_LIMIT} unfurl domains in a manifest; "
            f"links to {left_out} will not unfurl",
            err=True,
        )


COMMANDS = (serve, digest, manifest)
