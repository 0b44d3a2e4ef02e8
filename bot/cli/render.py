"""Human output for the CLI, with rich. Pure presentation: takes results, prints them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as esc
from rich.table import Table

from bot.app.results import (
    DigestOutcome,
    DupesAnswer,
    Explanation,
    ImportResult,
    Ranked,
    ScoreSummary,
    SyncOutcome,
    top_contributions,
)
from bot.core.models import TrackerKind
from bot.core.rules import RuleProblem
from bot.core.wording import orphaned_share, priority_phrase, reason_weight

if TYPE_CHECKING:
    from bot.cli.doctor import Finding
    from bot.demo.credit_act import CreditAct
    from bot.demo.run import DemoResult


def orphans_table(rows: Sequence[Ranked], title: str = "Orphaned cross-team work") -> Table:
    table = Table(title=title, show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("issue", overflow="fold", ratio=3)
    table.add_column("priority", justify="right", no_wrap=True)
    table.add_column("owner → benefiting teams", ratio=2)
    table.add_column("why", ratio=4)
    for rank, row in enumerate(rows, start=1):
        card = row.card
        teams = ", ".join(t for t in card.beneficiaries if t != card.owner_team) or "—"
        reasons = [c.reason for c in top_contributions(card)]
        reasons += [f.detail for f in card.orphan_findings]
        table.add_row(
            str(rank),
            f"[bold]{esc(row.key)}[/]\n{esc(row.title)}",
            f"{card.orphan_score:.0f}\n[dim]= value {card.total:.0f}\n× "
            f"{orphaned_share(card.total, card.orphan_score):.0%} orphaned[/]",
            f"{card.owner_team or 'no owner'} → {teams}\n[dim]gap {card.incentive_gap:.0%}[/]",
            "\n".join(f"• {esc(r)}" for r in reasons),
        )
    return table


def print_orphans(console: Console, rows: Sequence[Ranked]) -> None:
    if not rows:
        console.print("No orphaned work above the surfacing threshold. Run `impactbot score`?")
        return
    console.print(orphans_table(rows))
    console.print(
        "[dim]value: cross-team points (the surfacing threshold applies to it); priority: "
        "value × how orphaned (each reason adds its share, up to 100 %); ranked by priority[/]"
    )


def print_explanation(console: Console, exp: Explanation) -> None:
    """The score card, point by point, in words a manager reads in a minute."""
    card, issue = exp.card, exp.issue
    console.print(f"[bold]{esc(issue.key)}[/] — {esc(issue.title)}")
    if issue.url:
        console.print(issue.url)
    console.print(
        f"value [bold]{card.total:.1f}[/] cross-team points (surfaced at "
        f"{exp.threshold:g} or more); {priority_phrase(card.total, card.orphan_score)} "
        f"(orphans are ranked by priority); owner {card.owner_team or 'none'}; "
        f"incentive gap {card.incentive_gap:.0%}"
    )
    table = Table(show_lines=False, expand=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("signal", no_wrap=True)
    table.add_column("reason", ratio=2)
    table.add_column("evidence", ratio=3, overflow="fold")
    for part in card.contributions:
        table.add_row(
            f"{part.points:+.1f}", part.signal, esc(part.reason), esc("; ".join(part.evidence))
        )
    table.add_row(f"[bold]{card.total:.1f}[/]", "total", "", "")
    console.print(table)
    if card.orphan_findings:
        console.print("[bold]Why it is orphaned[/]")
        for finding in card.orphan_findings:
            console.print(
                f"  • {esc(finding.detail)} "
                f"[dim]({finding.reason.value}, {reason_weight(finding.weight)})[/]"
            )
    else:
        console.print("Not an orphan: someone is on it, or nobody outside its team needs it.")
    if exp.flags:
        console.print("[bold]Flagged as cross-team impact[/]")
    for flag, name in zip(exp.flags, exp.flagger_names, strict=True):
        said = f": “{esc(flag.note)}”" if flag.note else ""
        console.print(f"  • by {esc(name)} on {flag.at:%Y-%m-%d}{said}", highlight=False)
    for note in card.notes:
        console.print(f"[dim]note: {esc(note)}[/]")


def print_rules_problems(console: Console, problems: Sequence[RuleProblem]) -> None:
    for problem in problems:
        console.print(f"[red]✗[/] {esc(str(problem))}", highlight=False)
    console.print(f"{len(problems)} problem(s) found", highlight=False)


def print_import(console: Console, result: ImportResult) -> None:
    console.print(
        f"imported {result.issues} issues ({result.links} references) from {result.path} "
        f"as {result.format.value}, source {result.source!r}",
        highlight=False,
    )


def print_score(console: Console, summary: ScoreSummary) -> None:
    console.print(
        f"scored {summary.issues} issues: {summary.orphans} orphans, {summary.surfaced} at or "
        f"above the surfacing threshold ({summary.threshold:g}); {summary.duplicates} "
        "near-duplicate pairs",
        highlight=False,
    )


def print_demo(console: Console, result: DemoResult) -> None:
    """What `make run` shows: the imports, the ranked orphans, and the first one explained."""
    console.rule("[bold]impactbot demo[/] — Acme AI, a generated organisation")
    for item in result.imports:
        print_import(console, item)
    print_score(console, result.summary)
    console.print(orphans_table(result.top, title=f"Top {len(result.top)} orphaned items"))
    if result.first is not None:
        console.rule("Why the first one ranks first")
        print_explanation(console, result.first)
    if result.alike is not None:
        console.rule("Two teams asking for the same thing (impactbot dupes)")
        print_dupes(console, result.alike)
    if result.credit is not None:
        print_credit_act(console, result.credit)
    console.rule()
    console.print(f"demo finished in {result.seconds:.1f} s", highlight=False)
    if result.workdir is not None:
        console.print(
            f"exports, rules and database kept in {result.workdir}: cd there and every impactbot "
            "command works on the demo's data, with no flags (see DEMO.txt there)",
            highlight=False,
        )


def print_sync(console: Console, outcome: SyncOutcome) -> None:
    """The summary line(s) after a sync: per source totals, failures, budget spent."""
    for synced in outcome.sources:
        report, gov = synced.report, synced.stats
        points = (
            f", {synced.graphql_points} GraphQL points" if synced.graphql_points is not None else ""
        )
        console.print(
            f"synced {report.source}: {len(report.streams)} {_STREAMS[synced.kind]}, "
            f"{sum(s.seen for s in report.streams)} items seen, {report.written} issues "
            f"written, {sum(s.deleted for s in report.streams)} removed; {gov.requests} "
            f"requests ({gov.not_modified} not modified){points}, "
            f"{gov.retries} waits ({gov.waited_seconds:.0f} s)",
            highlight=False,
        )
        for failed in report.failed:
            console.print(
                f"[red]✗[/] {esc(failed.key)}: {esc(failed.error or '')}", highlight=False
            )
    print_score(console, outcome.score)


_STREAMS = {
    TrackerKind.GITHUB: "repositories",
    TrackerKind.JIRA: "projects",
    TrackerKind.LINEAR: "teams",
    TrackerKind.GITLAB: "groups and projects",
}


def print_dupes(console: Console, answer: DupesAnswer) -> None:
    """Candidates of ``impactbot dupes``: other teams' first, then the issue's own team's."""
    team = answer.team or "no team"
    console.print(
        f"[bold]{esc(answer.issue.key)}[/] ({esc(team)}): {esc(answer.issue.title)}",
        highlight=False,
    )
    for heading, matches in (
        ("in other teams' trackers", answer.other_teams),
        (f"in {team}'s own backlog", answer.own_team),
    ):
        if not matches:
            continue
        table = Table(title=f"Looks like — {heading}", title_justify="left")
        for column in ("score", "issue", "team", "matched"):
            table.add_column(column)
        for m in matches:
            mark = "[bold]" if m.likely else "[dim]"
            table.add_row(
                f"{mark}{m.score:.2f}[/]",
                f"{esc(m.key)}\n{esc(m.title)}",
                esc(m.team or "—"),
                f"{esc(', '.join(m.matched[:5]))}\n[dim]{esc(m.passage)}[/]",
            )
        console.print(table)
    if not answer.other_teams and not answer.own_team:
        console.print("nothing reads like it", highlight=False)
    console.print(
        f"[dim]bold scores are at or above the reporting threshold ({answer.threshold:g})[/]",
        highlight=False,
    )


