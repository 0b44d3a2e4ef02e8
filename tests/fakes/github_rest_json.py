"""REST JSON shapes of the fake GitHub, as api.github.com returns them under API version 2022-11-28.

Field sets follow the OpenAPI description (`issue`, `simple-user`, `repository`, `label`,
`issue-comment`, `timeline-*-event`) and the recorded responses in `shared/external`
(PyGithub's `Issue.setUp`, `Issue.testGetTimeline`; octokit's paginate-issues fixture).
API URLs point at the fake itself so that clients following them stay on the fake; `html_url`s
use the configurable web host (default https://github.com).
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.github_model import Actor, Comment, Event, Issue, Repo, iso, node_id

JSON = dict[str, Any]

_REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def dumps(payload: object) -> bytes:
    """Compact JSON, as GitHub sends it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class RestJson:
    """Renders store objects as REST JSON for one server (`api` = the fake's base URL)."""

    def __init__(self, api: str, html: str) -> None:
        self.api = api.rstrip("/")
        self.html = html.rstrip("/")

    def user(self, actor: Actor) -> JSON:
        login = actor.rest_login
        users = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": actor.db_id,
            "node_id": actor.node_id,
            "avatar_url": f"https://avatars.githubusercontent.com/u/{actor.db_id}?v=4",
            "gravatar_id": "",
            "url": users,
            "html_url": f"{self.html}/{login}",
            "followers_url": f"{users}/followers",
            "following_url": f"{users}/following{{/other_user}}",
            "gists_url": f"{users}/gists{{/gist_id}}",
            "starred_url": f"{users}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{users}/subscriptions",
            "organizations_url": f"{users}/orgs",
            "repos_url": f"{users}/repos",
            "events_url": f"{users}/events{{/privacy}}",
            "received_events_url": f"{users}/received_events",
            "type": actor.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def repo(self, repo: Repo) -> JSON:
        """The `repository` / `full-repository` shape (every required field of both)."""
        base = f"{self.api}/repos/{repo.full_name}"
        created = iso(repo.created_at)
        open_count = sum(1 for i in repo.issues.values() if i.state == "open")
        payload: JSON = {
            "id": repo.db_id,
            "node_id": repo.node_id,
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.visibility != "public",  # internal repositories are private too
            "owner": self.user(repo.owner),
            "html_url": f"{self.html}/{repo.full_name}",
            "description": None,
            "fork": False,
            "url": base,
            **{name: base + suffix for name, suffix in _REPO_URL_TEMPLATES.items()},
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{self.html}/{repo.full_name}.git",
            "svn_url": f"{self.html}/{repo.full_name}",
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "license": None,
            "size": 0,
            "default_branch": "main",
            "visibility": repo.visibility,
            "topics": [],
            "is_template": False,
            "archived": False,
            "disabled": False,
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "forks": 0,
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers": 0,
            "watchers_count": 0,
            "subscribers_count": 0,
            "network_count": 0,
            "open_issues": open_count,
            "open_issues_count": open_count,
            "created_at": created,
            "updated_at": created,
            "pushed_at": created,
        }
        return payload

    def label(self, repo: Repo, name: str, label_id: int) -> JSON:
        return {
            "id": label_id,
            "node_id": node_id("LA_kwDO", repo.db_id, label_id),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            "color": _color(name),
            "default": False,
            "description": None,
        }

    def issue(self, issue: Issue, label_ids: list[int], *, single: bool = False) -> JSON:
        """An item of `GET /repos/{o}/{r}/issues`; `single=True` adds `closed_by` like the
        single-issue GET (list items never carry it)."""
        repo = issue.repo
        base = f"{self.api}/repos/{repo.full_name}/issues/{issue.number}"
        kind = "pull" if issue.is_pr else "issues"
        payload: JSON = {
            "url": base,
            "repository_url": f"{self.api}/repos/{repo.full_name}",
            "labels_url": f"{base}/labels{{/name}}",
            "comments_url": f"{base}/comments",
            "events_url": f"{base}/events",
            "html_url": f"{self.html}/{repo.full_name}/{kind}/{issue.number}",
            "id": issue.db_id,
            "node_id": issue.node_id,
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.author),
            "labels": [
                self.label(repo, name, lid)
                for name, lid in zip(issue.labels, label_ids, strict=True)
            ],
            "state": issue.state,
            "locked": False,
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self.user(a) for a in issue.assignees],
            "milestone": None,
            "comments": len(issue.comments),
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "author_association": "NONE",
            "type": None,
            "active_lock_reason": None,
            "body": issue.body or None,  # GitHub sends null, not "", for an empty body
            "reactions": self.reactions(base, issue.reactions),
            "timeline_url": f"{base}/timeline",
            "performed_via_github_app": None,
            "state_reason": None if issue.is_pr else issue.state_reason,
        }
        if issue.is_pr:
            payload["draft"] = False
            payload["pull_request"] = self.pull_request_link(issue)
        if single:
            payload["closed_by"] = self.user(issue.closed_by) if issue.closed_by else None
        return payload

    def pull_request_link(self, pr: Issue) -> JSON:
        html = f"{self.html}/{pr.repo.full_name}/pull/{pr.number}"
        return {
            "url": f"{self.api}/repos/{pr.repo.full_name}/pulls/{pr.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": iso(pr.closed_at) if pr.merged else None,
        }

    @staticmethod
    def reactions(base: str, total: int) -> JSON:
        counts = dict.fromkeys(("-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
        return {"url": f"{base}/reactions", "total_count": total, "+1": total, **counts}

    def comment(self, comment: Comment) -> JSON:
        issue = comment.issue
        base = f"{self.api}/repos/{issue.repo.full_name}/issues"
        url = f"{base}/comments/{comment.db_id}"
        kind = "pull" if issue.is_pr else "issues"
        return {
            "url": url,
            "html_url": f"{self.html}/{issue.repo.full_name}/{kind}/{issue.number}"
            f"#issuecomment-{comment.db_id}",
            "issue_url": f"{base}/{issue.number}",
            "id": comment.db_id,
            "node_id": comment.node_id,
            "user": self.user(comment.author),
            "created_at": iso(comment.created_at),
            "updated_at": iso(comment.created_at),
            "author_association": "NONE",
            "body": comment.body,
            "reactions": self.reactions(url, 0),
            "performed_via_github_app": None,
        }

    def timeline_comment(self, comment: Comment) -> JSON:
        """A `commented` timeline event: the comment itself plus `event` and `actor`."""
        return {
            **self.comment(comment),
            "event": "commented",
            "actor": self.user(comment.author),
        }

    def issue_event(self, event: Event, issue: Issue) -> JSON:
        """`closed` / `marked_as_duplicate` / `transferred` events (timeline and /events)."""
        rest_name = {
            "ClosedEvent": "closed",
            "MarkedAsDuplicateEvent": "marked_as_duplicate",
            "TransferredEvent": "transferred",
        }[event.kind]
        payload: JSON = {
            "id": event.db_id,
            "node_id": event.node_id,
            "url": f"{self.api}/repos/{issue.repo.full_name}/issues/events/{event.db_id}",
            "actor": self.user(event.actor) if event.actor else None,
            "event": rest_name,
            "commit_id": None,
            "commit_url": None,
            "created_at": iso(event.created_at),
            "performed_via_github_app": None,
        }
        if event.kind == "ClosedEvent":
            payload["state_reason"] = event.state_reason
        return payload

    def cross_reference(self, event: Event, source_json: JSON) -> JSON:
        """A `cross-referenced` timeline event: no id/url; the source issue carries its repo."""
        return {
            "actor": self.user(event.actor) if event.actor else None,
            "created_at": iso(event.created_at),
            "updated_at": iso(event.created_at),
            "source": {"type": "issue", "issue": source_json},
            "event": "cross-referenced",
        }

    def error(self, message: str, status: int, doc: str = "https://docs.github.com/rest") -> JSON:
        """GitHub's error body (`basic-error`), which nowadays also repeats the status."""
        return {"message": message, "documentation_url": doc, "status": str(status)}


def _color(name: str) -> str:
    """A stable 6-hex-digit colour per label name (Python's hash() is salted per process)."""
    value = 0
    for char in name:
        value = (value * 131 + ord(char)) & 0xFFFFFF
    return f"{value:06x}"
