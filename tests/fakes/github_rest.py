"""REST routes of the fake GitHub and their pagination.

Every rule a client could come to depend on is GitHub's, and says where it comes from:

- **Defaults of a missing parameter** on `GET /repos/{o}/{r}/issues`: `state=open`,
  `sort=created`, `direction=desc`, `per_page=30` (at most 100), `page=1` — the `default`s
  of those parameters in GitHub's OpenAPI description (`github-rest-openapi/
  api.github.com.2022-06-11.issues-subset.json`, `parameters` of the operation and
  `components.parameters.per-page`/`page`/`direction`). A client that drops its query gets
  open issues newest first, 30 a page — not what it asked for.
- **`Link` headers** in GitHub's order (prev, next, last, first), each URL carrying the
  request's whole query with only the paging changed, in the `/repositories/{id}/…` and
  `/organizations/{id}/…` forms: octokit's `paginate-issues` fixture (`<…/repositories/1000/
  issues?per_page=3&page=2>`) and PyGithub's `PaginatedList.testCustomPerPageIteration`
  recording (`/repositories/3544490/…`). GitHub's guide: "You should always rely on URLs
  included in the link header" (docs.github.com, "Using pagination in the REST API").
- **Page numbers stop at `page_limit` (99)**: `page=100` and beyond answer 422 "Pagination with
  the page parameter is not supported for large datasets, please use cursor based pagination
  (after/before)" with `documentation_url` …/issues/issues#list-repository-issues — recorded
  against api.github.com in google/go-github#3565 (`issues?page=100&per_page=100&state=all`),
  josegonzalez/python-github-backup#429 and cooperspencer/gickup#334 ("limited to 100 pages").
  Past the limit the listing goes on with cursors (`after=`/`before=`; go-github#3565: "the
  responses do contain the `after` parameter"): page 99's `next` is an `after=` link, and no
  link ever points at a page number the fake would refuse (so no rel="last" beyond it). Strict:
  the 422 holds for any list, as a client cannot know how large GitHub deems a dataset.
- 301 to the new location after a rename or transfer (the spec's `moved_permanently`), and 410
  for a deleted issue. Everything here runs under the fake's lock.

Writes (`handle_write`): POST/DELETE `/issues/{n}/assignees` answer 201/200 with the whole issue
and POST `/issues/{n}/comments` answers 201 with the comment and a `Location`; a renamed
repository or a transferred issue answers 307 (GitHub redirects non-GET requests temporarily,
keeping method and body); 400 for a body that is not JSON, 422 for one of the wrong shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlencode

from tests.fakes.github_model import (
    SORTS,
    STATES,
    Comment,
    Event,
    Issue,
    Key,
    Repo,
    Store,
    epoch,
    parse_iso,
)
from tests.fakes.github_mutations import IssueWrites
from tests.fakes.github_rest_json import JSON, RestJson, dumps

T = TypeVar("T")
_DOCS = "https://docs.github.com/rest"
_LARGE_DATASET = (  # GitHub's words, recorded in google/go-github#3565
    "Pagination with the page parameter is not supported for large datasets, "
    "please use cursor based pagination (after/before)"
)
PAGE_LIMIT = 99  # the last page number GitHub serves (page=100 is a 422; see the docstring)
_REPO_PATH = re.compile(
    r"^/(?:repos/(?P<owner>[^/]+)/(?P<name>[^/]+)|repositories/(?P<rid>\d+))(?P<rest>/.*)?$"
)
_ORG_PATH = re.compile(r"^/(?:orgs/(?P<org>[^/]+)|organizations/(?P<oid>\d+))/repos/?$")
_ISSUE_PATH = re.compile(r"^/issues/(?P<number>\d+)(?P<sub>/timeline|/comments|/events)?/?$")
_WRITE_PATH = re.compile(r"^/issues/(?P<number>\d+)(?P<sub>/assignees|/comments)/?$")
_WRITES = {("POST", "/assignees"), ("DELETE", "/assignees"), ("POST", "/comments")}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """An error answer: GitHub's `basic-error` body with the given status."""

    def __init__(self, status: int, message: str, *, doc: str = _DOCS, extra: JSON | None = None):
        super().__init__(message)
        self.status, self.message, self.doc, self.extra = status, message, doc, extra or {}
        self.headers: dict[str, str] = {}


