"""The GraphQL documents the sync sends. A test validates each against GitHub's schema.

Costs (GitHub's formula: connection requests / 100, at least 1) for a full batch of 100:
``ISSUE_DETAILS`` asks three connections per issue — 300 requests, 3 points; reviews are
fetched in a second, cheaper query only for the pull requests that closed issues, because
nesting them under the timeline would multiply the cost by the timeline's page size.
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

ISSUE_DETAILS = f"""
query IssueDetails($ids: [ID!]!) {{
  rateLimit {{ cost remaining resetAt }}
  nodes(ids: $ids) {{
    ... on Issue {{
      id
      comments(last: {COMMENTS}) {{
        nodes {{ author {{ __typename login }} createdAt body }}
      }}
      timelineItems(first: {TIMELINE}, itemTypes: {_ITEM_TYPES}) {{ {TIMELINE_ITEMS} }}
      closedByPullRequestsReferences(first: 5, includeClosedPrs: true) {{ nodes {{ id }} }}
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

PULL_REQUESTS = """
query PullRequests($ids: [ID!]!) {
  rateLimit { cost remaining resetAt }
  nodes(ids: $ids) {
    ... on PullRequest {
      id
      number
      url
      merged
      repository { nameWithOwner }
      author { __typename login }
      reviews(first: 20) { nodes { author { __typename login } state } }
    }
  }
}
"""

ALL_QUERIES = {
    "IssueDetails": ISSUE_DETAILS,
    "MoreTimeline": MORE_TIMELINE,
    "PullRequests": PULL_REQUESTS,
}
