"""`POST /graphql` of the fake GitHub: graphql-core executing against GitHub's real schema.

Queries are parsed and validated against GitHub's schema (`github-graphql/schema.graphql`, found
by `tests.external`), so a query that would fail on GitHub fails here with graphql-core's
validation messages (HTTP 200, `{"errors": [...]}`). Before execution the fake applies GitHub's
resource limits, which are not in the SDL: `first`/`last` required on connections that select
`nodes`/`edges` (MISSING_PAGINATION_BOUNDARIES) and at most 100 (EXCESSIVE_PAGINATION), at most
100 ids in `nodes` (ARGUMENT_LIMIT), at most 500,000 requested nodes (MAX_NODE_LIMIT_EXCEEDED);
these answer HTTP 200 with `"data": null`. The cost follows GitHub's documented formula: each
connection needs as many requests as the product of the page sizes above it; the sum divided by
100, rounded, minimum 1. An exhausted budget answers HTTP 403 with a RATE_LIMITED error (GitHub
answers 200 or 403 for this; the fake picks 403 so it cannot pass for success)."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import graphql
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values, get_variable_values

from tests.external import vendor_path
from tests.fakes.github_graphql_objects import GraphObjects
from tests.fakes.github_model import Budget, Store, iso
from tests.fakes.graphql_fields import selected_fields

JSON = dict[str, Any]
SCHEMA_PATH = vendor_path("github-graphql", "schema.graphql")
MAX_PAGE = 100
MAX_NODES = 500_000
_MESSAGES = {
    "INVALID_PAGINATION": "Passing both `first` and `last` to paginate the `{name}` connection "
    "is not supported.",
    "MISSING_PAGINATION_BOUNDARIES": "You must provide a `first` or `last` value to properly "
    "paginate the `{name}` connection.",
    "EXCESSIVE_PAGINATION": "Requesting {value} records on the `{name}` connection exceeds the "
    "`{bound}` limit of {max} records.",
    # GitHub's answer to 0 or a negative page size is not recorded; the fake refuses it.
    "ARGUMENT_LIMIT": "`{bound}` on the `{name}` connection must be between 1 and {max}; "
    "got {value}.",
    "NODE_IDS": "You may not provide more than {max} node ids; you provided {value}.",
    "MAX_NODES": "This query requests up to {value:,} possible nodes which exceeds the maximum "
    "limit of {max:,}.",
}


def graphql_schema_available(path: Path = SCHEMA_PATH) -> bool:
    """Whether GitHub's schema is on disk (tests using GraphQL skip without it)."""
    return path.is_file()


def load_schema(path: Path = SCHEMA_PATH) -> GraphQLSchema:
    """Build GitHub's schema once per process (about a second)."""
    return _build_schema(path.resolve())


@cache
def _build_schema(path: Path) -> GraphQLSchema:
    """graphql-core 3.3 rejects 8 deprecations in GitHub's SDL when validating the schema, so the
    schema is taken as valid there; 3.2 validates it cleanly (here, not in the first request)."""
    version = tuple(int(p) for p in graphql.__version__.split(".")[:2])
    schema = graphql.build_schema(path.read_text(encoding="utf-8"), assume_valid=version >= (3, 3))
    if version < (3, 3):
        graphql.assert_valid_schema(schema)
    return schema


@dataclass
class Analysis:
    """What a query asks for: connection requests (cost), possible nodes, limit errors."""

    calls: int = 0
    nodes: int = 0
    errors: list[JSON] = field(default_factory=list)

    @property
    def cost(self) -> int:
        return max(1, math.floor(self.calls / 100 + 0.5))