@dataclass(frozen=True)
class Query:
    """The query string, both as ordered pairs (to rebuild Link URLs) and as a dict."""

    pairs: list[tuple[str, str]]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = [v for k, v in self.pairs if k == name]
        return values[-1] if values else default

    def choice(self, name: str, default: str, allowed: Sequence[str], resource: str) -> str:
        value = self.get(name, default) or default
        if value not in allowed:
            raise _invalid(resource, name)
        return value

    def since(self, resource: str) -> int | None:
        raw = self.get("since")
        if raw is None:
            return None
        try:
            return epoch(parse_iso(raw))
        except ValueError:
            raise _invalid(resource, "since") from None

    def per_page(self) -> int:
        """`per_page`: default 30, silently capped at 100 as GitHub does (OpenAPI: per-page,
        "Results per page (max 100)", default 30)."""
        return min(100, max(1, _int(self.get("per_page"), 30)))

    def page(self) -> int:
        return max(1, _int(self.get("page"), 1))


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def _invalid(resource: str, name: str) -> HttpError:
    return HttpError(
        422,
        "Validation Failed",
        extra={"errors": [{"resource": resource, "field": name, "code": "invalid"}]},
    )


def encode_cursor(key: Key) -> str:
    """Opaque like GitHub's (`Y3Vyc29yOnYyOp…` = base64 of `cursor:v2:…`)."""
    return base64.b64encode(
        f"cursor:v2:{json.dumps(list(key), separators=(',', ':'))}".encode()
    ).decode()


def decode_cursor(cursor: str) -> Key:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        first, second = json.loads(text.removeprefix("cursor:v2:"))
        return (int(first), int(second))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise HttpError(422, f"Invalid cursor: {cursor!r}") from None


class _Ordered:
    """A direction-aware window over ascending keys, without copying them."""

    def __init__(self, keys: list[Key], descending: bool) -> None:
        self.keys, self.descending, self.n = keys, descending, len(keys)

    def slice(self, start: int, stop: int) -> list[Key]:
        stop = min(stop, self.n)
        if not self.descending:
            return self.keys[start:stop]
        return self.keys[self.n - stop : self.n - start][::-1]

    def after(self, key: Key) -> int:
        """View position of the first item that comes after `key`."""
        if self.descending:
            return self.n - bisect_left(self.keys, key)
        return bisect_right(self.keys, key)

    def before(self, key: Key) -> int:
        """View position just past the last item that comes before `key`."""
        if self.descending:
            return self.n - bisect_right(self.keys, key)
        return bisect_left(self.keys, key)


def link_header(base: str, query: Query, rels: list[tuple[str, dict[str, str]]]) -> str:
    """`<url>; rel="next", <url>; rel="last"`: the original query minus paging, plus the new one."""
    kept = [(k, v) for k, v in query.pairs if k not in ("page", "after", "before")]
    return ", ".join(
        f'<{base}?{urlencode(kept + list(extra.items()))}>; rel="{rel}"' for rel, extra in rels
    )


def page_rels(page: int, last: int) -> list[tuple[str, dict[str, str]]]:
    """GitHub's page links: prev, next, last, first — each only where it makes sense."""
    rels: list[tuple[str, dict[str, str]]] = []
    if page > 1:
        rels.append(("prev", {"page": str(page - 1)}))
    if page < last:
        rels += [("next", {"page": str(page + 1)}), ("last", {"page": str(last)})]
    if page > 1:
        rels.append(("first", {"page": "1"}))
    return rels


