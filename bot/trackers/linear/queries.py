"""The GraphQL documents the Linear connector sends, and what each costs.

Documents are rendered from *shapes* (nested mappings of field → sub-shape, ``None`` for a
scalar), so that the complexity the client budgets for is computed from the very selection
it sends. Linear's documented rule: 0.1 point per scalar, 1 per object, a connection's
children multiplied by its ``first`` / ``last`` (50 when absent), the total rounded up; one
query may cost at most 10,000 points. A test validates every document against Linear's
published schema and checks these figures against the fake's own count.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

Shape = Mapping[str, "Shape | None"]

MAX_COMPLEXITY = 10_000  # Linear refuses a single query above this
DEFAULT_PAGE = 50  # Linear's page size when a connection has no first/last
#: How many labels, comments and relations come with each issue in a listing; an issue with
#: more gets the rest paged. Sized for typical issues: a listing's complexity is billed for
#: every slot asked, used or not, and Linear's hourly complexity budget, not requests, is
#: what bounds a first sync (these sizes halve it: 76 points an issue instead of 143).
NESTED: Mapping[str, int] = {"labels": 10, "comments": 5, "relations": 3, "inverseRelations": 3}
MORE = 50  # page size when an issue has more of one of them

_PAGE_INFO: Shape = {"pageInfo": {"hasNextPage": None, "endCursor": None}}
USER: Shape = {"id": None, "name": None, "displayName": None, "email": None, "app": None}
LABEL: Shape = {"name": None}
COMMENT: Shape = {"body": None, "createdAt": None, "user": USER}
RELATION: Shape = {"type": None, "relatedIssue": {"identifier": None}}
INVERSE_RELATION: Shape = {"type": None, "issue": {"identifier": None}}

#: Each nested connection of an issue: its node shape.
NESTED_NODES: Mapping[str, Shape] = {
    "labels": LABEL,
    "comments": COMMENT,
    "relations": RELATION,
    "inverseRelations": INVERSE_RELATION,
}

ISSUE: Shape = {
    "id": None,
    "identifier": None,
    "url": None,
    "title": None,
    "description": None,
    "createdAt": None,
    "updatedAt": None,
    "completedAt": None,
    "canceledAt": None,
    "archivedAt": None,
    "trashed": None,
    "estimate": None,
    "previousIdentifiers": None,
    "state": {"type": None},
    # Team.visibility: public, private (members only) or restricted (inside a private
    # team's boundary); Team.private, deprecated for it, is asked too for older answers.
    "team": {"key": None, "private": None, "visibility": None},
    "assignee": USER,
    "creator": USER,
    **{
        f"{name}(first: {NESTED[name]})": {"nodes": node, **_PAGE_INFO}
        for name, node in NESTED_NODES.items()
    },
}

_LISTING_ARGS = "first: $first, after: $after, filter: $filter, orderBy: updatedAt"
_LISTING = f"issues({_LISTING_ARGS}, includeArchived: true)"


def render(shape: Shape, indent: str = "  ") -> str:
    """The selection set of ``shape`` as GraphQL text (without the outer braces)."""
    lines = []
    for key, sub in shape.items():
        if sub is None:
            lines.append(f"{indent}{key}")
        else:
            lines.append(f"{indent}{key} {{\n{render(sub, indent + '  ')}\n{indent}}}")
    return "\n".join(lines)


def complexity(shape: Shape, page: int | None = None) -> float:
    """Linear's points for ``shape`` (unrounded); ``page`` stands for a ``$first`` variable."""
    points = 0.0
    for key, sub in shape.items():
        if sub is None:
            points += 0.1
            continue
        size = _page_size(key, page)
        points += 1 + (complexity(sub, page) * size if size else complexity(sub, page))
    return points


def _page_size(key: str, page: int | None) -> int | None:
    """How many items a connection field asks for (its ``first`` / ``last``); None for a
    plain object field. Every connection in these shapes names its size."""
    match = re.search(r"\b(?:first|last): (\d+|\$first)", key)
    if match is None:
        return None
    return (page or DEFAULT_PAGE) if match[1] == "$first" else int(match[1])