class _Analyser:
    def __init__(self, schema: GraphQLSchema, doc: DocumentNode, variables: JSON) -> None:
        self.schema, self.variables = schema, variables
        self.fragments = {
            d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.result = Analysis()

    def walk(
        self, selections: SelectionSetNode, parent: GraphQLNamedType, mult: int, path: list[str]
    ) -> None:
        for node, owner in selected_fields(self.schema, self.fragments, selections, parent):
            fields = getattr(owner, "fields", {})
            if node.name.value not in fields:
                continue  # __typename and friends
            field_def = fields[node.name.value]
            key = node.alias.value if node.alias else node.name.value
            args = get_argument_values(field_def, node, self.variables)
            child = self._child_multiplier(
                node, get_named_type(field_def.type), args, mult, [*path, key]
            )
            if node.selection_set:
                self.walk(node.selection_set, get_named_type(field_def.type), child, [*path, key])

    def _child_multiplier(
        self, node: FieldNode, rtype: GraphQLNamedType, args: JSON, mult: int, path: list[str]
    ) -> int:
        if node.name.value == "nodes" and "ids" in args and path[:-1] == []:
            ids = len(args["ids"])
            if ids > MAX_PAGE:
                message = _MESSAGES["NODE_IDS"].format(max=MAX_PAGE, value=ids)
                self._error("ARGUMENT_LIMIT", message, node, path)
            self.result.nodes += mult * ids
            return mult * ids
        if not rtype.name.endswith("Connection"):
            return mult
        self.result.calls += mult
        size = self._page_size(node, args, path)
        self.result.nodes += mult * size
        return mult * max(size, 1)

    def _page_size(self, node: FieldNode, args: JSON, path: list[str]) -> int:
        name = node.name.value
        first, last = args.get("first"), args.get("last")
        bound, value = ("first", first) if first is not None else ("last", last)
        problem = None
        if first is not None and last is not None:
            problem = "INVALID_PAGINATION"
        elif value is None:
            problem = "MISSING_PAGINATION_BOUNDARIES" if _selects_items(node) else None
        elif value > MAX_PAGE:
            problem = "EXCESSIVE_PAGINATION"
        elif value < 1:
            problem = "ARGUMENT_LIMIT"
        if problem:
            message = _MESSAGES[problem].format(name=name, bound=bound, value=value, max=MAX_PAGE)
            self._error(problem, message, node, path)
        return int(value or 0)

    def _error(self, type_: str, message: str, node: FieldNode, path: list[str]) -> None:
        formatted = dict(GraphQLError(message, node).formatted)
        self.result.errors.append({"type": type_, "path": path, **formatted})


def _selects_items(node: FieldNode) -> bool:
    selections = node.selection_set.selections if node.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value in ("nodes", "edges") for s in selections)


def analyse(
    schema: GraphQLSchema, doc: DocumentNode, operation: OperationDefinitionNode, variables: JSON
) -> Analysis:
    """GitHub's cost and limits for one operation (variables already coerced)."""
    analyser = _Analyser(schema, doc, variables)
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    if root is not None:
        analyser.walk(operation.selection_set, root, 1, [])
    if analyser.result.nodes > MAX_NODES:
        message = _MESSAGES["MAX_NODES"].format(value=analyser.result.nodes, max=MAX_NODES)
        analyser.result.errors.append({"type": "MAX_NODE_LIMIT_EXCEEDED", "message": message})
    return analyser.result