class RestApi:
    """Answers REST requests from the store (rate limits, auth and ETags are the caller's);
    without `writes`, every write answers 404."""

    def __init__(
        self,
        store: Store,
        render: RestJson,
        page_limit: int = PAGE_LIMIT,
        writes: IssueWrites | None = None,
    ) -> None:
        self.store, self.render, self.page_limit = store, render, page_limit
        self.writes = writes

    def handle(self, path: str, query: Query) -> Response:
        repo_match = _REPO_PATH.match(path)
        if repo_match:
            return self._repo_route(repo_match, query)
        org_match = _ORG_PATH.match(path)
        if org_match:
            return self._org_repos(org_match, query)
        raise HttpError(404, "Not Found")

    def handle_write(self, method: str, path: str, body: bytes) -> Response:
        """A write to an issue's assignees or comments (see the module docstring)."""
        repo_match = _REPO_PATH.match(path)
        write = _WRITE_PATH.match((repo_match["rest"] or "") if repo_match else "")
        if self.writes is None or repo_match is None or write is None:
            raise HttpError(404, "Not Found")
        if (method, write["sub"]) not in _WRITES:
            raise HttpError(404, "Not Found")
        try:
            repo = self._resolve_repo(repo_match, Query([]))
            issue = self._resolve_issue(repo, int(write["number"]), write["sub"], Query([]))
        except HttpError as error:
            raise _temporary(error) from None
        payload = _json_body(body)
        if write["sub"] == "/comments":
            return self._create_comment(self.writes, issue, payload)
        if method == "POST":
            self.writes.add_assignees(issue, _assignees(payload))
        else:
            self.writes.remove_assignees(issue, _assignees(payload))
        issue_json = self.render.issue(issue, self._label_ids(issue), single=True)
        return Response(201 if method == "POST" else 200, dumps(issue_json))

    def _create_comment(self, writes: IssueWrites, issue: Issue, payload: JSON) -> Response:
        text = payload.get("body")
        if not isinstance(text, str):
            raise HttpError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if not text.strip():
            missing = {"resource": "IssueComment", "code": "missing_field", "field": "body"}
            raise HttpError(422, "Validation Failed", extra={"errors": [missing]})
        comment_json = self.render.comment(writes.comment(issue, text))
        return Response(201, dumps(comment_json), {"Location": comment_json["url"]})

    # -- repositories -------------------------------------------------------------------------

    def _repo_route(self, match: re.Match[str], query: Query) -> Response:
        repo = self._resolve_repo(match, query)
        rest = (match["rest"] or "").rstrip("/")
        if rest == "":
            return _json(self.render.repo(repo))
        if rest == "/issues":
            return self._list_issues(repo, query)
        if rest == "/issues/comments":
            return self._repo_comments(repo, query)
        issue_match = _ISSUE_PATH.match(rest)
        if issue_match is None:
            raise HttpError(404, "Not Found")
        issue = self._resolve_issue(repo, int(issue_match["number"]), issue_match["sub"], query)
        return self._issue_route(issue, issue_match["sub"], query)

    def _resolve_repo(self, match: re.Match[str], query: Query) -> Repo:
        if match["rid"]:
            found = self.store.repos_by_id.get(int(match["rid"]))
        else:
            full_name = f"{match['owner']}/{match['name']}".lower()
            found = self.store.repos.get(full_name)
            renamed = self.store.renamed.get(full_name)
            if found is None and renamed is not None:
                raise _moved(
                    self.render.api, f"/repositories/{renamed.db_id}{match['rest'] or ''}", query
                )
        if found is None:
            raise HttpError(404, "Not Found")
        return found

    def _resolve_issue(self, repo: Repo, number: int, sub: str | None, query: Query) -> Issue:
        if number in repo.issues:
            return repo.issues[number]
        if number in repo.moved:
            moved = repo.moved[number]
            where = f"/repositories/{moved.repo.db_id}/issues/{moved.number}{sub or ''}"
            raise _moved(self.render.api, where, query)
        if number in repo.deleted:
            raise HttpError(
                410, "This issue was deleted", doc=f"{_DOCS}/issues/issues#get-an-issue"
            )
        raise HttpError(404, "Not Found")

    def _org_repos(self, match: re.Match[str], query: Query) -> Response:
        wanted = match["org"].lower() if match["org"] else None
        repos = [
            r
            for r in self.store.repos.values()
            if (r.owner.base_login.lower() == wanted) or str(r.owner.db_id) == match["oid"]
        ]
        if not repos:
            raise HttpError(404, "Not Found")
        base = f"{self.render.api}/organizations/{repos[0].owner.db_id}/repos"
        window, link = _pages(repos, query, base)
        return _json([self.render.repo(r) for r in window], link)

    # -- issues -------------------------------------------------------------------------------

    def _list_issues(self, repo: Repo, query: Query) -> Response:
        """`GET /repos/{o}/{r}/issues`: PRs mixed in; since filters on updated_at >= since.
        A missing parameter takes the default of GitHub's OpenAPI description."""
        state = query.choice("state", "open", STATES, "Issue")
        sort = query.choice("sort", "created", SORTS, "Issue")
        descending = query.choice("direction", "desc", ("asc", "desc"), "Issue") == "desc"
        keys = repo.view(state, "any", sort, query.since("Issue"))
        window, rels = self._keyset_page(_Ordered(keys, descending), query)
        base = f"{self.render.api}/repositories/{repo.db_id}/issues"
        body = b"[" + b",".join(self._issue_bytes(repo.issues[k[1]]) for k in window) + b"]"
        return Response(200, body, _link(link_header(base, query, rels) if rels else None))

    def _keyset_page(
        self, view: _Ordered, query: Query
    ) -> tuple[list[Key], list[tuple[str, dict[str, str]]]]:
        """The window a query asks for, and its links: page numbers up to `page_limit`,
        `after=`/`before=` cursors beyond it (see the module docstring for the sources)."""
        per_page = query.per_page()
        after, before = query.get("after"), query.get("before")
        if after is not None:
            start = view.after(decode_cursor(after))
            stop = start + per_page
        elif before is not None:
            stop = view.before(decode_cursor(before))
            start = max(0, stop - per_page)
        else:
            return self._numbered_page(view, query.page(), per_page)
        window = view.slice(start, stop)
        rels: list[tuple[str, dict[str, str]]] = []
        if window and start > 0:
            rels.append(("prev", {"before": encode_cursor(window[0])}))
        if window and stop < view.n:
            rels.append(("next", {"after": encode_cursor(window[-1])}))
        return window, rels

    def _numbered_page(
        self, view: _Ordered, page: int, per_page: int
    ) -> tuple[list[Key], list[tuple[str, dict[str, str]]]]:
        if page > self.page_limit:
            raise HttpError(
                422, _LARGE_DATASET, doc=f"{_DOCS}/issues/issues#list-repository-issues"
            )
        window = view.slice((page - 1) * per_page, page * per_page)
        last = max(1, math.ceil(view.n / per_page))
        if last <= self.page_limit:
            return window, page_rels(page, last)
        rels = [rel for rel in page_rels(page, self.page_limit) if rel[0] != "last"]
        if page == self.page_limit and window:  # the numbers end here: go on with a cursor
            rels.insert(1 if page > 1 else 0, ("next", {"after": encode_cursor(window[-1])}))
        return window, rels

    def _issue_bytes(self, issue: Issue) -> bytes:
        """List-item JSON, cached per issue until the issue changes."""
        if issue.json_cache is None:
            issue.json_cache = dumps(self.render.issue(issue, self._label_ids(issue)))
        return issue.json_cache

    def _label_ids(self, issue: Issue) -> list[int]:
        return [self.store.label_id(issue.repo, name) for name in issue.labels]

    def _issue_route(self, issue: Issue, sub: str | None, query: Query) -> Response:
        base = f"{self.render.api}/repositories/{issue.repo.db_id}/issues/{issue.number}{sub or ''}"
        if sub is None:
            return _json(self.render.issue(issue, self._label_ids(issue), single=True))
        if sub == "/comments":
            since = query.since("IssueComment")
            comments = [c for c in issue.comments if since is None or epoch(c.created_at) >= since]
            shown, link = _pages(comments, query, base)
            return _json([self.render.comment(c) for c in shown], link)
        entries = self._timeline(issue) if sub == "/timeline" else self._events(issue)
        window, link = _pages(entries, query, base)
        return _json([self._entry_json(entry, issue) for entry in window], link)

    def _timeline(self, issue: Issue) -> list[Comment | Event]:
        """REST timeline: comments, cross-references, closed and duplicate events, by time.

        A cross-reference whose source was deleted disappears, as on GitHub."""
        shown = ("CrossReferencedEvent", "ClosedEvent", "MarkedAsDuplicateEvent")
        entries: list[Comment | Event] = [
            e
            for e in issue.events
            if e.kind in shown and not (e.source is not None and e.source.deleted)
        ]
        entries += issue.comments
        return sorted(entries, key=lambda e: (epoch(e.created_at), e.db_id))

    def _events(self, issue: Issue) -> list[Comment | Event]:
        """`/issues/{n}/events` never lists cross-references or comments (only /timeline does)."""
        kinds = ("ClosedEvent", "MarkedAsDuplicateEvent", "TransferredEvent")
        return [e for e in issue.events if e.kind in kinds]

    def _entry_json(self, entry: Comment | Event, issue: Issue) -> JSON:
        if isinstance(entry, Comment):
            return self.render.timeline_comment(entry)
        if entry.kind != "CrossReferencedEvent" or entry.source is None:
            return self.render.issue_event(entry, issue)
        source = entry.source
        source_json = {
            **self.render.issue(source, self._label_ids(source)),
            "repository": self.render.repo(source.repo),
        }
        return self.render.cross_reference(entry, source_json)

    def _repo_comments(self, repo: Repo, query: Query) -> Response:
        """`GET /repos/{o}/{r}/issues/comments`: comments never change, so created == updated."""
        query.choice("sort", "created", ("created", "updated"), "IssueComment")
        descending = query.choice("direction", "asc", ("asc", "desc"), "IssueComment") == "desc"
        since = query.since("IssueComment")
        keys = repo.comment_keys
        if since is not None:
            keys = keys[bisect_left(keys, (since,)) :]
        ordered = keys[::-1] if descending else keys
        base = f"{self.render.api}/repositories/{repo.db_id}/issues/comments"
        window, link = _pages(ordered, query, base)
        return _json([self.render.comment(repo.comments[k[1]]) for k in window], link)


