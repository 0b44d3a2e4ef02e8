"""The fields a GraphQL selection set asks for, fragments expanded: shared by the fakes that
cost queries (GitHub's node limits, Linear's complexity) by walking what was sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)


def selected_fields(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    selections: SelectionSetNode,
    parent: GraphQLNamedType,
) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
    """Each field of ``selections`` with the type it is selected on; inline fragments and
    spreads of known ``fragments`` are walked into, unknown spreads skipped."""
    for sel in selections.selections:
        if isinstance(sel, FieldNode):
            yield sel, parent
        elif isinstance(sel, InlineFragmentNode):
            owner = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            yield from selected_fields(schema, fragments, sel.selection_set, owner or parent)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
            frag = fragments[sel.name.value]
            owner = schema.get_type(frag.type_condition.name.value)
            yield from selected_fields(schema, fragments, frag.selection_set, owner or parent)
