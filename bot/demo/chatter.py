"""Comments, cross-references and issue links on the numbered noise issues.

References follow how people write them (``#12``, ``acme/repo#34``, full URLs, ``ASR-123``,
Jira browse URLs); most stay inside a team, some reach one or two others. Every foreign team
touching an issue (commenting on it, referencing it, linking it) passes ``admit``; story
issues are never touched here.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta

from bot.demo.noise import fill
from bot.demo.org import Actor, Person
from bot.demo.plan import (
    Ctx,
    PlannedComment,
    PlannedIssue,
    admit,
    fits,
    people_on,
    ref_text,
    team_of,
)
from bot.demo.vocab import (
    CLOSING_COMMENTS,
    DOMAINS,
    GITHUB_BOT_COMMENTS,
    HUMAN_COMMENTS,
    JIRA_AUTOMATION_COMMENTS,
    REF_PHRASES,
    STALE_COMMENT,
)

Grouped = dict[str, list[PlannedIssue]]
_COMMENT_COUNTS = (25, 22, 18, 13, 9, 6, 4, 2, 1)
_STALE_REPOS = ("acme/devtools", "acme/ci-config")


def add_chatter(ctx: Ctx, grouped: Grouped) -> None:
    """Give every noise issue its comments, references and links (in place)."""
    for group in grouped.values():
        for issue in group:
            if issue.locked or issue.kind in ("dashboard", "report"):
                continue
            _comments(ctx, issue, grouped)
            _body_reference(ctx, issue, grouped)
            if not issue.is_github:
                _jira_links(ctx, issue, grouped)
            if issue.reason == "duplicate":
                _mark_duplicate(ctx, issue, grouped)
    for repo in _STALE_REPOS:
        for issue in grouped[repo]:
            _stale(ctx, issue)


def _comments(ctx: Ctx, issue: PlannedIssue, grouped: Grouped) -> None:
    rng, clock = ctx.rng, ctx.clock
    count = rng.choices(range(len(_COMMENT_COUNTS)), _COMMENT_COUNTS)[0]
    start, end = clock.days_ago(issue.created), clock.days_ago(issue.end(clock.now))
    agos = sorted((start - (start - end) * rng.random() ** 1.6 for _ in range(count)), reverse=True)
    for ago in agos:
        at = clock.at(ago)
        author = _commenter(ctx, issue)
        body = _comment_body(ctx, issue, author, at, grouped)
        issue.comments.append(
            PlannedComment(author, at, body, rng.random() < 0.08, rng.random() < 0.01, _thumbs(ctx))
        )
    if issue.closed and issue.reason == "completed" and rng.random() < 0.35:
        _closing_comment(ctx, issue, issue.closed, grouped)


def _closing_comment(ctx: Ctx, issue: PlannedIssue, closed: datetime, grouped: Grouped) -> None:
    """A last word at close time; its ``Fixed in #N`` names a pull request, i.e. a number
    that no issue of the repo took (issues and pull requests share GitHub's numbering)."""
    closer = issue.assignees[0] if issue.assignees else ctx.org.members(issue.team)[0]
    options = CLOSING_COMMENTS if issue.is_github else CLOSING_COMMENTS[1:]
    taken = {i.number for i in grouped[issue.container.name]}
    pull = issue.number + ctx.rng.randint(1, 30)
    while pull in taken:
        pull += 1
    body = ctx.rng.choice(options).format(pr=pull)
    issue.comments.append(PlannedComment(closer, closed, body))


def _thumbs(ctx: Ctx) -> int:
    return ctx.rng.choice((1, 1, 2, 3)) if ctx.rng.random() < 0.07 else 0


def _commenter(ctx: Ctx, issue: PlannedIssue) -> Actor:
    rng, org, tracker = ctx.rng, ctx.org, issue.container.tracker
    roll = rng.random()
    if roll < 0.03:
        return org.bots["actions" if issue.is_github else "automation"]
    if roll < 0.12:
        outsider = ctx.pick(people_on([p for p in org.people if p.team != issue.team], tracker))
        if admit(issue, outsider.team):
            return outsider
    regulars = [a for a in (issue.author, *issue.assignees) if isinstance(a, Person)]
    pool = people_on(regulars + org.members(issue.team), tracker)
    return ctx.pick(pool)


def _comment_body(
    ctx: Ctx, issue: PlannedIssue, author: Actor, at: datetime, grouped: Grouped
) -> str:
    if not isinstance(author, Person):
        canned = GITHUB_BOT_COMMENTS if issue.is_github else JIRA_AUTOMATION_COMMENTS
        return ctx.rng.choice(canned)
    body = fill(ctx, ctx.rng.choice(HUMAN_COMMENTS), DOMAINS[issue.team])
    if ctx.rng.random() < 0.1:
        reference = _reference(ctx, issue, author, at, grouped)
        if reference:
            body += " " + reference
    return body


def _body_reference(ctx: Ctx, issue: PlannedIssue, grouped: Grouped) -> None:
    if ctx.rng.random() >= 0.15:
        return
    reference = _reference(ctx, issue, issue.author, issue.created, grouped)
    if reference:
        issue.body = f"{issue.body}\n\n{reference}".lstrip()


def _reference(
    ctx: Ctx, source: PlannedIssue, writer: Actor, before: datetime, grouped: Grouped
) -> str | None:
    """A phrase referencing an earlier issue, or None when no admissible target was found."""
    target = _target(ctx, source, before, grouped)
    if target is None or not admit(target, source.team, team_of(writer)):
        return None
    phrase = ctx.rng.choice(REF_PHRASES)
    return phrase.format(ref=ref_text(target, source.container, ctx.rng.random()))


def _target(
    ctx: Ctx, source: PlannedIssue, before: datetime, grouped: Grouped, *, scope: float = -1
) -> PlannedIssue | None:
    """An issue created before ``before``: mostly the same container, sometimes elsewhere."""
    rng, org = ctx.rng, ctx.org
    roll = rng.random() if scope < 0 else scope
    if roll < 0.75:
        container = source.container
    elif roll < 0.87:
        container = rng.choice(org.team_containers(source.team))
    else:
        container = rng.choice(org.containers)
    group = grouped[container.name]
    count = bisect_left(group, before, key=lambda i: i.created)
    if count == 0:
        return None
    target = group[count - 1 - min(count - 1, int(rng.expovariate(1 / 30)))]
    if target is source or target.locked or target.kind in ("dashboard", "report"):
        return None
    return target


def _jira_links(ctx: Ctx, issue: PlannedIssue, grouped: Grouped) -> None:
    roll = ctx.rng.random()
    if roll < 0.1:
        _link(ctx, issue, grouped, "Relates", scope=ctx.rng.random() * 0.9)
    elif roll < 0.14:
        _link(ctx, issue, grouped, "Blocks", scope=0.0)


def _link(ctx: Ctx, issue: PlannedIssue, grouped: Grouped, kind: str, *, scope: float) -> None:
    target = _target(ctx, issue, issue.created, grouped, scope=scope)
    if target is None or target.is_github:
        return
    if not (fits(target, issue.team) and fits(issue, target.team)):
        return
    admit(target, issue.team)
    admit(issue, target.team)
    issue.links.append((f"Outward issue link ({kind})", target.key))
    target.links.append((f"Inward issue link ({kind})", issue.key))


def _mark_duplicate(ctx: Ctx, issue: PlannedIssue, grouped: Grouped) -> None:
    target = _target(ctx, issue, issue.created, grouped, scope=0.0)
    if target is None or issue.closed is None:
        issue.reason = "not_planned"
        return
    if issue.is_github:
        closer = ctx.org.members(issue.team)[0]
        issue.comments.append(
            PlannedComment(closer, issue.closed, f"Duplicate of #{target.number}")
        )
    else:
        issue.links.append(("Outward issue link (Duplicate)", target.key))
        target.links.append(("Inward issue link (Duplicate)", issue.key))


def _stale(ctx: Ctx, issue: PlannedIssue) -> None:
    """The platform repos run actions/stale: 90 days idle → warned, 30 more → closed."""
    now = ctx.clock.now
    if issue.locked or issue.closed or issue.kind == "dashboard" or issue.assignees:
        return
    warned = issue.updated + timedelta(days=90)
    if warned >= now or ctx.rng.random() < 0.3:
        return
    issue.comments.append(PlannedComment(ctx.org.bots["actions"], warned, STALE_COMMENT))
    issue.labels.append("stale")
    if warned + timedelta(days=30) < now:
        issue.closed = warned + timedelta(days=30)
        issue.reason = "not_planned"