def print_credit_act(console: Console, act: CreditAct) -> None:
    """The second act: the fix lands, credit is minted, leadership sees it."""
    from bot.cli.render_credit import print_leaderboard, print_report

    console.rule("Monday: the managers' digests (impactbot digest --dry-run)")
    for outcome in act.digests:
        console.print(f"[bold]{esc(outcome.who)}[/] ({outcome.period})", highlight=False)
        console.print(esc(outcome.text), highlight=False)
    console.print(f"[bold]Claim[/] from the digest: {esc(act.claim)}", highlight=False)
    console.rule("A week later: the fix lands, and credit follows")
    console.print(
        f"{act.names.get(act.flagger, act.flagger)} (asr) flagged {act.fix_key} as cross-team "
        f"impact; {act.names.get(act.fixer, act.fixer)} "
        f"(data-labelling) took it and closed it with {act.pull_request}.",
        highlight=False,
    )
    console.print("[bold]What leadership sees[/] — `impactbot leaderboard --period 30d`:")
    print_leaderboard(console, act.board)
    console.print("and `impactbot credit --team data-labelling --period 30d`:")
    print_report(console, act.owner_team)


def print_findings(console: Console, findings: Sequence[Finding]) -> None:
    """Doctor's findings: one line each, with the fix indented below problems."""
    marks = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}
    for finding in findings:
        console.print(
            f"{marks[finding.level.value]} {finding.topic}: {finding.message}", highlight=False
        )
        if finding.fix:
            console.print(f"    fix: {finding.fix}", highlight=False)


