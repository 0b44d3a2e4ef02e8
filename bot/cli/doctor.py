"""`impactbot doctor`: what a new install usually gets wrong, each with how to fix it.

Checks the rules, the Slack token (valid, and granted every scope the bot's uses need — each
missing one named with the uses that need it), the unfurl domains a manifest can hold, the
signing secret, the GitHub token's access to every configured source, the credentials of the Jira,
Linear and GitLab sources, digests that could not be delivered, and the identity map's holes:
tracker people impactbot cannot place on a team or reach in Slack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot import wiring
from bot.app import install_checks
from bot.app.rules_files import check_rules_dir
from bot.config import Settings
from bot.core.identity import Directory
from bot.core.rules import Rules
from bot.errors import StoreLocationError
from bot.slack.manifest import UNFURL_DOMAIN_LIMIT, unfurl_domains
from bot.slack.scopes import missing_scopes

HOLES_SHOWN = 15


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    level: Level
    topic: str
    message: str
    fix: str = ""


def run_checks(settings: Settings, *, slack: WebClient | None, http: httpx.Client) -> list[Finding]:
    """Every check, in the order an operator would fix things."""
    rules, problems = check_rules_dir(settings.rules_dir)
    store_ok, store = _store(settings)
    findings = [_rules(problems), store]
    findings += _slack(settings, slack)
    if store_ok:
        findings += _delivery_failures(settings)
    if rules is not None:
        findings += _unfurl_domains(settings, rules)
        findings += _github(settings, rules, http)
        findings += _tracker_credentials(settings, rules, http)
        findings += _identity_holes(settings, rules, read_store=store_ok)
    return findings


def _store(settings: Settings) -> tuple[bool, Finding]:
    """Whether the database can be read, and the finding that says so (doctor never creates
    it: that is `import`'s or `sync`'s job)."""
    path = settings.db_path
    try:
        install_checks.check_database(path, may_create=True, creators="")
    except StoreLocationError as exc:
        return False, Finding(Level.FAIL, "store", str(exc), "fix IMPACTBOT_DB (or --db)")
    if not path.exists():
        return False, Finding(
            Level.WARN,
            "store",
            f"no database at {path} yet",
            "`impactbot import FILE` or `impactbot sync` creates it",
        )
    return True, Finding(Level.OK, "store", f"the database {path} is readable")


def _rules(problems: Sequence[object]) -> Finding:
    if problems:
        return Finding(
            Level.FAIL,
            "rules",
            f"{len(problems)} problem(s) in the rules folder",
            "run `impactbot rules check` and fix what it lists",
        )
    return Finding(Level.OK, "rules", "the rules folder is valid")


def _slack(settings: Settings, slack: WebClient | None) -> list[Finding]:
    """The signing secret (unless Socket Mode), then the bot token and its scopes."""
    out = []
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        out.append(
            Finding(
                Level.FAIL,
                "slack",
                "SLACK_SIGNING_SECRET is not set",
                "copy it from the app's Basic Information page into .env",
            )
        )
    if slack is None:
        fix = "install the app, copy the xoxb- token into .env"
        return [*out, Finding(Level.FAIL, "slack", "SLACK_BOT_TOKEN is not set", fix)]
    answer = _auth_test(settings, slack)
    if isinstance(answer, Finding):
        return [*out, answer]
    return out + _scopes(answer)


def _auth_test(settings: Settings, slack: WebClient) -> SlackResponse | Finding:
    """Slack's answer to ``auth.test``, or the finding saying why there is none."""
    try:
        return slack.auth_test()
    except OSError as exc:  # urllib's URLError, a refused or timed-out connection
        reason = getattr(exc, "reason", None) or exc
        return Finding(
            Level.FAIL,
            "slack",
            f"cannot reach Slack at {settings.slack_api_url} ({reason})",
            "check the network (and any proxy) and SLACK_API_URL, then run doctor again",
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown error")
        return Finding(
            Level.FAIL,
            "slack",
            f"the bot token is rejected ({error})",
            "reinstall the app and copy a fresh xoxb- token",
        )


def _scopes(response: SlackResponse) -> list[Finding]:
    """Each scope the bot's uses need that the token was not granted, or that it is valid."""
    granted = {s.strip() for s in response.headers.get("x-oauth-scopes", "").split(",") if s}
    missing = missing_scopes(granted)
    out = [
        Finding(
            Level.FAIL,
            "slack",
            f"missing scope {scope}, needed by: {'; '.join(uses)}",
            "update the app from `impactbot manifest` and reinstall it",
        )
        for scope, uses in missing.items()
    ]
    if not missing:
        out.append(Finding(Level.OK, "slack", f"token valid for team {response.get('team')}"))
    return out


def health_report(settings: Settings) -> dict[str, Any]:
    """What ``/healthz`` answers: ``ok`` unless a delivery's last attempt failed, and the
    failures themselves (recipient label, period, Slack's error, the scope it needed)."""
    failures = install_checks.delivery_failures(settings)
    return {
        "ok": not failures,
        "failures": [
            {
                "job": f.job,
                "recipient": f.label,
                "period": f.period,
                "error": f.error,
                "needed": f.needed,
                "transient": f.transient,
                "attempts": f.attempts,
                "at": f.at.isoformat(),
            }
            for f in failures
        ],
    }


def _delivery_failures(settings: Settings) -> list[Finding]:
    """Digests the scheduled run (or `digest --send`) could not deliver, with the fix."""
    out = []
    for f in install_checks.delivery_failures(settings):
        needs = f" (needs {f.needed})" if f.needed else ""
        message = (
            f"{f.job} to {f.label} ({f.period}) not delivered: {f.error}{needs}, "
            f"{f.attempts} attempt(s), last {f.at:%Y-%m-%d %H:%M} UTC"
        )
        if f.needed:
            fix = "update the app from `impactbot manifest` and reinstall it"
        elif f.transient:
            fix = "Slack was unavailable: the next hourly run tries again"
        else:
            fix = "check the recipient in Slack (deactivated? the bot not in the channel?)"
        out.append(Finding(Level.WARN if f.transient else Level.FAIL, "digests", message, fix))
    return out


def _unfurl_domains(settings: Settings, rules: Rules) -> list[Finding]:
    """More tracker hosts than a manifest may list: links to the rest never unfurl."""
    hosts = unfurl_domains(
        install_checks.tracker_web_hosts(wiring.tracker_credentials(settings), rules.sources)
    )
    if len(hosts) <= UNFURL_DOMAIN_LIMIT:
        return []
    return [
        Finding(
            Level.WARN,
            "slack",
            f"{len(hosts)} tracker hosts, but Slack takes at most {UNFURL_DOMAIN_LIMIT} unfurl "
            f"domains in a manifest: links to {', '.join(hosts[UNFURL_DOMAIN_LIMIT:])} "
            "will not unfurl",
            "the manifest lists the first five; edit `unfurl_domains` to choose others",
        )
    ]


def _github(settings: Settings, rules: Rules, http: httpx.Client) -> list[Finding]:
    """Whether the GitHub token can read every configured repository and organisation."""
    sources = rules.sources.github
    if sources is None:
        return [Finding(Level.OK, "github", "no GitHub sources configured")]
    if settings.github_token is None:
        return [
            Finding(
                Level.FAIL,
                "github",
                "GITHUB_TOKEN is not set",
                "create a token with Issues: read and Metadata: read",
            )
        ]
    headers = {
        "Authorization": f"Bearer {settings.github_token.get_secret_value()}",
        "Accept": "application/vnd.github+json",
    }
    base = settings.github_api_url.rstrip("/")
    targets = [f"{base}/repos/{r}" for r in sources.repos]
    targets += [f"{base}/orgs/{o}" for o in sources.orgs]
    return [_github_readable(http, url, headers, base) for url in targets]


def _github_readable(http: httpx.Client, url: str, headers: dict[str, str], base: str) -> Finding:
    """Whether GitHub answers 200 to ``url`` with the token in ``headers``."""
    try:
        status = http.get(url, headers=headers).status_code
    except httpx.HTTPError as exc:
        return Finding(
            Level.FAIL,
            "github",
            f"cannot reach {url}: {exc}",
            "check GITHUB_API_URL and the network",
        )
    name = url.removeprefix(base)
    if status == 200:
        return Finding(Level.OK, "github", f"{name} readable")
    return Finding(
        Level.FAIL,
        "github",
        f"{name} answered {status}",
        "give the token access to it, or fix rules/sources.yaml",
    )


def _tracker_credentials(settings: Settings, rules: Rules, http: httpx.Client) -> list[Finding]:
    """Jira, Linear and GitLab sources: are their credentials set? (Access shows on the first
    `impactbot sync`, which names each project or team it cannot read.)"""
    return [
        Finding(Level.FAIL, c.kind.value, f"{c.source}: {c.problem}", "see .env.example")
        if c.problem is not None
        else Finding(Level.OK, c.kind.value, f"{c.source}: credentials set")
        for c in install_checks.tracker_credentials(
            wiring.tracker_credentials(settings), rules, http
        )
    ]


def _identity_holes(settings: Settings, rules: Rules, *, read_store: bool) -> list[Finding]:
    """Tracker people seen in the store whom the identity map cannot place."""
    directory = Directory.build(rules.teams)
    unknown = install_checks.unplaced_actors(settings, directory) if read_store else Counter()
    out = [
        Finding(
            Level.WARN,
            "identity",
            f"{who} ({count} appearances) is in no team",
            "add them under `people` in teams.yaml (with their tracker handle) and to a team",
        )
        for who, count in unknown.most_common(HOLES_SHOWN)
    ]
    if len(unknown) > HOLES_SHOWN:
        out.append(Finding(Level.WARN, "identity", f"... and {len(unknown) - HOLES_SHOWN} more"))
    out += [
        Finding(
            Level.WARN,
            "identity",
            f"{p.id} has no Slack id",
            f"set `slack: U…` for {p.id} in teams.yaml, so they can flag and see credit",
        )
        for p in rules.teams.people
        if not p.slack
    ]
    return out or [Finding(Level.OK, "identity", "everyone seen is mapped to a team and Slack")]
