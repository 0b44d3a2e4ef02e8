"""Issue links inside Slack message text (``<https://…|label>``, bare keys)."""

from __future__ import annotations

import re

from bot.core.issue_refs import IssueRefText, parse_issue_ref

_LINK = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>")


def issue_refs(text: str) -> list[IssueRefText]:
    """Every distinct issue a message links to, in order; bare keys count too."""
    found: dict[str, IssueRefText] = {}
    candidates = [m.group(1) for m in _LINK.finditer(text)]
    candidates += _LINK.sub(" ", text).split()
    for candidate in candidates:
        ref = parse_issue_ref(candidate.strip(".,;:()[]"))
        if ref is not None:
            found.setdefault(ref.key, ref)
    return list(found.values())
