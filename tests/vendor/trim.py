"""Rebuilds ``tests/vendor/`` from ``../shared/external``: the vendor material the default suite
needs, copied or trimmed. Run it (``python -m tests.vendor.trim``) where ``../shared`` exists,
after adding a file to ``COPIED`` or a path, method or type to a trimmer's list, then add the
file's line (source, version, licence) to ``tests/vendor/README.md``.

Copied files are byte for byte. Trimmed files hold only upstream content, with whole parts left
out: an OpenAPI description keeps the listed paths and every component they reference
(followed recursively); a GraphQL schema keeps the listed types and fields, the types they need,
and every other field of a kept type whose type is kept.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldDefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    SchemaDefinitionNode,
    assert_valid_schema,
    build_schema,
    get_named_type,
    parse,
    print_ast,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "external"
VENDOR = Path(__file__).resolve().parent

# Files the default suite reads, copied byte for byte (all small).
COPIED = (
    "github-rest-openapi/api.github.com.2022-06-11.issues-subset.json",
    "github-rest-openapi/examples/issue-items.json",
    "github-rest-openapi/examples/issue.json",
    "gitlab-samples/gitlab-json-schemas/public_api_v4_issue.json",
    "gitlab-samples/gitlab4j/issue.json",
    "gitlab-samples/gitlab4j/linked-issues.json",
    "gitlab-samples/gitlab4j/note.json",
    "gitlab-samples/gitlab4j/user.json",
    "gitlab-samples/go-gitlab/issue_move.json",
    "gitlab-samples/narkoz-gitlab/project_issue_links.json",
    "jira-cloud-openapi/examples/addComment.post.request.json",
    "jira-cloud-openapi/examples/getCurrentUser.get.200.json",
    "jira-cloud-openapi/examples/getIssue.get.200.json",
    "jira-cloud-openapi/examples/searchAndReconsileIssuesUsingJqlPost.post.200.json",
    "jira-samples/airbyte-source-jira.issues.json",
    "jira-samples/jira-cli-pr.search_page1.json",
    "jira-samples/jira-cli.issue.json",
    "octokit-fixtures/paginate-issues.normalized-fixture.json",
    "pygithub-replaydata/Repository.testGetIssues.txt",
    "signing-vectors/vectors.json",
    "slack-api-specs/slack_common_event_wrapper_schema.json",
    "slack-java-sdk-json-samples/api/auth.test.json",
    "slack-java-sdk-json-samples/api/users.info.json",
    "slack-java-sdk-json-samples/api/views.publish.json",
    "slack-java-sdk-json-samples/app-backend/BlockActionPayload.json",
    "slack-java-sdk-json-samples/app-backend/MessageShortcutPayload.json",
    "slack-java-sdk-json-samples/app-backend/SlashCommandPayload.json",
    "slack-java-sdk-json-samples/events/AppHomeOpenedPayload.json",
    "slack-java-sdk-json-samples/events/LinkSharedPayload.json",
    "slack-java-sdk-json-samples/events/ReactionAddedPayload.json",
    "slack-python-sdk-fixtures/view_home_001.json",
    "slack-python-sdk-fixtures/view_home_003.json",
    "slack-python-sdk-fixtures/view_modal_007.json",
)

# -- OpenAPI ------------------------------------------------------------------------------------

# Jira: the routes the client and the fake use, and their neighbours a test may ask about.
JIRA_PATHS = re.compile(
    r"^/rest/api/3/(issue(/\{issueIdOrKey\}(/(assignee|changelog|comment|comment/\{id\}|"
    r"properties|properties/\{propertyKey\}|remotelink|transitions))?|/bulkfetch)?|"
    r"search(/jql|/approximate-count)?|myself|serverInfo|field|issueLink(/\{linkId\})?|"
    r"issueLinkType|user)$"
)
# Slack: every method keeps its parameters and scopes (so "is it in the spec" and "which scope"
# stay answerable for all of them); these keep their responses too.
SLACK_FULL_METHODS = re.compile(
    r"^/(auth\.test|chat\.[a-zA-Z]+|conversations\.[a-zA-Z]+|views\.[a-z]+|users\.[a-zA-Z]+|"
    r"usergroups\.users\.list|reactions\.[a-z]+|files\.[a-zA-Z]+|team\.info|bots\.info)$"
)
SLACK_TRIMMED_RESPONSE = {
    "200": {"description": "(response schema trimmed; see the upstream file)"}
}


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _with_referenced(spec: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """``out`` plus every ``#/...`` component its paths reference, followed recursively."""
    pending, seen = list(_refs(out["paths"])), set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        target = _resolve(spec, ref)
        parts = ref.removeprefix("#/").split("/")
        holder = out
        for part in parts[:-1]:
            holder = holder.setdefault(part, {})
        holder[parts[-1]] = target
        pending.extend(_refs(target))
    return out


