"""`POST /graphql` of the fake Linear: graphql-core executing against Linear's published SDL.

A query is parsed and validated against Linear's schema (`linear/schema.graphql`, found by
`tests.external`; HTTP 400 with
`GRAPHQL_VALIDATION_FAILED` when it would fail on Linear), its complexity counted by Linear's
documented rule (0.1 per scalar, 1 per object, a connection's children times its
`first`/`last`, 50 by default, rounded up), plus `complexity_surcharge`, and refused above
10,000 (HTTP 400, `too_complex`, with a `userPresentableMessage`). Then it runs
with resolvers over a `Workspace`:

- `issues(filter, first|last, after, orderBy: updatedAt, includeArchived)`: newest update
  first, Relay cursors that hold the last item's `(updatedAt, id)` (keyset: an issue updated
  meanwhile leaves the window without shifting the others); filters `updatedAt` (`gte`, `gt`,
  `lt`, `lte`) and `team.key` (`eq`, `in`); anything else is an error, never ignored;
- `issue(id)`: by id or identifier (old identifiers too); trashed issues are not found;
- `teams(first, after)`: every team, with `visibility` (`TeamVisibility`: public, private,
  restricted) and the deprecated `private`, offset cursors;
- nested `labels`, `comments`, `relations`, `inverseRelations` with offset cursors;
- mutations `issueUpdate(id, input: {assigneeId})` and `commentCreate(input: {issueId, body})`.

Errors carry `extensions.code` as Linear's do (`INVALID_INPUT` for a missing entity).
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import graphql
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_variable_values

from tests.external import vendor_path
from tests.fakes.graphql_fields import selected_fields
from tests.fakes.linear_model import IssueRow, Relation, Workspace, iso

JSON = dict[str, Any]
SCHEMA_PATH = vendor_path("linear", "schema.graphql")
MAX_COMPLEXITY = 10_000
DEFAULT_PAGE = 50
MAX_PAGE = 250


def schema_available(path: Path = SCHEMA_PATH) -> bool:
    return path.is_file()


@cache
def load_schema(path: Path = SCHEMA_PATH) -> GraphQLSchema:
    """Linear's schema, built once per process (about a second)."""
    return graphql.build_schema(path.read_text(encoding="utf-8"))


class LinearGraphQLError(Exception):
    """A refusal before execution: HTTP status and the error objects to send."""

    def __init__(self, status: int, errors: list[JSON]) -> None:
        super().__init__(errors[0]["message"] if errors else "")
        self.status, self.errors = status, errors


def error(message: str, code: str, *, presentable: str | None = None, **extra: Any) -> JSON:
    """A Linear-shaped error object: ``message``, and ``extensions`` with ``code``, ``type``
    (lower case, spaced, as the SDK's ``errorMap`` reads it: "invalid input", "ratelimited",
    "authentication error"), ``userError`` and, for errors meant for a person,
    ``userPresentableMessage`` — the fields Linear's SDK parses (linear/linear,
    packages/sdk/src/error.ts, ``LinearGraphQLError``: "Select most readable message" takes
    ``userPresentableMessage`` first)."""
    user = code in ("INVALID_INPUT", "AUTHENTICATION_ERROR", "FORBIDDEN", "RATELIMITED")
    extensions: JSON = {"code": code, "type": code.lower().replace("_", " "), "userError": user}
    if presentable is not None:
        extensions["userPresentableMessage"] = presentable
    return {"message": message, "extensions": {**extensions, **extra}}


def too_complex(cost: int) -> JSON:
    """Linear's refusal of a query above the cap: a user error (HTTP 400, ``invalid input``)
    with a ``userPresentableMessage``, as the SDK's error shape has it. Linear publishes no
    exact wording: ``message`` is a short title and the presentable message carries the
    count, so a client that drops ``userPresentableMessage`` loses the figures."""
    detail = f"Query too complex - complexity {cost} exceeds the maximum of {MAX_COMPLEXITY}"
    return error("Query too complex", "INVALID_INPUT", presentable=detail, complexity=cost)


# ------------------------------------------------------------------ complexity


