"""The ordinary issues of Acme AI: thousands of plausible bugs, features and chores.

``plan_noise`` creates them (authors, ages, state, assignees, labels, reactions) without any
cross-references; ``number_issues`` numbers every container once the stories are placed;
``bot.demo.chatter`` then adds comments and references. Every foreign team touching a noise
issue goes through ``admit``, so no noise issue reaches more than two other teams.
"""

from __future__ import annotations

from bot.demo.org import Bot, Container, Person
from bot.demo.plan import Ctx, Kind, PlannedIssue, admit, people_on, team_of
from bot.demo.vocab import DOMAINS, VERSIONS, Domain

MAX_AGE_DAYS = 1095
_KINDS: tuple[Kind, ...] = ("bug", "feature", "chore")
_SIZES = ("XS", "S", "M", "L", "XL")
_JIRA_LABELS = ("tech-debt", "customer-reported", "regression", "perf", "flaky", "needs-triage")
_CROSS_COMPONENTS = ("Labelling Data", "Training Infra", "CI/CD", "Dev Environment")
_MODEL_LABELS = {"asr": "asr", "vision": "vision", "nlp": "nlp", "recsys": "recsys"}


def fill(ctx: Ctx, template: str, domain: Domain) -> str:
    """``template`` with its slots filled from ``domain``; the first letter capitalised."""
    rng = ctx.rng
    text = template.format(
        area=rng.choice(domain.areas),
        thing=rng.choice(domain.things),
        n=rng.choice((2, 4, 8, 16, 32, 64, 200, 500)),
        version=rng.choice(VERSIONS),
        pct=rng.randrange(2, 40),
    )
    return text[:1].upper() + text[1:]


def plan_noise(ctx: Ctx) -> list[PlannedIssue]:
    """Every container's ordinary issues plus its bot-filed ones; unnumbered, no references."""
    issues: list[PlannedIssue] = []
    for container in ctx.org.containers:
        issues += [_issue(ctx, container) for _ in range(container.volume)]
        issues += _bot_issues(ctx, container)
    return issues


def _issue(ctx: Ctx, container: Container) -> PlannedIssue:
    rng, domain = ctx.rng, DOMAINS[container.team]
    kind = rng.choices(_KINDS, (0.45, 0.35, 0.2))[0]
    templates = {"bug": domain.bugs, "feature": domain.features, "chore": domain.chores}[kind]
    age = 0.05 + MAX_AGE_DAYS * rng.random() ** 1.7
    author = _author(ctx, container)
    issue = PlannedIssue(
        container=container,
        kind=kind,
        title=fill(ctx, rng.choice(templates), domain),
        body=_body(ctx, kind, domain, container.tracker == "github"),
        author=author,
        created=ctx.clock.at(age),
        crlf=container.tracker == "github" and rng.random() < 0.7,
    )
    admit(issue, team_of(author))
    _close(ctx, issue, age)
    _assign(ctx, issue)
    _label(ctx, issue)
    _react(ctx, issue)
    return issue


def _author(ctx: Ctx, container: Container) -> Person:
    rng, org = ctx.rng, ctx.org
    roll = rng.random()
    if roll < 0.1:
        others = [p for p in org.people if p.team != container.team]
        return ctx.pick(people_on(others, container.tracker))
    if roll < 0.12 and container.tracker == "github":
        return ctx.pick(list(org.externals))
    members = org.members(container.team)
    return members[0] if roll < 0.17 else ctx.pick(members[1:])


def _body(ctx: Ctx, kind: Kind, domain: Domain, github: bool) -> str:
    rng = ctx.rng
    if rng.random() < 0.05:
        return ""
    context = fill(ctx, rng.choice(domain.context), domain)
    area = rng.choice(domain.areas)
    if kind == "bug":
        steps = f"Run the {area} job on the {rng.choice(domain.things)} with default settings."
        head = (
            ("### What happened", "### Steps to reproduce")
            if github
            else ("h3. Problem", "h3. Steps")
        )
        return f"{head[0]}\n{context}\n\n{head[1]}\n1. {steps}\n2. Compare with last week's run."
    if kind == "feature":
        head = ("### Motivation", "### Proposal") if github else ("h3. Motivation", "h3. Proposal")
        return f"{head[0]}\n{context}\n\n{head[1]}\nExtend the {area}; happy to pair on the design."
    box = "- [ ]" if github else "*"
    return f"{context}\n\n{box} update the {area}\n{box} roll out behind a flag\n{box} clean up"


def _close(ctx: Ctx, issue: PlannedIssue, age: float) -> None:
    rng = ctx.rng
    if rng.random() >= 0.22 + 0.58 * min(age / 365, 1.0):
        issue.reopened = issue.is_github and rng.random() < 0.03
        return
    duration = min(age * 0.95, rng.expovariate(1 / 30) + 0.05)
    issue.closed = ctx.clock.at(age - duration)
    issue.reason = rng.choices(("completed", "not_planned", "duplicate"), (0.82, 0.13, 0.05))[0]


def _assign(ctx: Ctx, issue: PlannedIssue) -> None:
    rng = ctx.rng
    if rng.random() >= (0.8 if issue.closed else 0.5):
        return
    members = people_on(ctx.org.members(issue.team), issue.container.tracker)
    issue.assignees = [ctx.pick(members[1:])]
    if issue.is_github and rng.random() < 0.05:
        second = ctx.pick(members)
        if second not in issue.assignees:
            issue.assignees.append(second)