def _without_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_examples(v) for k, v in node.items() if k != "examples"}
    if isinstance(node, list):
        return [_without_examples(v) for v in node]
    return node


def trim_jira() -> dict[str, Any]:
    spec = json.loads((SHARED / "jira-cloud-openapi" / "swagger-v3.v3.json").read_text())
    out = {k: v for k, v in spec.items() if k not in {"paths", "components"}}
    out["paths"] = {p: v for p, v in spec["paths"].items() if JIRA_PATHS.match(p)}
    out["components"] = {"securitySchemes": spec["components"]["securitySchemes"]}
    return _with_referenced(spec, out)


def trim_slack() -> dict[str, Any]:
    spec = json.loads((SHARED / "slack-api-specs" / "slack_web_openapi_v2.json").read_text())
    out = {k: v for k, v in spec.items() if k not in {"paths", "definitions"}}
    out["paths"] = {}
    for path, item in spec["paths"].items():
        if SLACK_FULL_METHODS.match(path):
            out["paths"][path] = _without_examples(item)
        else:
            out["paths"][path] = {
                verb: {**_without_examples(op), "responses": SLACK_TRIMMED_RESPONSE}
                for verb, op in item.items()
            }
    return _with_referenced(spec, out)


# -- GraphQL ------------------------------------------------------------------------------------

# The fields the suite's queries select ("Type.field") and the types they name (fragments,
# variables, arguments), recorded from every document the fakes validated.
GRAPHQL_KEEP_FILE = VENDOR / "graphql_keep.json"
# Interfaces with so many implementations that keeping them all would keep the whole schema.
NOT_EXPANDED = {"Node", "UniformResourceLocatable"}


class _Closure:
    """The types and fields of a schema that the listed ones need, as a fixpoint."""

    def __init__(self, schema: GraphQLSchema, types: set[str], fields: set[str]) -> None:
        self.schema = schema
        self.types: set[str] = set()
        self.forced: dict[str, set[str]] = {}
        for name in types:
            self.add(name)
        for dotted in fields:
            owner, field = dotted.split(".")
            self.add(owner)
            self.forced.setdefault(owner, set()).add(field)
        for name, t in schema.type_map.items():
            if isinstance(t, GraphQLScalarType):
                self.types.add(name)
        if schema.query_type is not None:  # the mutation root stays only if a field is used
            self.add(schema.query_type.name)

    def add(self, name: str) -> bool:
        if name in self.types:
            return False
        self.types.add(name)
        return True

    def kept_fields(self, name: str) -> set[str]:
        t = self.schema.type_map[name]
        assert isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
        forced = self.forced.get(name, set())
        return {
            f
            for f, d in t.fields.items()
            if f in forced
            or (
                get_named_type(d.type).name in self.types
                and all(
                    get_named_type(a.type).name in self.types or not _non_null(a.type)
                    for a in d.args.values()
                )
            )
        }

    def step(self) -> bool:
        changed = False
        for name in sorted(self.types):
            t = self.schema.type_map[name]
            if isinstance(t, GraphQLInputObjectType):
                for f in t.fields.values():
                    changed |= self.add(get_named_type(f.type).name)
            elif isinstance(t, GraphQLUnionType):
                for member in t.types:
                    changed |= self.add(member.name)
            elif isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
                changed |= self._step_fields(name, t)
        return changed

    def _step_fields(self, name: str, t: GraphQLObjectType | GraphQLInterfaceType) -> bool:
        changed = False
        for f in self.forced.get(name, set()):
            d = t.fields[f]
            changed |= self.add(get_named_type(d.type).name)
            for a in d.args.values():
                changed |= self.add(get_named_type(a.type).name)
        for interface in t.interfaces:
            if interface.name in self.types:
                wanted = self.kept_fields(interface.name)
                have = self.forced.setdefault(name, set())
                if not wanted <= have:
                    have |= wanted
                    changed = True
        if isinstance(t, GraphQLInterfaceType) and name not in NOT_EXPANDED:
            for impl in self.schema.get_implementations(t).objects:
                changed |= self.add(impl.name)
        return changed