def listing_shape() -> Shape:
    """The ``issues`` listing: a page of issues, newest update first."""
    return {_LISTING: {"nodes": ISSUE, **_PAGE_INFO}}


def listing_cost(page_size: int) -> int:
    """The complexity of ``ISSUES`` for ``page_size`` issues per page."""
    return math.ceil(complexity(listing_shape(), page_size))


def fitting_page_size(wanted: int) -> int:
    """The largest page size up to ``wanted`` whose listing stays within ``MAX_COMPLEXITY``."""
    size = max(1, wanted)
    while size > 1 and listing_cost(size) > MAX_COMPLEXITY:
        size -= 1
    return size


ISSUES = f"""query Issues($first: Int!, $after: String, $filter: IssueFilter) {{
{render(listing_shape())}
}}"""

OLDEST = """query OldestIssue($filter: IssueFilter) {
  issues(last: 1, filter: $filter, orderBy: updatedAt, includeArchived: true) {
    nodes {
      updatedAt
    }
  }
}"""


def _more(name: str) -> str:
    key = f"{name}(first: {MORE}, after: $after)"
    selection: Shape = {key: {"nodes": NESTED_NODES[name], **_PAGE_INFO}}
    return f"""query More_{name}($id: String!, $after: String) {{
  issue(id: $id) {{
{render(selection, "    ")}
  }}
}}"""


#: The next page of one nested connection of one issue, by connection name.
MORE_OF: Mapping[str, str] = {name: _more(name) for name in NESTED_NODES}

#: The sweep's listing: identifiers only, newest update first, below a fixed bound.
IDENTIFIERS = """query Identifiers($first: Int!, $after: String, $filter: IssueFilter) {
  issues(first: $first, after: $after, filter: $filter, orderBy: updatedAt, includeArchived: true) {
    nodes {
      identifier
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}"""
SWEEP_PAGE = 250  # Linear's largest page

#: One issue read directly by a stored identifier (Linear resolves old identifiers too).
WHERE_IS = """query WhereIs($id: String!) {
  issue(id: $id) {
    identifier
    trashed
    previousIdentifiers
    team {
      key
    }
  }
}"""

ASSIGNEE = """query Assignee($id: String!) {
  issue(id: $id) {
    identifier
    assignee {
      id
      name
    }
  }
}"""

ASSIGN = """mutation Assign($id: String!, $assigneeId: String) {
  issueUpdate(id: $id, input: {assigneeId: $assigneeId}) {
    success
    issue {
      identifier
      assignee {
        id
        name
      }
    }
  }
}"""

COMMENT_CREATE = """mutation Comment($id: String!, $issueId: String!, $body: String!) {
  commentCreate(input: {id: $id, issueId: $issueId, body: $body}) {
    success
    comment {
      id
      url
    }
  }
}"""

COMMENT_BY_ID = """query CommentById($id: String!) {
  comment(id: $id) {
    id
    url
    user {
      id
    }
  }
}"""

ALL_QUERIES: Mapping[str, str] = {
    "Issues": ISSUES,
    "OldestIssue": OLDEST,
    **{f"More_{name}": text for name, text in MORE_OF.items()},
    "Identifiers": IDENTIFIERS,
    "WhereIs": WHERE_IS,
    "Assignee": ASSIGNEE,
    "Assign": ASSIGN,
    "Comment": COMMENT_CREATE,
    "CommentById": COMMENT_BY_ID,
}


#: Every team the key can read, with its visibility: a team made private changes none of its
#: issues, so the sync asks once a run (``Team.visibility``; ``Team.private`` is deprecated
#: for it in Linear's schema, and asked too).
TEAMS = """query Teams($after: String) {
  teams(first: 100, after: $after) {
    nodes {
      key
      private
      visibility
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}"""