class GraphQLApi:
    """Executes one GraphQL request body; returns (HTTP status, JSON payload)."""

    rate_limited_status = 403

    def __init__(
        self, store: Store, html: str, viewer: str, schema_path: Path = SCHEMA_PATH
    ) -> None:
        self.store, self.objects = store, GraphObjects(store, html)
        self.viewer, self.schema_path = viewer, schema_path

    def handle(self, body: bytes, budget: Budget) -> tuple[int, JSON]:
        try:
            request = json.loads(body or b"null")
        except ValueError:
            return 400, {
                "message": "Problems parsing JSON",
                "documentation_url": "https://docs.github.com/graphql",
            }
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return 200, {
                "errors": [{"message": "A query attribute must be specified and must be a string."}]
            }
        if not graphql_schema_available(self.schema_path):
            return 503, {"message": f"GitHub's GraphQL schema is not at {self.schema_path}"}
        return self._run(request, budget)

    def _run(self, request: JSON, budget: Budget) -> tuple[int, JSON]:
        schema = load_schema(self.schema_path)
        checked = _checked(self.schema_path, request["query"])
        if isinstance(checked, list):
            return 200, {"errors": checked}
        doc = checked
        operation = graphql.utilities.get_operation_ast(doc, request.get("operationName"))
        if operation is None:
            return 200, {
                "errors": [{"message": "No operation given, or operationName does not match one."}]
            }
        variables = get_variable_values(
            schema, operation.variable_definitions or (), request.get("variables") or {}
        )
        if isinstance(variables, list):
            return 200, {"errors": [e.formatted for e in variables]}
        analysis = analyse(schema, doc, operation, variables)
        if analysis.errors:
            return 200, {"data": None, "errors": analysis.errors}
        if analysis.cost > budget.remaining:
            message = f"API rate limit exceeded for user ID {self.store.actor(self.viewer).db_id}."
            return self.rate_limited_status, {
                "errors": [{"type": "RATE_LIMITED", "message": message}]
            }
        budget.remaining -= analysis.cost
        return 200, self._execute(schema, doc, request, analysis, budget)

    def _execute(
        self,
        schema: GraphQLSchema,
        doc: DocumentNode,
        request: JSON,
        analysis: Analysis,
        budget: Budget,
    ) -> JSON:
        missing: list[JSON] = []
        root = self._root(analysis, budget, missing)
        result = graphql.execute_sync(
            schema,
            doc,
            root_value=root,
            variable_values=request.get("variables"),
            operation_name=request.get("operationName"),
        )
        payload: JSON = {"data": result.data}
        errors = missing + [e.formatted for e in result.errors or ()]
        if errors:
            payload["errors"] = errors
        return payload

    def _root(self, analysis: Analysis, budget: Budget, missing: list[JSON]) -> JSON:
        def rate_limit(info: graphql.GraphQLResolveInfo, **args: Any) -> JSON:
            return {
                "cost": analysis.cost,
                "limit": budget.limit,
                "remaining": budget.remaining,
                "used": budget.used,
                "resetAt": iso(budget.reset_at),
                "nodeCount": analysis.nodes,
            }

        def node(info: graphql.GraphQLResolveInfo, **args: Any) -> JSON | None:
            return self._node(args["id"], info, list(info.path.as_list()), missing)

        def nodes(info: graphql.GraphQLResolveInfo, ids: list[str]) -> list[JSON | None]:
            path = list(info.path.as_list())
            return [self._node(i, info, [*path, n], missing) for n, i in enumerate(ids)]

        def repository(
            info: graphql.GraphQLResolveInfo, owner: str, name: str, **args: Any
        ) -> JSON | None:
            full = f"{owner}/{name}".lower()
            follow = args.get("followRenames", True)
            repo = self.store.repos.get(full) or (self.store.renamed.get(full) if follow else None)
            if repo is None:
                message = f"Could not resolve to a Repository with the name '{owner}/{name}'."
                missing.append(_not_found(message, info, list(info.path.as_list())))
                return None
            return self.objects.repo(repo)

        viewer = self.objects.actor(self.store.actor(self.viewer))
        return {
            "rateLimit": rate_limit,
            "node": node,
            "nodes": nodes,
            "repository": repository,
            "viewer": viewer,
        }

    def _node(
        self, id_: str, info: graphql.GraphQLResolveInfo, path: list[Any], missing: list[JSON]
    ) -> JSON | None:
        issue = self.store.by_node_id.get(id_)
        if issue is not None and not issue.deleted:
            return self.objects.issue(issue)
        repo = next((r for r in self.store.repos_by_id.values() if r.node_id == id_), None)
        if repo is not None:
            return self.objects.repo(repo)
        missing.append(
            _not_found(f"Could not resolve to a node with the global id of '{id_}'.", info, path)
        )
        return None


def _not_found(message: str, info: graphql.GraphQLResolveInfo, path: list[Any]) -> JSON:
    formatted = dict(GraphQLError(message, info.field_nodes).formatted)
    return {"type": "NOT_FOUND", **formatted, "path": path}


@functools.lru_cache(maxsize=256)
def _checked(schema_path: Path, query: str) -> graphql.DocumentNode | list[JSON]:
    """The parsed document of ``query`` if it is valid against the schema, else its errors.
    Cached: a client sends the same few documents over and over, as GitHub's own servers
    see, and re-validating each identical document would make the fake the bottleneck."""
    try:
        doc = graphql.parse(query)
    except GraphQLError as error:
        return [error.formatted]
    errors = graphql.validate(load_schema(schema_path), doc)
    return [e.formatted for e in errors] if errors else doc