def _non_null(t: Any) -> bool:
    from graphql import GraphQLNonNull

    return isinstance(t, GraphQLNonNull)


def trim_sdl(sdl: str, types: set[str], fields: set[str]) -> str:
    """The SDL with only what ``types`` and ``fields`` need (see the module docstring)."""
    schema = build_schema(sdl, assume_valid=True)
    closure = _Closure(schema, types, fields)
    while closure.step():
        pass
    doc = parse(sdl, no_location=True)
    kept_defs = []
    for definition in doc.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            definition.operation_types = tuple(
                o for o in definition.operation_types if o.type.name.value in closure.types
            )
            kept_defs.append(definition)
            continue
        name = definition.name.value  # type: ignore[attr-defined]
        if name not in closure.types:
            continue
        t = schema.type_map[name]
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            keep = closure.kept_fields(name)
            definition.fields = tuple(  # type: ignore[attr-defined]
                _trim_args(f, closure.types)
                for f in definition.fields  # type: ignore[attr-defined]
                if f.name.value in keep
            )
            definition.interfaces = tuple(  # type: ignore[attr-defined]
                i
                for i in definition.interfaces  # type: ignore[attr-defined]
                if i.name.value in closure.types
            )
        elif isinstance(t, GraphQLUnionType):
            definition.types = tuple(  # type: ignore[attr-defined]
                m
                for m in definition.types  # type: ignore[attr-defined]
                if m.name.value in closure.types
            )
        elif not isinstance(t, GraphQLEnumType | GraphQLInputObjectType | GraphQLScalarType):
            continue
        kept_defs.append(definition)
    return print_ast(DocumentNode(definitions=tuple(kept_defs))) + "\n"


def _trim_args(field: FieldDefinitionNode, kept: set[str]) -> FieldDefinitionNode:
    field.arguments = tuple(a for a in field.arguments if _type_name(a.type) in kept)
    return field


def _type_name(node: Any) -> str:
    while not hasattr(node, "name"):
        node = node.type
    return str(node.name.value)


def trim_graphql(part: str) -> str:
    keep = json.loads(GRAPHQL_KEEP_FILE.read_text())[part]
    sdl = (SHARED / part / "schema.graphql").read_text(encoding="utf-8")
    trimmed = trim_sdl(sdl, set(keep["types"]), set(keep["fields"]))
    assert_valid_schema(build_schema(trimmed))  # the subset must still be a valid schema
    return trimmed


def _write(relative: str, text: str) -> None:
    target = VENDOR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"{relative}: {len(text.encode()):,} bytes")


def main() -> int:
    if not SHARED.is_dir():
        print(f"error: {SHARED} is absent; this tool copies from it", file=sys.stderr)
        return 1
    for relative in COPIED:
        target = VENDOR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / relative, target)
    _write("jira-cloud-openapi/swagger-v3.v3.json", json.dumps(trim_jira(), indent=1) + "\n")
    _write("slack-api-specs/slack_web_openapi_v2.json", json.dumps(trim_slack(), indent=1) + "\n")
    for part in ("github-graphql", "linear"):
        _write(f"{part}/schema.graphql", trim_graphql(part))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