def _label(ctx: Ctx, issue: PlannedIssue) -> None:
    rng = ctx.rng
    if rng.random() < 0.55:
        issue.size = rng.choices(_SIZES, (0.15, 0.3, 0.3, 0.18, 0.07))[0]
    issue.priority = rng.choices(
        ("Highest", "High", "Medium", "Low", "Lowest"), (0.04, 0.2, 0.5, 0.2, 0.06)
    )[0]
    if issue.is_github:
        _github_labels(ctx, issue)
    else:
        _jira_labels(ctx, issue)


def _github_labels(ctx: Ctx, issue: PlannedIssue) -> None:
    rng = ctx.rng
    kind_label = {"bug": "bug", "feature": "enhancement", "chore": "tech-debt"}
    issue.labels.append(kind_label.get(issue.kind, "documentation"))
    for label, chance in (("good first issue", 0.03), ("help wanted", 0.03), ("question", 0.02)):
        if rng.random() < chance:
            issue.labels.append(label)
    if issue.size:
        issue.labels.append(f"size/{issue.size}")
    model_team = ctx.org.team_spec(issue.team).model_team
    roll = rng.random()
    if not model_team and roll < 0.25:
        requester = team_of(issue.author)
        label = _MODEL_LABELS.get(requester or "") or rng.choice(list(_MODEL_LABELS.values()))
        _maybe_label(issue, label, ctx.org.label_owner(label))
    elif model_team and roll < 0.06:
        label = rng.choice(("annotation", "gpu-cluster"))
        _maybe_label(issue, label, ctx.org.label_owner(label))


def _maybe_label(issue: PlannedIssue, label: str, owner: str | None) -> None:
    if admit(issue, owner):
        issue.labels.append(label)


def _jira_labels(ctx: Ctx, issue: PlannedIssue) -> None:
    rng = ctx.rng
    own = ctx.org.team_spec(issue.team).components
    if own and rng.random() < 0.75:
        issue.components.append(rng.choice(own))
    if rng.random() < 0.08:
        component = rng.choice(_CROSS_COMPONENTS)
        if admit(issue, ctx.org.component_owner(component)):
            issue.components.append(component)
    if rng.random() < 0.3:
        issue.labels.append(rng.choice(_JIRA_LABELS))
    if rng.random() < 0.5:
        issue.reactions["votes"] = rng.choice((1, 1, 1, 2, 2, 3, 5))


def _react(ctx: Ctx, issue: PlannedIssue) -> None:
    rng = ctx.rng
    if not issue.is_github:
        return
    roll = rng.random()
    if roll < 0.6:
        return
    issue.reactions["THUMBS_UP"] = rng.randint(1, 4) if roll < 0.9 else rng.randint(3, 18)
    for content in ("HEART", "EYES", "ROCKET", "HOORAY", "LAUGH"):
        if roll > 0.85 and rng.random() < 0.25:
            issue.reactions[content] = rng.randint(1, 3)


def _bot_issues(ctx: Ctx, container: Container) -> list[PlannedIssue]:
    """Renovate dashboards and nightly-failure reports on GitHub, automation tasks on Jira."""
    bots = ctx.org.bots
    if container.tracker == "jira":
        if container.name != "ASR":
            return []
        return [_bot_issue(ctx, container, bots["automation"], _monthly_title(i)) for i in range(8)]
    issues = [_dashboard(ctx, container, bots["renovate"])]
    if container.team == "platform":
        for _ in range(12):
            title = f"Nightly {ctx.rng.choice(('build', 'e2e', 'benchmark'))} failed on main"
            issues.append(_bot_issue(ctx, container, bots["actions"], title))
    return issues


def _monthly_title(index: int) -> str:
    return f"Monthly WER dashboard review #{index + 1}"


def _bot_issue(ctx: Ctx, container: Container, bot: Bot, title: str) -> PlannedIssue:
    age = 1 + 700 * ctx.rng.random()
    github = container.tracker == "github"
    body = "The scheduled workflow failed; see the run log." if github else "Created by rule."
    issue = PlannedIssue(
        container, "report", title, body, bot, ctx.clock.at(age), priority="Medium"
    )
    if age > 3:
        issue.closed = ctx.clock.at(age - min(age - 0.5, 0.5 + ctx.rng.random() * 2))
        issue.reason = "completed"
    return issue


def _dashboard(ctx: Ctx, container: Container, bot: Bot) -> PlannedIssue:
    body = (
        "This issue lists Renovate updates and detected dependencies. "
        "Read the [Dependency Dashboard](https://docs.renovatebot.com/key-concepts/dashboard/) "
        "docs to learn more.\n\n## Open\n\n - [ ] <!-- rebase-all-open-prs -->"
        "**Click on this checkbox to rebase all open PRs at once**\n"
    )
    issue = PlannedIssue(
        container, "dashboard", "Dependency Dashboard", body, bot, ctx.clock.at(900)
    )
    issue.touched_at = ctx.clock.at(0.2)
    return issue


def number_issues(ctx: Ctx, issues: list[PlannedIssue]) -> dict[str, list[PlannedIssue]]:
    """Number each container's issues in creation order and return them grouped, oldest first.

    GitHub numbers skip the ones pull requests took; Jira keys are consecutive.
    """
    grouped: dict[str, list[PlannedIssue]] = {c.name: [] for c in ctx.org.containers}
    for issue in issues:
        grouped[issue.container.name].append(issue)
    for group in grouped.values():
        group.sort(key=lambda i: (i.created, i.title))
        number = 0
        for issue in group:
            gap = ctx.rng.choices((0, 1, 2, 3), (0.45, 0.3, 0.15, 0.1))[0]
            number += 1 + (gap if issue.is_github else 0)
            issue.number = number
    return grouped
