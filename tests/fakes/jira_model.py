"""The data behind the fake Jira, and its JSON the way Jira Cloud's REST v3 renders it.

Shapes follow Atlassian's v3 OpenAPI (``IssueBean``, ``PageOfComments``, ``PageBeanChangelog``,
``User``...) and the recorded samples in ../shared/external/jira-samples; times are rendered
like Jira does (``2024-06-01T05:00:00.000-0700``, in the API user's time zone).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

CATEGORIES = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}
LINK_TYPES = {
    "Blocks": ("10000", "is blocked by", "blocks"),
    "Duplicate": ("10001", "is duplicated by", "duplicates"),
    "Relates": ("10003", "relates to", "relates to"),
}
#: Fields ``*all`` adds beyond what the sync asks for: the bulk a real site sends.
_NOISE: dict[str, Any] = {
    "issuetype": {"id": "10001", "name": "Task", "subtask": False, "hierarchyLevel": 0},
    "priority": {"id": "3", "name": "Medium"},
    "watches": {"watchCount": 1, "isWatching": False},
    "fixVersions": [],
    "versions": [],
    "environment": None,
    "duedate": None,
    "timetracking": {},
    "timespent": None,
    "timeestimate": None,
    "aggregateprogress": {"progress": 0, "total": 0},
    "progress": {"progress": 0, "total": 0},
    "subtasks": [],
    "attachment": [],
    "worklog": {"startAt": 0, "maxResults": 20, "total": 0, "worklogs": []},
    "security": None,
    "lastViewed": None,
    "workratio": -1,
    **{f"customfield_{10100 + n}": None for n in range(40)},
    "customfield_10019": "0|i0000f:",
    "customfield_10020": [],
}


@dataclass
class User:
    account_id: str
    display_name: str
    email: str | None = None
    time_zone: str = "UTC"
    account_type: str = "atlassian"


@dataclass
class FakeComment:
    id: int
    author: str
    body: Any  # ADF document
    created: datetime
    properties: dict[str, Any] = field(default_factory=dict)  # comment properties by key


@dataclass
class History:
    id: int
    author: str
    created: datetime
    items: list[dict[str, Any]]


@dataclass
class FakeIssue:
    id: int
    project: str
    number: int
    summary: str
    created: datetime
    updated: datetime
    reporter: str
    description: Any = None
    category: str = "new"
    resolution: str | None = None
    resolution_date: datetime | None = None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    assignee: str | None = None
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (type, way, other key)
    comments: list[FakeComment] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    votes: int = 0
    story_points: float | None = None
    stale: FakeIssue | None = None  # what search still shows until the index catches up

    @property
    def key(self) -> str:
        return f"{self.project}-{self.number}"

    def snapshot(self) -> FakeIssue:
        """A copy for the search index, without its own stale chain."""
        stale, self.stale = self.stale, None
        try:
            return copy.deepcopy(self)
        finally:
            self.stale = stale


class Renderer:
    """Issue JSON on one site (``base`` = the fake's URL), times in the viewer's zone."""

    def __init__(
        self,
        base: str,
        users: dict[str, User],
        zone: tzinfo,
        points: str,
        total_reading: str = "page",
    ) -> None:
        self.base, self.users, self.zone, self.points_field = base, users, zone, points
        self.total_reading = total_reading

    def total(self, shown: int, existing: int) -> int:
        """A page's ``total``: the count on the page (``"page"``, as the spec describes it),
        or the count of all there are (``"all"``); see ``FakeJira``."""
        return shown if self.total_reading == "page" else existing

    def time(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        local = moment.astimezone(self.zone)
        return (
            local.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{local.microsecond // 1000:03d}"
            + (local.strftime("%z"))
        )

    def user(self, account_id: str | None) -> dict[str, Any] | None:
        if account_id is None:
            return None
        u = self.users[account_id]
        out: dict[str, Any] = {
            "self": f"{self.base}/rest/api/3/user?accountId={u.account_id}",
            "accountId": u.account_id,
            "accountType": u.account_type,
            "avatarUrls": {"48x48": f"{self.base}/avatar/{u.account_id}.png"},
            "displayName": u.display_name,
            "active": True,
            "timeZone": u.time_zone,
        }
        if u.email:  # hidden by the user's profile visibility otherwise
            out["emailAddress"] = u.email
        return out

    def comment(self, issue: FakeIssue, c: FakeComment) -> dict[str, Any]:
        return {
            "self": f"{self.base}/rest/api/3/issue/{issue.id}/comment/{c.id}",
            "id": str(c.id),
            "author": self.user(c.author),
            "body": c.body,
            "updateAuthor": self.user(c.author),
            "created": self.time(c.created),
            "updated": self.time(c.created),
            "jsdPublic": True,
        }

    def history(self, h: History) -> dict[str, Any]:
        return {
            "id": str(h.id),
            "author": self.user(h.author),
            "created": self.time(h.created),
            "items": h.items,
        }

    def fields(self, issue: FakeIssue, wanted: set[str], embed_comments: int) -> dict[str, Any]:
        everything = "*all" in wanted or "*navigable" in wanted
        out: dict[str, Any] = {}
        for name, render in self._renderers(issue, embed_comments).items():
            if everything or name in wanted:
                out[name] = render()
        if everything:
            out.update(_NOISE)
        return out

    def _renderers(self, issue: FakeIssue, embed: int) -> dict[str, Any]:
        cat_id, cat_name, colour = CATEGORIES[issue.category]
        status_name = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
        return {
            "summary": lambda: issue.summary,
            "description": lambda: issue.description,
            "status": lambda: {
                "self": f"{self.base}/rest/api/3/status/1000{cat_id}",
                "name": status_name[issue.category],
                "id": f"1000{cat_id}",
                "statusCategory": {
                    "id": cat_id,
                    "key": issue.category,
                    "colorName": colour,
                    "name": cat_name,
                },
            },
            "resolution": lambda: (
                None
                if issue.resolution is None
                else {
                    "self": f"{self.base}/rest/api/3/resolution/1",
                    "id": "1",
                    "name": issue.resolution,
                    "description": "",
                }
            ),
            "resolutiondate": lambda: self.time(issue.resolution_date),
            "statuscategorychangedate": lambda: self.time(issue.resolution_date or issue.created),
            "labels": lambda: list(issue.labels),
            "components": lambda: [
                {"self": f"{self.base}/rest/api/3/component/{n}", "id": str(n), "name": name}
                for n, name in enumerate(issue.components, start=10000)
            ],
            "assignee": lambda: self.user(issue.assignee),
            "reporter": lambda: self.user(issue.reporter),
            "creator": lambda: self.user(issue.reporter),
            "created": lambda: self.time(issue.created),
            "updated": lambda: self.time(issue.updated),
            "issuelinks": lambda: [
                self._link(issue, n, link) for n, link in enumerate(issue.links)
            ],
            "comment": lambda: {
                "comments": [self.comment(issue, c) for c in issue.comments[:embed]],
                "self": f"{self.base}/rest/api/3/issue/{issue.id}/comment",
                "maxResults": min(embed, len(issue.comments)),
                "total": self.total(min(embed, len(issue.comments)), len(issue.comments)),
                "startAt": 0,
            },
            "project": lambda: {
                "self": f"{self.base}/rest/api/3/project/{issue.project}",
                "id": str(10000 + sum(map(ord, issue.project))),
                "key": issue.project,
                "name": issue.project.title(),
                "projectTypeKey": "software",
                "simplified": False,
            },
            "votes": lambda: {
                "self": f"{self.base}/rest/api/3/issue/{issue.key}/votes",
                "votes": issue.votes,
                "hasVoted": False,
            },
            self.points_field: lambda: issue.story_points,
        }

    def _link(self, issue: FakeIssue, n: int, link: tuple[str, str, str]) -> dict[str, Any]:
        kind, way, other = link
        type_id, inward, outward = LINK_TYPES[kind]
        end = {
            "id": str(10000 + n),
            "key": other,
            "self": f"{self.base}/rest/api/3/issue/{other}",
            "fields": {"status": {"name": "To Do"}},
        }
        return {
            "id": f"{issue.id}{n}",
            "self": f"{self.base}/rest/api/3/issueLink/{issue.id}{n}",
            "type": {
                "id": type_id,
                "name": kind,
                "inward": inward,
                "outward": outward,
                "self": f"{self.base}/rest/api/3/issueLinkType/{type_id}",
            },
            f"{way}Issue": end,
        }

    def issue(
        self, issue: FakeIssue, wanted: set[str], *, embed_comments: int, changelog: int | None
    ) -> dict[str, Any]:
        """An ``IssueBean``; ``changelog`` (max histories, newest first) when expanded."""
        out: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog",
            "id": str(issue.id),
            "self": f"{self.base}/rest/api/3/issue/{issue.id}",
            "key": issue.key,
        }
        fields = self.fields(issue, wanted, embed_comments)
        if fields:
            out["fields"] = fields
        if changelog is not None:
            newest = sorted(issue.histories, key=lambda h: h.created, reverse=True)[:changelog]
            out["changelog"] = {
                "startAt": 0,
                "maxResults": len(newest),
                "total": self.total(len(newest), len(issue.histories)),
                "histories": [self.history(h) for h in newest],
            }
        return out