class _Complexity:
    def __init__(self, schema: GraphQLSchema, doc: DocumentNode, variables: JSON) -> None:
        self.schema, self.variables = schema, variables
        self.fragments = {
            d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def of(self, selections: SelectionSetNode, parent: GraphQLNamedType) -> float:
        points = 0.0
        for node, owner in selected_fields(self.schema, self.fragments, selections, parent):
            fields = getattr(owner, "fields", {})
            if node.name.value not in fields:
                continue  # __typename
            definition = fields[node.name.value]
            kind = get_named_type(definition.type)
            if not isinstance(kind, GraphQLObjectType) or node.selection_set is None:
                points += 0.1
                continue
            children = self.of(node.selection_set, kind)
            if kind.name.endswith("Connection"):
                args = get_argument_values(definition, node, self.variables)
                size = args.get("first") or args.get("last") or DEFAULT_PAGE
                points += 1 + size * children
            else:
                points += 1 + children
        return points


def complexity(
    schema: GraphQLSchema, doc: DocumentNode, operation: OperationDefinitionNode, variables: JSON
) -> int:
    """Linear's complexity of one operation (variables already coerced), rounded up."""
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    assert root is not None
    return math.ceil(_Complexity(schema, doc, variables).of(operation.selection_set, root))


@lru_cache(maxsize=256)
def _checked(schema_path: Path, query: str) -> DocumentNode | list[JSON]:
    """The parsed document if valid against the schema, else Linear-shaped errors (cached:
    a client sends the same few documents over and over)."""
    try:
        doc = graphql.parse(query)
    except GraphQLError as exc:
        return [error(exc.message, "GRAPHQL_PARSE_FAILED")]
    problems = graphql.validate(load_schema(schema_path), doc)
    return [error(p.message, "GRAPHQL_VALIDATION_FAILED") for p in problems] or doc


_UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# ------------------------------------------------------------------ the API


class LinearApi:
    """Prepares (``prepare``) and runs (``execute``) one GraphQL request over ``workspace``."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        viewer: str,
        now: Callable[[], datetime],
        schema_path: Path = SCHEMA_PATH,
    ) -> None:
        self.workspace, self.viewer, self.now = workspace, viewer, now
        self.schema_path = schema_path
        self.revert_assignments = False  # an automation that puts the assignee back
        #: Points Linear counts above its documented rule. Linear does not publish its count
        #: (it reports fractional complexity, and an independent client measured Linear's own
        #: scores 225 points above the documented model); 0 applies the documented rule.
        self.complexity_surcharge = 0

    def prepare(self, body: bytes) -> tuple[DocumentNode, JSON, int]:
        """``(document, request, complexity)``; raises ``LinearGraphQLError`` when Linear
        would refuse the request before running it."""
        try:
            request = json.loads(body or b"null")
        except ValueError:
            raise LinearGraphQLError(400, [error("Invalid JSON body", "BAD_USER_INPUT")]) from None
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            raise LinearGraphQLError(400, [error("Must provide query string.", "BAD_REQUEST")])
        schema = load_schema(self.schema_path)
        checked = _checked(self.schema_path, request["query"])
        if isinstance(checked, list):
            raise LinearGraphQLError(400, checked)
        operation = graphql.utilities.get_operation_ast(checked, request.get("operationName"))
        if operation is None:
            raise LinearGraphQLError(400, [error("Unknown operation.", "BAD_REQUEST")])
        variables = get_variable_values(
            schema, operation.variable_definitions or (), request.get("variables") or {}
        )
        if isinstance(variables, list):
            raise LinearGraphQLError(400, [error(e.message, "BAD_USER_INPUT") for e in variables])
        cost = complexity(schema, checked, operation, variables) + self.complexity_surcharge
        if cost > MAX_COMPLEXITY:
            raise LinearGraphQLError(400, [too_complex(cost)])
        return checked, request, cost

    def execute(self, doc: DocumentNode, request: JSON) -> JSON:
        result = graphql.execute_sync(
            load_schema(self.schema_path),
            doc,
            root_value=self._root(),
            variable_values=request.get("variables"),
            operation_name=request.get("operationName"),
        )
        payload: JSON = {"data": result.data}
        if result.errors:
            payload["errors"] = [_formatted(e) for e in result.errors]
        return payload

    # -- roots ---------------------------------------------------------------------------

    def _root(self) -> JSON:
        return {
            "issues": self._issues,
            "issue": lambda info, id: self._issue_obj(self._live(id)),
            "issueUpdate": self._issue_update,
            "commentCreate": self._comment_create,
            "comment": self._comment,
            "viewer": lambda info: self._user_obj(self.viewer),
            "teams": lambda info, **a: _connection(
                [self._team_obj(k) for k in sorted(self.workspace.teams)], a
            ),
        }

    def _issues(self, info: Any, **args: Any) -> JSON:
        if args.get("orderBy", "updatedAt") != "updatedAt" and args.get("orderBy") is not None:
            raise _unimplemented("orderBy other than updatedAt")
        if args.get("before") is not None:
            raise _unimplemented("before")
        first, last = args.get("first"), args.get("last")
        if first is not None and last is not None:
            raise GraphQLError("Use first or last, not both", extensions=_code("INVALID_INPUT"))
        size = first if first is not None else last if last is not None else DEFAULT_PAGE
        if not 0 < size <= MAX_PAGE:
            raise GraphQLError(
                f"first/last must be between 1 and {MAX_PAGE}", extensions=_code("INVALID_INPUT")
            )
        bounds, teams = _issue_filter(args.get("filter") or {})
        below = _decode_issue_cursor(args["after"]) if args.get("after") else None
        ids = self.workspace.ordered_ids(**bounds, below=below)
        rows = [self.workspace.issues[i] for i in ids]
        rows = [
            r
            for r in rows
            if (teams is None or r.team in teams)
            and (args.get("includeArchived") or r.archived_at is None)
        ]
        page = rows[-size:] if last is not None else rows[: size + 1]
        more = len(page) > size if last is None else len(rows) > size
        page = page[:size]
        return {
            "nodes": [self._issue_obj(r) for r in page],
            "pageInfo": {
                "hasNextPage": more if last is None else False,
                "hasPreviousPage": below is not None or (last is not None and more),
                "startCursor": _issue_cursor(page[0]) if page else None,
                "endCursor": _issue_cursor(page[-1]) if page else None,
            },
        }

    def _live(self, key: str) -> IssueRow:
        row = self.workspace.find(key)
        if row is None or row.trashed:
            raise GraphQLError(
                "Entity not found: Issue - Could not find referenced Issue.",
                extensions=_code("INVALID_INPUT"),
            )
        return row

    def _issue_update(self, info: Any, id: str, input: JSON) -> JSON:
        row = self._live(id)
        if set(input) - {"assigneeId"}:
            raise _unimplemented(f"issueUpdate input {sorted(set(input) - {'assigneeId'})}")
        wanted = input.get("assigneeId")
        if wanted is not None and wanted not in self.workspace.users:
            raise GraphQLError(
                "Entity not found: User - Could not find referenced User.",
                extensions=_code("INVALID_INPUT"),
            )
        if not self.revert_assignments:
            row.assignee_id = wanted
        self.workspace.touch(row, self.now())
        return {"success": True, "lastSyncId": 1.0, "issue": self._issue_obj(row)}

    def _comment_create(self, info: Any, input: JSON) -> JSON:
        if not input.get("issueId"):
            raise GraphQLError("issueId is required", extensions=_code("INVALID_INPUT"))
        row = self._live(input["issueId"])
        if not (input.get("body") or "").strip():
            raise GraphQLError("body must not be empty", extensions=_code("INVALID_INPUT"))
        chosen = input.get("id")
        if chosen is not None and not _UUID_V4.match(chosen):
            # CommentCreateInput.id: "The identifier in UUID v4 format." (schema.graphql)
            raise GraphQLError("id must be a UUID v4", extensions=_code("INVALID_INPUT"))
        comment_id = self.workspace.add_comment(
            row.identifier, user=self.viewer, body=input["body"], at=self.now(), comment_id=chosen
        )
        comment = next(c for c in row.comments if c.id == comment_id)
        return {"success": True, "lastSyncId": 1.0, "comment": self._comment_obj(row, comment)}

    def _comment(self, info: Any, id: str | None = None, hash: str | None = None) -> JSON:
        """``comment(id:)``; an unknown id is Linear's "Entity not found" error."""
        found = self._find_comment(id or "") if hash is None else None
        if found is None:
            raise GraphQLError(
                "Entity not found: Comment - Could not find referenced Comment.",
                extensions=_code("INVALID_INPUT"),
            )
        return self._comment_obj(*found)

    def _find_comment(self, comment_id: str) -> tuple[IssueRow, Any] | None:
        for row in self.workspace.issues.values():
            for comment in row.comments:
                if comment.id == comment_id:
                    return row, comment
        return None

    def _comment_obj(self, row: IssueRow, comment: Any) -> JSON:
        return {
            "id": comment.id,
            "url": f"{row.url}#comment-{comment.id[8:16]}",
            "body": comment.body,
            "createdAt": iso(comment.created_at),
            "user": self._user_obj(comment.user_id),
        }

    # -- objects ---------------------------------------------------------------------------

    def _team_obj(self, key: str) -> JSON:
        visibility = self.workspace.team_visibility.get(key, "public")
        return {
            "id": f"team-{key}", "key": key, "name": key,
            "visibility": visibility, "private": visibility == "private",
        }  # fmt: skip

    def _user_obj(self, user_id: str | None) -> JSON | None:
        user = self.workspace.users.get(user_id or "")
        if user is None:
            return None
        return {
            "id": user.id,
            "name": user.name,
            "displayName": user.name.lower(),
            "email": user.email,
            "app": user.app,
            "active": True,
        }

    def _issue_obj(self, row: IssueRow) -> JSON:
        ws = self.workspace
        return {
            "id": row.id,
            "identifier": row.identifier,
            "number": float(row.number),
            "url": row.url,
            "title": row.title,
            "description": row.description,
            "createdAt": iso(row.created_at),
            "updatedAt": iso(row.updated_at),
            "completedAt": _iso(row.completed_at),
            "canceledAt": _iso(row.canceled_at),
            "archivedAt": _iso(row.archived_at),
            "trashed": row.trashed or None,
            "estimate": row.estimate,
            "previousIdentifiers": list(row.previous),
            "state": {"id": f"state-{row.state}", "type": row.state, "name": row.state.title()},
            "team": self._team_obj(row.team),
            "assignee": self._user_obj(row.assignee_id),
            "creator": self._user_obj(row.creator_id),
            "labels": lambda info, **a: _connection(
                [{"id": f"label-{n}", "name": n} for n in row.labels], a
            ),
            "comments": lambda info, **a: _connection(
                [
                    {
                        "id": c.id,
                        "body": c.body,
                        "createdAt": iso(c.created_at),
                        "user": self._user_obj(c.user_id),
                    }
                    for c in row.comments
                ],
                a,
            ),
            "relations": lambda info, **a: _connection(
                [self._relation_obj(r) for r in ws.relations_of(row.id, inverse=False)], a
            ),
            "inverseRelations": lambda info, **a: _connection(
                [self._relation_obj(r) for r in ws.relations_of(row.id, inverse=True)], a
            ),
        }

    def _relation_obj(self, relation: Relation) -> JSON:
        issues = self.workspace.issues
        return {
            "id": relation.id,
            "type": relation.type,
            "createdAt": iso(relation.created_at),
            "updatedAt": iso(relation.created_at),
            "issue": lambda info: self._issue_obj(issues[relation.issue_id]),
            "relatedIssue": lambda info: self._issue_obj(issues[relation.related_id]),
        }


def _connection(items: list[JSON], args: JSON) -> JSON:
    """Offset-cursor paging for nested connections (``first`` + ``after`` only)."""
    if args.get("last") is not None or args.get("before") is not None:
        raise _unimplemented("last/before on nested connections")
    size = args.get("first") or DEFAULT_PAGE
    start = (
        int(base64.b64decode(args["after"]).decode().split(":")[1]) + 1 if args.get("after") else 0
    )
    page = items[start : start + size]
    end = start + len(page) - 1
    return {
        "nodes": page,
        "pageInfo": {
            "hasNextPage": start + size < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _offset_cursor(start) if page else None,
            "endCursor": _offset_cursor(end) if page else None,
        },
    }


def _offset_cursor(index: int) -> str:
    return base64.b64encode(f"offset:{index}".encode()).decode()


def _issue_cursor(row: IssueRow) -> str:
    return base64.b64encode(f"{iso(row.updated_at)}|{row.id}".encode()).decode()


def _decode_issue_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, issue_id = base64.b64decode(cursor, validate=True).decode().split("|")
        return _time(at), issue_id
    except ValueError:
        raise GraphQLError("Invalid cursor", extensions=_code("INVALID_INPUT")) from None


def _issue_filter(spec: JSON) -> tuple[dict[str, datetime], set[str] | None]:
    """``updatedAt`` bounds and team keys of an ``IssueFilter``; errors on anything else."""
    unknown = set(spec) - {"updatedAt", "team"}
    if unknown:
        raise _unimplemented(f"issue filter on {sorted(unknown)}")
    dates = spec.get("updatedAt") or {}
    if set(dates) - {"gte", "gt", "lt", "lte"}:
        raise _unimplemented(f"updatedAt comparators {sorted(set(dates))}")
    bounds = {name: _time(value) for name, value in dates.items() if value is not None}
    team = spec.get("team")
    if team is None:
        return bounds, None
    key = team.get("key") or {}
    if set(team) - {"key"} or set(key) - {"eq", "in"}:
        raise _unimplemented(f"team filter {team}")
    teams = set(key.get("in") or []) | ({key["eq"]} if key.get("eq") else set())
    return bounds, teams


def _time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(
            f"the fake takes ISO dates, not durations: {value!r}", extensions=_code("INVALID_INPUT")
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def _code(code: str) -> JSON:
    return dict(error("", code)["extensions"])


def _unimplemented(what: str) -> GraphQLError:
    return GraphQLError(f"the fake Linear does not implement {what}", extensions=_code("OTHER"))


def _formatted(exc: GraphQLError) -> JSON:
    formatted = dict(exc.formatted)
    formatted.setdefault("extensions", _code("INTERNAL_ERROR"))
    return formatted