def print_digest_failures(console: Console, failed: Sequence[DigestOutcome], *, sent: int) -> None:
    """The summary `digest --send` ends with when a recipient did not get their digest."""
    console.print(f"{len(failed)} digest(s) not delivered ({sent} other outcome(s) above):")
    for outcome in failed:
        console.print(f"  ✗ {outcome.who} ({outcome.period}): {outcome.reason}")
    if any("missing_scope" in o.reason for o in failed):
        console.print(
            "  fix: update the Slack app from `impactbot manifest` and reinstall it; "
            "`impactbot doctor` names each missing scope"
        )
    if any("transient" in o.reason for o in failed):
        console.print("  transient failures are tried again by the next run")


def rules_check_json(target: object, problems: Sequence[RuleProblem]) -> str:
    """``rules check`` as JSON: the folder, whether it is valid, and every problem."""
    return json.dumps(
        {
            "rules": str(target),
            "valid": not problems,
            "problems": [p.model_dump() for p in problems],
        },
        indent=2,
    )


def findings_json(findings: Sequence[Finding]) -> str:
    """``doctor`` as JSON: each check's level (ok / warn / fail), topic, message and fix."""
    return json.dumps(
        {
            "ok": not any(f.level == "fail" for f in findings),
            "findings": [
                {"level": f.level, "topic": f.topic, "message": f.message, "fix": f.fix}
                for f in findings
            ],
        },
        indent=2,
    )


def digest_outcomes_json(outcomes: Sequence[DigestOutcome]) -> str:
    """A digest run as JSON: per manager the period, what happened, the text, and why a send
    failed."""
    return json.dumps(
        {
            "ok": not any(o.failed for o in outcomes),
            "digests": [
                {
                    "manager": o.manager,
                    "period": o.period,
                    "status": o.status,
                    "failed": o.failed,
                    "reason": o.reason,
                    "text": o.text,
                }
                for o in outcomes
            ],
        },
        indent=2,
    )


def explanation_json(explanation: Explanation) -> str:
    """The score card as JSON, with the engineers' flags beside it: each flag's person id,
    their teams.yaml name, note and time, earliest first."""
    doc = json.loads(explanation.card.model_dump_json())
    names = explanation.flagger_names or tuple(f.person_id for f in explanation.flags)
    doc["flags"] = [
        {"person": f.person_id, "name": name, "note": f.note, "at": f.at.isoformat()}
        for f, name in zip(explanation.flags, names, strict=True)
    ]
    return json.dumps(doc, indent=2)
