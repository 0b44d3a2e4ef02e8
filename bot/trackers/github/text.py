"""References written in a GitHub issue's title, body and comments, as links.

Shared by the ``gh`` JSON import and the API sync, so both see the same references.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from bot.core.models import Comment, IssueLink, TrackerKind
from bot.core.references import TextReference, reference_links
from bot.core.sources import SourceMap


def github_text_links(
    *,
    title: str,
    body: str,
    comments: Sequence[Comment],
    key: str,
    container: str,
    source: str,
    host: str,
    skip: Sequence[str] = (),
    source_map: SourceMap | None = None,
) -> tuple[IssueLink, ...]:
    """One ``REFERENCES`` link per distinct target, with where it was first seen.

    GitHub references on ``host`` (or written without a host) point into ``source``; others
    are pinned by ``source_map`` where it knows their source, else left unpinned.
    """
    texts = [(title, f"mentioned in the title of {key}"), (body, f"mentioned in the body of {key}")]
    for comment in comments:
        who = comment.author.handle if comment.author else "ghost"
        when = comment.created_at.astimezone(UTC).date().isoformat()
        texts.append((comment.body, f"mentioned in a comment by @{who} on {when}"))

    def source_of(ref: TextReference) -> str | None:
        same_instance = ref.tracker is TrackerKind.GITHUB and ref.host in (None, host)
        if same_instance:
            return source
        return source_map.source_of(ref, home=source) if source_map else None

    return tuple(
        reference_links(texts, exclude=key, source_of=source_of, container=container, skip=skip)
    )