def _json_body(body: bytes) -> JSON:
    """The request body as a JSON object: 400 when it does not parse, as on GitHub."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise HttpError(400, "Problems parsing JSON") from None
    if not isinstance(payload, dict):
        raise HttpError(422, "Invalid request.\n\nThe body must be a JSON object.")
    return payload


def _assignees(payload: JSON) -> list[str]:
    """`assignees`: a list of logins (missing = none)."""
    logins = payload.get("assignees", [])
    if not isinstance(logins, list) or not all(isinstance(x, str) for x in logins):
        raise HttpError(
            422, f"Invalid request.\n\nFor 'properties/assignees', {logins!r} is not an array."
        )
    return logins


def _temporary(error: HttpError) -> HttpError:
    """A write to a moved address: GitHub answers 307 (method and body kept), not 301."""
    if error.status == 301:
        error.status, error.message = 307, "Temporary Redirect"
    return error


def _pages(items: Sequence[T], query: Query, base: str) -> tuple[Sequence[T], str | None]:
    """Plain page-number pagination over an in-memory list."""
    per_page, page = query.per_page(), query.page()
    rels = page_rels(page, max(1, math.ceil(len(items) / per_page)))
    window = items[(page - 1) * per_page : page * per_page]
    return window, (link_header(base, query, rels) if rels else None)


def _link(value: str | None) -> dict[str, str]:
    return {"Link": value} if value else {}


def _json(payload: object, link: str | None = None) -> Response:
    return Response(200, dumps(payload), _link(link))


def _moved(api: str, where: str, query: Query) -> HttpError:
    location = f"{api}{where}" + (f"?{urlencode(query.pairs)}" if query.pairs else "")
    error = HttpError(
        301,
        "Moved Permanently",
        doc="https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects",
        extra={"url": location},
    )
    error.headers["Location"] = location
    return error
