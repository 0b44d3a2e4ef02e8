"""A strict, GitHub-shaped REST server written from GitHub's documentation alone.

It is deliberately independent of impactbot's code and of ``tests/fakes/``: every rule here
comes from GitHub's published REST description (``tests/vendor/github-rest-openapi``, the
2022-06-11 copy of github/rest-api-description, MIT) or from GitHub's REST docs, cited beside
the rule. Sources referred to below:

- [SPEC]  ``api.github.com.2022-06-11.issues-subset.json``, operation ``issues/list-for-repo``
          (``GET /repos/{owner}/{repo}/issues``) and the other operations named at each route.
- [PAGING] "Using pagination in the REST API", docs.github.com/en/rest/using-the-rest-api/
          using-pagination-in-the-rest-api: paginated responses carry a ``link`` header with
          ``rel="next"``, ``"prev"``, ``"first"``, ``"last"``; no ``link`` when one page holds it
          all; ``per_page`` defaults to 30, at most 100.
- [BEST]  "Best practices for using the REST API", section "Use conditional requests if
          appropriate": responses carry ``etag``; a request with ``if-none-match`` gets
          ``304 Not Modified`` when nothing changed, and "making a conditional request does
          not count against your primary rate limit if a 304 response is returned and the
          request was made while correctly authorized with an Authorization header".
- [RATE]  "Rate limits for the REST API": every response carries ``x-ratelimit-limit``,
          ``-remaining``, ``-used``, ``-reset`` and ``-resource``; 5,000 requests an hour for a
          user token; "Calling GET /rate_limit does not count against your primary rate limit"
          ("Checking the status of your rate limit" in the same page and in the rate-limit
          endpoint's reference).
- [AUTH]  "Authenticating to the REST API": ``Authorization: Bearer TOKEN`` (or ``token TOKEN``).
- [GQL]   GraphQL docs: "Forming calls with GraphQL" (every call is ``POST /graphql`` with a
          JSON body ``{"query": ..., "variables": ...}``; errors come back with HTTP 200 and an
          ``errors`` list), the ``Query.nodes(ids:)`` field ("Lookup nodes by a list of IDs"),
          and "Rate limits and query limits for the GraphQL API" (a separate budget — the
          ``graphql`` resource — where every query costs at least one point; ``rateLimit { cost
          remaining resetAt }`` reports it; a conditional 304 is a REST-only feature).
- [HEADERS] "Getting started with the REST API" / "User agent required": requests without a
          ``User-Agent`` header are rejected.
- [VERSIONS] "API Versions": supported ``X-GitHub-Api-Version`` values are ``2022-11-28`` and
          ``2026-03-10``; any other value gets 400.
- [ISSUES] "REST API endpoints for issues" → "List repository issues": "GitHub's REST API
          considers every pull request an issue"; ``since``: "Only show results that were last
          updated after the given time" (GitHub's v3 docs: "Only issues updated at or after
          this time are returned" — this server includes equality).

Anything a request asks that these sources do not define — an unknown path, method, query
parameter or parameter value — is answered 4xx with a GitHub-shaped error *and* recorded in
``GitHubDocsServer.undefined`` so a test can fail on it. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

RATE_LIMIT = 5000  # [RATE] primary rate limit of a personal access token, per hour
RESET_EPOCH = 4102444800  # a fixed x-ratelimit-reset (2100-01-01) so nothing resets mid-test
API_VERSIONS = {"2022-11-28", "2026-03-10"}  # [VERSIONS]
MAX_PER_PAGE = 100  # [SPEC] per_page "Results per page (max 100)"; [PAGING]
DEFAULT_PER_PAGE = 30  # [SPEC] per_page default 30

# [SPEC] issues/list-for-repo: its query parameters, with the enums and defaults it declares.
LIST_ISSUES_PARAMS = {
    "milestone", "state", "assignee", "creator", "mentioned", "labels",
    "sort", "direction", "since", "per_page", "page",
}  # fmt: skip
STATE_ENUM = {"open", "closed", "all"}  # default "open"
SORT_ENUM = {"created", "updated", "comments"}  # default "created"
DIRECTION_ENUM = {"asc", "desc"}  # default "desc"
# [SPEC] issues/list-comments (per issue): since, per_page, page.
ISSUE_COMMENTS_PARAMS = {"since", "per_page", "page"}
# [SPEC] issues/list-comments-for-repo: sort (created|updated), direction, since, per_page, page.
REPO_COMMENTS_PARAMS = {"sort", "direction", "since", "per_page", "page"}
# [SPEC] issues/list-events, issues/list-events-for-timeline: per_page, page.
PAGED_ONLY_PARAMS = {"per_page", "page"}

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


class UndefinedRequestError(Exception):
    """A request the documentation does not define; ``status`` is what the server answers."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Recorded:
    """One request as the server saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int = 0
    counted: bool = False  # did it spend a point of the primary rate limit?
    undefined: str | None = None  # why the docs do not define it, if they do not
    body: str = ""  # what the request carried, for the report


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    issues: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class GitHubDocsServer:
    """Serve ``repos`` on 127.0.0.1 (port 0) in a thread; ``base_url`` is the REST root."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.requests: list[Recorded] = []
        self.used = 0
        self.graphql_used = 0
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ---- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> GitHubDocsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ---- data ------------------------------------------------------------------------------
    def add_repo(self, owner: str, name: str, repo_id: int) -> Repo:
        repo = Repo(owner, name, repo_id)
        self.repos[repo.full_name] = repo
        return repo

    @property
    def undefined(self) -> list[Recorded]:
        return [r for r in self.requests if r.undefined is not None]

    @property
    def points_spent(self) -> int:
        return sum(1 for r in self.requests if r.counted)

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()

    # ---- HTTP ------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the record is in server.requests

            def do_GET(self) -> None:
                server._serve(self)

            def do_POST(self) -> None:
                server._serve(self)

            def do_PATCH(self) -> None:
                server._serve(self)

            def do_PUT(self) -> None:
                server._serve(self)

            def do_DELETE(self) -> None:
                server._serve(self)

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = parse_qs(split.query, keep_blank_values=True)
        length = int(handler.headers.get("content-length") or 0)
        sent = handler.rfile.read(length).decode("utf-8", "replace") if length else ""
        record = Recorded(
            handler.command, split.path, query, {k.lower(): v for k, v in handler.headers.items()}
        )
        record.body = sent
        with self.lock:
            self.requests.append(record)
            status, headers, body = self._answer(record)
        record.status = status
        payload = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("content-type", "application/json; charset=utf-8")
        handler.send_header("content-length", str(len(payload)))
        handler.end_headers()
        if payload:
            handler.wfile.write(payload)

    def _answer(self, record: Recorded) -> tuple[int, dict[str, str], Any]:
        # [HEADERS] "all API requests must include a valid User-Agent header"; others are
        # rejected (403).
        if not record.headers.get("user-agent"):
            record.undefined = "no User-Agent header"
            return 403, {}, {"message": "Request forbidden: a User-Agent header is required"}
        # [VERSIONS] an X-GitHub-Api-Version that is not a supported version is a 400.
        version = record.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            record.undefined = f"unsupported X-GitHub-Api-Version {version!r}"
            return 400, {}, {"message": f"API version {version} is not supported."}
        # [AUTH] a token travels in the Authorization header, "Bearer" or "token" scheme.
        auth = record.headers.get("authorization", "")
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            record.undefined = f"no valid Authorization header ({auth!r})"
            return 401, {}, {"message": "Requires authentication"}
        if record.method == "POST" and record.path == "/graphql":
            return self._graphql(record)
        try:
            status, body, conditional = self._route(record)
        except UndefinedRequestError as exc:
            record.undefined = exc.reason
            record.counted = True  # an error answer still spends a point [RATE]
            self.used += 1
            return (
                exc.status,
                self._rate_headers(),
                {
                    "message": exc.reason,
                    "documentation_url": "https://docs.github.com/rest",
                },
            )
        if body is None:  # 404 of a defined route: a real answer, still a point
            record.counted = True
            self.used += 1
            return status, self._rate_headers(), {"message": "Not Found"}
        extra: dict[str, str] = {}
        if isinstance(body, tuple):
            body, extra = body
        etag = 'W/"' + hashlib.sha256(json.dumps(body).encode()).hexdigest()[:40] + '"'
        if conditional and etag in _etags(record.headers.get("if-none-match", "")):
            # [BEST] unchanged → 304, and it does not count against the primary rate limit.
            return 304, {"etag": etag, **self._rate_headers()}, None
        if conditional:  # GET /rate_limit is free [RATE]; everything else costs one point
            record.counted = True
            self.used += 1
        return status, {"etag": etag, **extra, **self._rate_headers()}, body

    def _graphql(self, record: Recorded) -> tuple[int, dict[str, str], Any]:
        """[GQL] only what impactbot's sync was seen to ask: ``nodes(ids:)`` of issues, each
        with its comments, timeline items and closing pull requests (none in this data)."""
        record.counted = True  # [GQL] every query costs at least one point, 304 never applies
        self.graphql_used += 1
        headers = {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(RATE_LIMIT - self.graphql_used),
            "x-ratelimit-used": str(self.graphql_used),
            "x-ratelimit-reset": str(RESET_EPOCH),
            "x-ratelimit-resource": "graphql",
        }
        try:
            request = json.loads(record.body)
            query, variables = request["query"], request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            record.undefined = "GraphQL body is not {query, variables} JSON [GQL]"
            return 400, headers, {"message": "Problems parsing JSON"}
        if "nodes(ids:" not in query.replace(" ", "").replace("nodes(ids:", "nodes(ids:"):
            record.undefined = "a GraphQL query other than nodes(ids:) — outside this contract"
            return 200, headers, {"errors": [{"message": "query outside this contract"}]}
        ids = variables.get("ids")
        if not isinstance(ids, list) or len(ids) > MAX_PER_PAGE:
            # [GQL] node lookups and connections take at most 100 at a time
            record.undefined = f"nodes(ids:) with {len(ids) if isinstance(ids, list) else ids!r}"
            return 200, headers, {"errors": [{"message": "ids: at most 100"}]}
        by_id = {i["node_id"]: (i, r) for r in self.repos.values() for i in r.issues}
        nodes = [_issue_node(*by_id[i]) if i in by_id else None for i in ids]
        rate = {
            "cost": 1,
            "remaining": RATE_LIMIT - self.graphql_used,
            "resetAt": "2100-01-01T00:00:00Z",
        }
        return 200, headers, {"data": {"rateLimit": rate, "nodes": nodes}}

    def _rate_headers(self) -> dict[str, str]:
        # [RATE] the five x-ratelimit-* headers on every answer.
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(RATE_LIMIT - self.used, 0)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(RESET_EPOCH),
            "x-ratelimit-resource": "core",
        }

    # ---- routes ----------------------------------------------------------------------------
    def _route(self, record: Recorded) -> tuple[int, Any, bool]:
        """(status, body or (body, headers) or None for 404, counts-as-conditional-GET)."""
        if record.method != "GET":
            raise UndefinedRequestError(
                404, f"{record.method} {record.path} is not a read this contract covers"
            )
        parts = [p for p in record.path.split("/") if p]
        if parts == ["rate_limit"]:  # [SPEC] rate-limit/get; free [RATE]
            self._params(record, set())
            return 200, self._rate_limit_body(), False
        if len(parts) >= 3 and parts[0] == "repositories":
            # [PAGING] the link header may name a repository by id: /repositories/{id}/issues.
            repo = next((r for r in self.repos.values() if str(r.id) == parts[1]), None)
            if repo is None or parts[2:] != ["issues"]:
                raise UndefinedRequestError(404, f"undefined path {record.path}")
            return 200, self._list_issues(record, repo), True
        if len(parts) < 3 or parts[0] != "repos":
            raise UndefinedRequestError(404, f"undefined path {record.path}")
        repo = self.repos.get(f"{parts[1]}/{parts[2]}")
        rest = parts[3:]
        if repo is None:
            return 404, None, True
        if rest == []:  # [SPEC] repos/get
            self._params(record, set())
            return 200, self._repo_body(repo), True
        if rest == ["issues"]:  # [SPEC] issues/list-for-repo
            return 200, self._list_issues(record, repo), True
        if rest == ["issues", "comments"]:  # [SPEC] issues/list-comments-for-repo
            return 200, self._repo_comments(record, repo), True
        if len(rest) >= 2 and rest[0] == "issues" and rest[1].isdigit():
            issue = next((i for i in repo.issues if i["number"] == int(rest[1])), None)
            if issue is None:
                self._params(record, PAGED_ONLY_PARAMS | {"since"})
                return 404, None, True
            if rest[2:] == []:  # [SPEC] issues/get
                self._params(record, set())
                return 200, issue, True
            if rest[2:] == ["comments"]:  # [SPEC] issues/list-comments
                params = self._params(record, ISSUE_COMMENTS_PARAMS)
                items = repo.comments.get(issue["number"], [])
                items = self._since(items, params)
                return 200, self._page(record, params, items), True
            if rest[2:] in (["events"], ["timeline"]):  # [SPEC] list-events / -for-timeline
                params = self._params(record, PAGED_ONLY_PARAMS)
                return 200, self._page(record, params, []), True
        raise UndefinedRequestError(404, f"undefined path {record.path}")

    def _params(self, record: Recorded, allowed: set[str]) -> dict[str, str]:
        """The query as single values; a parameter the operation does not declare is a 422."""
        params: dict[str, str] = {}
        for name, values in record.query.items():
            if name not in allowed:
                raise UndefinedRequestError(
                    422, f"query parameter {name!r} is not defined for {record.path}"
                )
            if len(values) != 1:
                raise UndefinedRequestError(
                    422, f"query parameter {name!r} given {len(values)} times"
                )
            params[name] = values[0]
        for name in ("per_page", "page"):
            if name in params and not params[name].isdigit():
                raise UndefinedRequestError(
                    422, f"{name}={params[name]!r} is not an integer [SPEC]"
                )
        per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise UndefinedRequestError(
                422, f"per_page={per_page} outside 1..{MAX_PER_PAGE} [SPEC]"
            )
        if int(params.get("page", 1)) < 1:
            raise UndefinedRequestError(422, "page must be >= 1 [SPEC default 1]")
        if "since" in params and not ISO_Z.match(params["since"]):
            # [SPEC] since: "a timestamp in ISO 8601 format: YYYY-MM-DDTHH:MM:SSZ"
            raise UndefinedRequestError(
                422, f"since={params['since']!r} is not YYYY-MM-DDTHH:MM:SSZ"
            )
        return params

    def _list_issues(self, record: Recorded, repo: Repo) -> tuple[list[Any], dict[str, str]]:
        params = self._params(record, LIST_ISSUES_PARAMS)
        for name in ("milestone", "assignee", "creator", "mentioned", "labels"):
            if name in params:  # defined by the docs, but this repository has none of them
                raise UndefinedRequestError(422, f"{name} filter is outside this contract's data")
        state = params.get("state", "open")  # [SPEC] default open
        sort = params.get("sort", "created")  # [SPEC] default created
        direction = params.get("direction", "desc")  # [SPEC] default desc
        for name, value, enum in (
            ("state", state, STATE_ENUM),
            ("sort", sort, SORT_ENUM),
            ("direction", direction, DIRECTION_ENUM),
        ):
            if value not in enum:
                raise UndefinedRequestError(422, f"{name}={value!r} not in {sorted(enum)} [SPEC]")
        items = [i for i in repo.issues if state == "all" or i["state"] == state]
        items = self._since(items, params)
        key = {"created": "created_at", "updated": "updated_at", "comments": "comments"}[sort]
        # The docs promise no order among equal sort keys; this server breaks ties by the
        # issue's id, the order a database would naturally hand them out.
        items.sort(key=lambda i: (i[key], i["id"]), reverse=direction == "desc")
        return self._page(record, params, items, link_base=f"/repositories/{repo.id}/issues")

    def _repo_comments(self, record: Recorded, repo: Repo) -> tuple[list[Any], dict[str, str]]:
        params = self._params(record, REPO_COMMENTS_PARAMS)
        sort = params.get("sort", "created")
        if sort not in {"created", "updated"}:
            raise UndefinedRequestError(422, f"sort={sort!r} not in ['created', 'updated'] [SPEC]")
        if params.get("direction", "asc") not in DIRECTION_ENUM:
            raise UndefinedRequestError(422, f"direction={params['direction']!r} [SPEC]")
        items = [c for cs in repo.comments.values() for c in cs]
        items = self._since(items, params)
        items.sort(
            key=lambda c: (c[f"{sort}_at"], c["id"]), reverse=params.get("direction") == "desc"
        )
        return self._page(record, params, items)

    @staticmethod
    def _since(items: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
        if "since" not in params:
            return list(items)
        since = parse_time(params["since"])
        # [ISSUES] updated at or after `since`
        return [i for i in items if parse_time(i["updated_at"]) >= since]

    def _page(
        self,
        record: Recorded,
        params: dict[str, str],
        items: list[dict[str, Any]],
        link_base: str | None = None,
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = int(params.get("per_page", DEFAULT_PER_PAGE))
        page = int(params.get("page", 1))
        last = max((len(items) + per_page - 1) // per_page, 1)
        body = items[(page - 1) * per_page : page * per_page]
        if last == 1:
            return body, {}  # [PAGING] one page: no link header
        base = self.base_url + (link_base or record.path)

        def url(n: int) -> str:
            return base + "?" + urlencode({**params, "page": str(n)})

        links = []  # [PAGING] next/last while there is more; first/prev past the first page
        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
        return body, {"link": ", ".join(links)} if links else {}

    def _rate_limit_body(self) -> dict[str, Any]:
        core = {
            "limit": RATE_LIMIT,
            "remaining": max(RATE_LIMIT - self.used, 0),
            "reset": RESET_EPOCH,
            "used": self.used,
        }
        return {"resources": {"core": core}, "rate": core}  # [SPEC] rate-limit-overview

    def _repo_body(self, repo: Repo) -> dict[str, Any]:
        # [SPEC] full-repository: the fields a reader of visibility and identity needs.
        return {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": {"login": repo.owner, "id": 1, "type": "Organization"},
            "private": False,
            "visibility": "public",
            "html_url": f"https://github.com/{repo.full_name}",
            "url": f"{self.base_url}/repos/{repo.full_name}",
            "has_issues": True,
            "archived": False,
        }


def _issue_node(issue: dict[str, Any], repo: Repo) -> dict[str, Any]:
    """An Issue as ``nodes(ids:)`` returns it, with its repository (``nameWithOwner``, and
    ``visibility`` as the GraphQL enum ``PUBLIC``) and empty connections (this data has none)."""
    if "pull_request" in issue:  # [ISSUES] a pull request is an issue in REST, not in GraphQL
        return {"__typename": "PullRequest", "id": issue["node_id"]}
    empty_page = {"hasNextPage": False, "endCursor": None}
    return {
        "__typename": "Issue",
        "id": issue["node_id"],
        "repository": {"nameWithOwner": repo.full_name, "visibility": "PUBLIC"},
        "comments": {"nodes": [], "pageInfo": empty_page, "totalCount": 0},
        "timelineItems": {"nodes": [], "pageInfo": empty_page, "totalCount": 0},
        "closedByPullRequestsReferences": {"nodes": [], "pageInfo": empty_page, "totalCount": 0},
    }


def _etags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (comma-separated, RFC 9110 §13.1.2)."""
    return {part.strip() for part in header.split(",") if part.strip()}


def make_issue(
    base_url: str,
    repo: Repo,
    number: int,
    created: datetime,
    updated: datetime,
    state: str,
    pull_request: bool = False,
) -> dict[str, Any]:
    """An issue shaped like [SPEC] ``components.schemas.issue`` / ``examples/issue.json``;
    with ``pull_request``, a pull request as the issues listing shows one (its
    ``pull_request`` object, [ISSUES] "you can identify pull requests by the pull_request key").
    """
    api = f"{base_url}/repos/{repo.full_name}/issues/{number}"
    stamp = updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    issue: dict[str, Any] = {
        "id": repo.id * 100_000 + number,
        "node_id": f"I_{repo.id}_{number}",
        "url": api,
        "repository_url": f"{base_url}/repos/{repo.full_name}",
        "labels_url": api + "/labels{/name}",
        "comments_url": api + "/comments",
        "events_url": api + "/events",
        "html_url": f"https://github.com/{repo.full_name}/issues/{number}",
        "number": number,
        "state": state,
        "state_reason": "completed" if state == "closed" else None,
        "title": f"Contract issue {number}",
        "body": f"Body of issue {number}.",
        "user": {"login": "octocat", "id": 583231, "type": "User"},
        "labels": [],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": stamp if state == "closed" else None,
        "created_at": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": stamp,
        "closed_by": None,
        "author_association": "MEMBER",
        "reactions": {"url": api + "/reactions", "total_count": 0},
    }
    if pull_request:
        pulls = f"{base_url}/repos/{repo.full_name}/pulls/{number}"
        html = f"https://github.com/{repo.full_name}/pull/{number}"
        issue["pull_request"] = {
            "url": pulls,
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "merged_at": None,
        }
        issue["html_url"] = html
        issue["title"] = f"Contract pull request {number}"
    return issue
