"""A thin GitHub client over an injected ``httpx.Client``: REST listing with Link headers
and ETags, GraphQL in batches, single-issue probes, and the few writes a claim needs
(assignees, comments). Parsing lives in ``payloads``, reading answers in ``answers``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from bot.trackers.github.answers import (
    assignees_in,
    error_message,
    json_list,
    json_object,
    next_link,
    rest_issue,
)
from bot.trackers.github.payloads import RestIssue
from bot.trackers.http import Governor, TrackerError

API_VERSION = "2022-11-28"
PER_PAGE = 100
IssueSort = Literal["updated", "created"]


@dataclass(frozen=True)
class IssuePage:
    """One page of ``/repos/{repo}/issues``; ``not_modified`` when the ETag still matched.
    ``url`` is the address that answered (after a redirect, the new one)."""

    items: list[RestIssue]
    next_url: str | None
    etag: str | None
    url: str
    not_modified: bool = False


@dataclass(frozen=True)
class Probe:
    """What ``GET /repos/{repo}/issues/{n}`` says about an issue that left a listing."""

    status: str  # "present" | "moved" | "deleted"
    location: str | None = None


class WriteRefusedError(TrackerError):
    """GitHub refused a write with a 4xx other than 401 (no access, not found, gone, invalid),
    or redirected it permanently: retrying cannot help, and the user should hear why.

    ``status`` is the HTTP status; ``message`` is GitHub's own explanation.
    """

    def __init__(self, status: int, message: str, doing: str) -> None:
        self.status, self.message = status, message
        super().__init__(f"GitHub answered {status} when {doing}: {message}")


@dataclass
class GraphQLCost:
    points: int = 0
    remaining: int | None = None


class GitHubClient:
    """REST + GraphQL calls for the sync; every request goes through the governor."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        api_url: str,
        graphql_url: str,
        token: str | None,
        governor: Governor,
    ) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.graphql_url = graphql_url
        self.governor = governor
        self.graphql_cost = GraphQLCost()
        self._viewer: str | None = None
        self._headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "impactbot",
        }
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def list_issues(
        self,
        repo: str,
        *,
        since: datetime | None,
        etag: str | None = None,
        url: str | None = None,
        sort: IssueSort = "updated",
        newest_only: bool = False,
    ) -> IssuePage:
        """Issues and pull requests of ``repo`` in every state, oldest first by ``sort``:
        ``updated`` (at or after ``since``) for incremental listings, ``created`` for a walk
        whose order edits cannot shift; ``newest_only``: just the most recently updated one.
        ``url`` continues a listing from a Link header and is requested exactly as GitHub
        wrote it (its query carries the filters and the page)."""
        params: dict[str, str | int] | None = None
        if url is None:
            url = f"{self.api_url}/repos/{repo}/issues"
            params = {"state": "all", "sort": sort, "direction": "asc", "per_page": PER_PAGE}
            if newest_only:
                params |= {"sort": "updated", "direction": "desc", "per_page": 1}
            if since is not None:
                params["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {"If-None-Match": etag} if etag else {}
        response = self._get(url, params=params, headers=headers, follow=True)
        if response.status_code == 304:
            return IssuePage([], None, etag, str(response.request.url), not_modified=True)
        self._check(response, f"listing issues of {repo}")
        return IssuePage(
            items=[rest_issue(item, repo) for item in json_list(response)],
            next_url=next_link(response),
            etag=response.headers.get("etag"),
            url=str(response.request.url),
        )

    def org_repos(
        self, org: str, *, etag: str | None = None
    ) -> tuple[list[str] | None, str | None]:
        """Full names of every repository of ``org``, and the first page's ETag; ``None``
        names when ``etag`` still matches (GitHub lists the newest repos first, so a new
        repository always changes the first page)."""
        params: dict[str, str | int] = {"per_page": PER_PAGE, "type": "all", "sort": "created"}
        response = self._get(
            f"{self.api_url}/orgs/{org}/repos",
            params=params,
            headers={"If-None-Match": etag} if etag else {},
        )
        if response.status_code == 304:
            return None, etag
        first_etag = response.headers.get("etag")
        names: list[str] = []
        followed: set[str] = set()
        while True:
            self._check(response, f"listing repositories of {org}")
            names += [str(repo["full_name"]) for repo in json_list(response)]
            next_url = next_link(response)
            if next_url is None:
                return names, first_etag
            if next_url in followed:  # the engine's guard only sees streams, not this walk
                raise TrackerError(
                    f"GitHub's next page of the repositories of {org} is {next_url} again: "
                    "stopped (a paging loop)"
                )
            followed.add(next_url)
            response = self._get(next_url)  # the Link URL as GitHub wrote it (no params)

    def repo_visibility(
        self, repo: str, *, etag: str | None = None
    ) -> tuple[str | None, str | None]:
        """``GET /repos/{owner}/{repo}``: its ``visibility`` (``public``, ``private`` or
        ``internal``; from ``private`` where an older server lacks the field) and the answer's
        ETag; ``None`` when ``etag`` still matches (a 304 costs no rate-limit points)."""
        response = self._get(
            f"{self.api_url}/repos/{repo}",
            headers={"If-None-Match": etag} if etag else {},
            follow=True,
        )
        if response.status_code == 304:
            return None, etag
        self._check(response, f"reading repository {repo}")
        data = response.json()
        if not isinstance(data, dict):
            raise TrackerError(f"GitHub answered repository {repo} with {type(data).__name__}")
        found = data.get("visibility") or ("private" if data.get("private") else "public")
        return str(found), response.headers.get("etag")

    def probe_issue(self, repo: str, number: int) -> Probe:
        """Whether an issue still exists where it was, moved (301), or is gone (410/404)."""
        response = self._get(f"{self.api_url}/repos/{repo}/issues/{number}")
        if response.status_code in (301, 302, 307, 308):
            return Probe("moved", response.headers.get("location"))
        if response.status_code in (404, 410):
            return Probe("deleted")
        self._check(response, f"reading {repo}#{number}")
        return Probe("present")

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run one GraphQL document; returns ``data``. Raises ``TrackerError`` on errors."""
        request = self.http.build_request(
            "POST",
            self.graphql_url,
            json={"query": query, "variables": dict(variables)},
            headers=self._headers,
        )
        response = self.governor.send(self.http, request, "graphql")
        self._check(response, "GraphQL query")
        body = response.json()
        if body.get("errors") and not body.get("data"):
            messages = "; ".join(str(e.get("message")) for e in body["errors"])
            raise TrackerError(f"GitHub GraphQL error: {messages}")
        data: dict[str, Any] = body.get("data") or {}
        self._count_cost(data.get("rateLimit"))
        return data

    def add_assignees(self, repo: str, number: int, logins: Sequence[str]) -> list[str]:
        """Add ``logins`` to the assignees of ``repo#number``; returns the logins GitHub lists
        as assigned afterwards. GitHub answers 201 even when it silently drops a login that
        cannot be assigned there, so the caller must look for its logins in the result.

        Raises ``WriteRefusedError`` for a 4xx (but 401), ``TrackerError`` for anything else.
        """
        response = self._write(
            "POST", self._issue_url(repo, number, "/assignees"), {"assignees": list(logins)}
        )
        self._check_write(response, f"assigning {', '.join(logins)} on {repo}#{number}")
        return assignees_in(response, repo)

    def remove_assignees(self, repo: str, number: int, logins: Sequence[str]) -> list[str]:
        """Remove ``logins`` from the assignees of ``repo#number``; returns the logins still
        assigned afterwards (GitHub ignores logins that were not assigned). Raises like
        ``add_assignees``."""
        response = self._write(
            "DELETE", self._issue_url(repo, number, "/assignees"), {"assignees": list(logins)}
        )
        self._check_write(response, f"unassigning {', '.join(logins)} on {repo}#{number}")
        return assignees_in(response, repo)

    def add_comment(self, repo: str, number: int, body: str) -> str:
        """Comment ``body`` on ``repo#number`` as the token's user; returns the comment's
        ``html_url``. Raises like ``add_assignees``, and ``AmbiguousWriteError`` when GitHub
        may have stored it (a 5xx or a dropped connection): it is never repeated here."""
        address = self._issue_url(repo, number, "/comments")
        response = self._write("POST", address, {"body": body}, repeatable=False)
        self._check_write(response, f"commenting on {repo}#{number}")
        url = json_object(response, "a comment").get("html_url")
        if not isinstance(url, str):
            raise TrackerError(f"GitHub created a comment on {repo}#{number} but sent no URL")
        return url

    def viewer_login(self) -> str:
        """The login of the token's user (``GET /user``), asked once."""
        if self._viewer is None:
            response = self._get(f"{self.api_url}/user")
            self._check(response, "reading the token's user")
            login = json_object(response, "a user").get("login")
            if not isinstance(login, str):
                raise TrackerError("GitHub sent no login for the token's user")
            self._viewer = login
        return self._viewer

    def comments(self, repo: str, number: int) -> list[tuple[str, str, str]]:
        """``(author login, body, html_url)`` of each comment on ``repo#number``, oldest
        first, following the Link header page by page."""
        url: str | None = self._issue_url(repo, number, "/comments")
        params: dict[str, str | int] | None = {"per_page": PER_PAGE}
        found: list[tuple[str, str, str]] = []
        while url is not None:
            response = self._get(url, params=params)
            self._check(response, f"reading comments of {repo}#{number}")
            for item in json_list(response):
                login = (item.get("user") or {}).get("login")
                found.append((str(login), str(item.get("body") or ""), str(item.get("html_url"))))
            url, params = next_link(response), None
        return found

    def assignee_logins(self, repo: str, number: int) -> list[str]:
        """Who ``repo#number`` is assigned to now. Raises ``WriteRefusedError`` when the
        issue cannot be read (not found, gone, no access)."""
        response = self._get(self._issue_url(repo, number, ""), follow=True)
        self._check_write(response, f"reading {repo}#{number}")
        return assignees_in(response, repo)

    def _issue_url(self, repo: str, number: int, sub: str) -> str:
        return f"{self.api_url}/repos/{repo}/issues/{number}{sub}"

    def _write(
        self, method: str, url: str, payload: Mapping[str, Any], *, repeatable: bool = True
    ) -> httpx.Response:
        """Send a JSON write; a 307/308 (a renamed repository) is followed once with the same
        method and body, and without the token when the new address is on another host."""
        response = self._send_json(method, url, payload, token=True, repeatable=repeatable)
        if response.status_code not in (307, 308):
            return response
        location = response.headers.get("location")
        if not location:
            raise TrackerError(f"GitHub redirected {url} without saying where")
        same_host = httpx.URL(location).host == httpx.URL(url).host
        return self._send_json(method, location, payload, token=same_host, repeatable=repeatable)

    def _send_json(
        self,
        method: str,
        url: str,
        payload: Mapping[str, Any],
        *,
        token: bool,
        repeatable: bool = True,
    ) -> httpx.Response:
        headers = {k: v for k, v in self._headers.items() if token or k != "Authorization"}
        request = self.http.build_request(method, url, json=dict(payload), headers=headers)
        return (self.governor.send if repeatable else self.governor.send_once)(
            self.http, request, "core"
        )

    @classmethod
    def _check_write(cls, response: httpx.Response, doing: str) -> None:
        """Raise ``WriteRefusedError`` for a 3xx left over or a 4xx but 401; ``_check`` the rest."""
        status = response.status_code
        if 300 <= status < 400:
            where = response.headers.get("location", "an address GitHub did not give")
            raise WriteRefusedError(status, f"moved to {where}", doing)
        if 400 <= status < 500 and status != 401:
            raise WriteRefusedError(status, error_message(response), doing)
        cls._check(response, doing)

    def _count_cost(self, rate: Mapping[str, Any] | None) -> None:
        if rate:
            self.graphql_cost.points += int(rate.get("cost", 0))
            self.graphql_cost.remaining = rate.get("remaining")

    def _get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        follow: bool = False,
    ) -> httpx.Response:
        # ``params`` must stay None for a URL from a Link header: httpx replaces a URL's whole
        # query with any ``params`` given, even an empty dict, and GitHub then answers page 1
        # with its defaults (open issues, newest first, 30 a page) instead of the next page.
        request = self.http.build_request(
            "GET", url, params=params, headers={**self._headers, **(headers or {})}
        )
        response = self.governor.send(self.http, request, "core")
        if follow and response.status_code in (301, 302, 307, 308):
            # A renamed or transferred repository: GitHub redirects, and so do we, once.
            location = response.headers.get("location")
            if not location:
                raise TrackerError(f"GitHub redirected {url} without saying where")
            target = httpx.URL(location)
            headers = dict(request.headers)
            if target.host != request.url.host:
                headers.pop("authorization", None)  # never hand the token to another host
            moved = self.http.build_request("GET", target, headers=headers)
            response = self.governor.send(self.http, moved, "core")
        return response

    @staticmethod
    def _check(response: httpx.Response, doing: str) -> None:
        if response.status_code < 400:
            return
        hint = {
            401: "the token was rejected: check GITHUB_TOKEN",
            403: "the token may lack access, or a rate limit outlasted the retries",
            404: "not found, or the token cannot see it",
        }.get(response.status_code, "")
        detail = f" ({hint})" if hint else ""
        raise TrackerError(f"GitHub answered {response.status_code} when {doing}{detail}")
