"""The GraphQL documents the sync sends. A test validates each against GitHub's schema.

Costs (GitHub's formula: connection requests / 100, at least 1) for a full batch of 100:
``ISSUE_DETAILS`` asks comments, timeline and closing pull requests per issue (300) and the
reviews of up to 3 closing pull requests each (300) — 6 points in one round trip, where a
separate pull-request query per page cost a request each. Reviews are never nested under
the timeline, which would multiply the cost by its page size; a pull request that closed an
issue without being among its closing references (``ClosedEvent.closer`` only) is fetched
with ``PULL_REQUESTS``.
"""

from __future__ import annotations

MAX_IDS = 100  # GitHub caps `nodes(ids:)` and `first:` at 100
COMMENTS = 30  # most recent comments per issue: enough for idle time and commenters
TIMELINE = 50  # timeline items per page (cross-references, closes, duplicates, transfers)

_SUBJECT = "__typename ... on Issue { number repository { nameWithOwner } } "
_SUBJECT += "... on PullRequest { number repository { nameWithOwner } }"

TIMELINE_ITEMS = f"""
  pageInfo {{ hasNextPage endCursor }}
  nodes {{
    __typename
    ... on CrossReferencedEvent {{ createdAt source {{ {_SUBJECT} }} }}
    ... on MarkedAsDuplicateEvent {{
      createdAt
      canonical {{ {_SUBJECT} }}
      duplicate {{ {_SUBJECT} }}
    }}
    ... on TransferredEvent {{ createdAt fromRepository {{ nameWithOwner }} }}
    ... on ClosedEvent {{ createdAt closer {{ __typename ... on PullRequest {{ id }} }} }}
  }}
"""

_ITEM_TYPES = "[CROSS_REFERENCED_EVENT, MARKED_AS_DUPLICATE_EVENT, TRANSFERRED_EVENT, CLOSED_EVENT]"

PULL_REQUEST_FIELDS = """
  id
  number
  url
  merged
  repository { nameWithOwner }
  author { __typename login }
  reviews(first: 10) { nodes { author { __typename login } state } }
"""

ISSUE_DETAILS = f"""
query IssueDetails($ids: [ID!]!) {{
  rateLimit {{ cost remaining resetAt }}
  nodes(ids: $ids) {{
    ... on Issue {{
      id
      repository {{ visibility }}
      comments(last: {COMMENTS}) {{
        nodes {{ author {{ __typename login }} createdAt body }}
      }}
      timelineItems(first: {TIMELINE}, itemTypes: {_ITEM_TYPES}) {{ {TIMELINE_ITEMS} }}
      closedByPullRequestsReferences(first: 3, includeClosedPrs: true) {{
        nodes {{ {PULL_REQUEST_FIELDS} }}
      }}
    }}
  }}
}}
"""

MORE_TIMELINE = f"""
query MoreTimeline($id: ID!, $after: String!) {{
  rateLimit {{ cost remaining resetAt }}
  node(id: $id) {{
    ... on Issue {{
      timelineItems(first: {TIMELINE}, after: $after, itemTypes: {_ITEM_TYPES}) {{
        {TIMELINE_ITEMS}
      }}
    }}
  }}
}}
"""

PULL_REQUESTS = f"""
query PullRequests($ids: [ID!]!) {{
  rateLimit {{ cost remaining resetAt }}
  nodes(ids: $ids) {{ ... on PullRequest {{ {PULL_REQUEST_FIELDS} }} }}
}}
"""

ALL_QUERIES = {
    "IssueDetails": ISSUE_DETAILS,
    "MoreTimeline": MORE_TIMELINE,
    "PullRequests": PULL_REQUESTS,
}
