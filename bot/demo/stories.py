"""The problem stories hidden among the noise, and the issues that tell them.

- ``taxonomy_fix``: the unassigned, idle annotation-taxonomy fix in data-labelling's repo, filed
  by the annotation vendor's QA lead, referenced by issues of all four model teams
  (``taxonomy_ref_<team>``), where they also discuss it; only bots comment on the fix itself,
  nobody from data-labelling wrote on it, and none of its labels is theirs, so data-labelling
  shows no benefit of its own.
- ``duplicate_a`` / ``duplicate_b``: ASR (Jira) and vision (GitHub) asking for the same shared
  checkpointing work, neither mentioning the other.
- ``decoy_popular``: vision's own, assigned, much-liked feature request.
- ``decoy_typo``: a three-year-old unassigned typo, size XS, referenced by nobody.
- ``decoy_in_progress``: training-infra's assigned, active scheduler fix, referenced by three
  other teams (``in_progress_ref_<team>``).

Texts carry placeholders (``{key:name}``, ``{url:name}``, ``{num:name}``) that ``fill_stories``
resolves once every container is numbered. Story issues are locked: noise never touches them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.demo.org import Actor, Person
from bot.demo.plan import Ctx, Kind, PlannedComment, PlannedIssue, handle_on
from bot.demo.story_text import TEXTS

MAIN_STORIES = (
    "taxonomy_fix",
    "duplicate_a",
    "duplicate_b",
    "decoy_popular",
    "decoy_typo",
    "decoy_in_progress",
)
_PLACEHOLDER = re.compile(r"\{(key|url|num):([a-z_]+)\}")


class _Book:
    """Collects story issues; ``who`` picks a stable cast member of a team.

    Cross-tracker roles use positions 1 and 2, who ``build_org`` puts on both trackers."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.issues: list[PlannedIssue] = []

    def who(self, team: str, tracker: str, position: int) -> Person:
        """Member ``position`` of ``team`` (0 is the manager); must be on ``tracker``."""
        person = self.ctx.org.members(team)[position]
        if handle_on(person, tracker) is None:
            raise ValueError(f"{person.id} has no {tracker} identity")
        return person

    def issue(
        self, story: str, container: str, kind: Kind, days: float, author: Actor, **extra: object
    ) -> PlannedIssue:
        title, body = TEXTS[story]
        created = self.at(days)
        issue = PlannedIssue(self.ctx.org.container(container), kind, title, body, author, created)
        issue.story = story
        for name, value in extra.items():
            setattr(issue, name, value)
        self.issues.append(issue)
        return issue

    def say(self, issue: PlannedIssue, days: float, author: Actor, body: str) -> None:
        issue.comments.append(PlannedComment(author, self.at(days), body))

    def at(self, days: float) -> datetime:
        """A whole number of days ago gets a random time of that working day; fractional
        days are kept as given (they order events within a day)."""
        if days == int(days):
            days += self.ctx.rng.uniform(0.05, 0.95)
        return self.ctx.clock.at(days)


def place_stories(ctx: Ctx) -> list[PlannedIssue]:
    """Create every story issue (unnumbered, with placeholders in their texts)."""
    book = _Book(ctx)
    _taxonomy(book)
    _taxonomy_refs(book)
    _duplicates(book)
    _decoys(book)
    _in_progress(book)
    return book.issues


def fill_stories(issues: Sequence[PlannedIssue]) -> dict[str, str]:
    """Resolve placeholders in the numbered story issues; return story name → issue key."""
    by_story = {i.story: i for i in issues if i.story}

    def resolve(match: re.Match[str]) -> str:
        target = by_story[match.group(2)]
        form = match.group(1)
        if form == "num":
            return f"#{target.number}"
        return target.key if form == "key" else target.url

    for issue in issues:
        issue.title = _PLACEHOLDER.sub(resolve, issue.title)
        issue.body = _PLACEHOLDER.sub(resolve, issue.body)
        for comment in issue.comments:
            comment.body = _PLACEHOLDER.sub(resolve, comment.body)
    return {name: issue.key for name, issue in by_story.items()}


def _taxonomy(book: _Book) -> None:
    """Filed in data-labelling's repo by the annotation vendor's QA lead (no team of ours);
    the model teams' need shows in their own issues, which reference it, and data-labelling
    never replied there."""
    bots = book.ctx.org.bots
    reporter = book.ctx.org.externals[0]
    fix = book.issue(
        "taxonomy_fix", "acme/labelling-tools", "bug", 151, reporter,
        labels=["taxonomy", "data-quality", "size/S"], size="S",
        reactions={"THUMBS_UP": 11, "EYES": 3}, crlf=True,
    )  # fmt: skip
    book.say(fix, 33, bots["actions"], TEXTS["c_label_audit"][1].format(n=3918, hit=1204))
    book.say(fix, 4, bots["actions"], TEXTS["c_label_audit"][1].format(n=4102, hit=1311))


def _taxonomy_refs(book: _Book) -> None:
    finder = book.who("asr", "jira", 1)
    asr = book.issue(
        "taxonomy_ref_asr", "ASR", "bug", 163, finder,
        assignees=[book.who("asr", "jira", 2)], components=["Acoustic Model"],
        labels=["data-quality"], priority="High", status="In Progress", size="M",
    )  # fmt: skip
    book.say(asr, 150.8, finder, TEXTS["c_asr_root_cause"][1])
    book.say(asr, 131, finder, TEXTS["c_asr_on_fix"][1])
    book.say(asr, 120, book.who("asr", "jira", 2), TEXTS["c_asr_workaround"][1])
    book.say(asr, 22, book.who("asr", "jira", 0), TEXTS["c_asr_still_blocked"][1])
    vision = book.issue(
        "taxonomy_ref_vision", "acme/vision-models", "bug", 130, book.who("vision", "github", 2),
        assignees=[book.who("vision", "github", 3)], labels=["bug", "data-quality", "size/S"],
        size="S", crlf=True,
    )  # fmt: skip
    book.say(vision, 58, book.who("vision", "github", 3), TEXTS["c_vision_still"][1])
    nlp = book.issue(
        "taxonomy_ref_nlp", "NLP", "bug", 71, book.who("nlp", "jira", 1),
        components=["Intent Model"], status="To Do",
    )  # fmt: skip
    book.say(nlp, 40, book.who("nlp", "jira", 1), TEXTS["c_nlp_measured"][1])
    recsys = book.issue(
        "taxonomy_ref_recsys", "RECSYS", "bug", 26, book.who("recsys", "jira", 2),
        assignees=[book.who("recsys", "jira", 2)], components=["Candidate Generation"],
        priority="High", status="In Progress",
    )  # fmt: skip
    book.say(recsys, 9, book.who("recsys", "jira", 2), TEXTS["c_recsys_confirmed"][1])


def _duplicates(book: _Book) -> None:
    asr = book.issue(
        "duplicate_a", "ASR", "feature", 58, book.who("asr", "jira", 3),
        labels=["shared-infra", "checkpointing"], priority="High", status="To Do", size="XL",
    )  # fmt: skip
    book.say(asr, 51, book.who("asr", "jira", 3), TEXTS["c_dup_a_lost"][1])
    book.say(asr, 30, book.who("asr", "jira", 0), TEXTS["c_dup_a_manager"][1])
    vision = book.issue(
        "duplicate_b", "acme/vision-models", "feature", 34, book.who("vision", "github", 4),
        labels=["enhancement", "shared-infra", "size/L"], size="L", crlf=True,
        reactions={"THUMBS_UP": 3},
    )  # fmt: skip
    book.say(vision, 27, book.who("vision", "github", 4), TEXTS["c_dup_b_prototype"][1])
    book.say(vision, 12, book.who("vision", "github", 0), TEXTS["c_dup_b_manager"][1])


def _decoys(book: _Book) -> None:
    owner = book.who("vision", "github", 1)
    popular = book.issue(
        "decoy_popular", "acme/vision-models", "feature", 212, book.who("vision", "github", 5),
        assignees=[owner], labels=["enhancement", "size/M"], size="M", crlf=True,
        reactions={"THUMBS_UP": 44, "HEART": 7, "ROCKET": 5, "EYES": 2},
    )  # fmt: skip
    for days, index in ((205, 0), (150, 1), (61, 5), (9, 1)):
        who = book.who("vision", "github", index)
        book.say(popular, days, who, TEXTS[f"c_popular_{days}"][1])
    book.issue(
        "decoy_typo", "acme/devtools", "docs", 1092, book.who("platform", "github", 3),
        labels=["documentation", "good first issue", "size/XS"], size="XS",
    )  # fmt: skip


def _in_progress(book: _Book) -> None:
    fixer, manager = (
        book.who("training-infra", "github", 1),
        book.who("training-infra", "github", 0),
    )
    fix = book.issue(
        "decoy_in_progress", "acme/training-infra", "bug", 76,
        book.who("training-infra", "github", 3), assignees=[fixer],
        labels=["bug", "gpu-cluster", "size/L"], size="L", reactions={"THUMBS_UP": 8}, crlf=True,
    )  # fmt: skip
    book.say(fix, 72, book.who("asr", "github", 1), TEXTS["c_sched_asr"][1])
    book.say(fix, 63, book.who("nlp", "github", 1), TEXTS["c_sched_nlp"][1])
    book.say(fix, 6, fixer, TEXTS["c_sched_review"][1])
    book.say(fix, 2, manager, TEXTS["c_sched_rollout"][1])
    book.say(fix, 0.9, fixer, TEXTS["c_sched_deployed"][1])
    book.issue(
        "in_progress_ref_asr", "ASR", "chore", 73, book.who("asr", "jira", 4),
        assignees=[book.who("asr", "jira", 4)], status="To Do",
    )  # fmt: skip
    book.issue(
        "in_progress_ref_nlp", "NLP", "chore", 64, book.who("nlp", "jira", 2),
        assignees=[book.who("nlp", "jira", 2)], status="In Progress",
    )  # fmt: skip
    book.issue(
        "in_progress_ref_vision", "acme/vision-models", "bug", 40, book.who("vision", "github", 5),
        labels=["bug"], crlf=True,
    )  # fmt: skip
