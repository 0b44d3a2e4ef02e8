"""Pure GitLab parsing: keys, system notes, moves, links, and bad payloads."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bot.core.models import LinkKind
from bot.trackers.gitlab.dialect import gitlab_dialect
from bot.trackers.gitlab.payloads import (
    PayloadError,
    moves,
    parse_issue,
    parse_linked_issue,
    parse_note,
    project_path_of,
    resolve_reference,
)


def _note(body: str, at: str, *, system: bool = True) -> object:
    return parse_note(
        {"id": 1, "body": body, "system": system, "created_at": at, "author": {"username": "x"}}
    )


def test_relative_references_are_made_full() -> None:
    assert resolve_reference("#4", "acme/ml/asr") == "acme/ml/asr#4"
    assert resolve_reference("vision#4", "acme/ml/asr") == "acme/ml/vision#4"
    assert resolve_reference("tools/cli#4", "acme/ml/asr") == "tools/cli#4"


def test_moves_chain_from_moved_from_notes_in_any_order() -> None:
    notes = [
        _note("moved from acme/ml/vision#3", "2024-02-01T00:00:00Z"),
        _note("moved from acme/asr#1", "2024-01-01T00:00:00Z"),
        _note("moved from nowhere#1", "2024-01-15T00:00:00Z", system=False),  # a person's words
    ]
    chain = moves(notes, project="acme/labelling")  # type: ignore[arg-type]
    assert [(m.from_container, m.to_container) for m in chain] == [
        ("acme/asr", "acme/ml/vision"),
        ("acme/ml/vision", "acme/labelling"),
    ]
    assert chain[0].at == datetime(2024, 1, 1, tzinfo=UTC)


def test_issue_addresses_old_and_new() -> None:
    assert project_path_of("https://gl.io/a/b/c/-/issues/3") == "a/b/c"
    assert project_path_of("http://example.com/example/example/issues/14") == "example/example"
    with pytest.raises(PayloadError, match="not a GitLab issue address"):
        project_path_of("https://gl.io/a/b/-/merge_requests/3")
    linked = parse_linked_issue(
        {"iid": 2, "web_url": "https://gl.io/a/b/-/issues/2", "link_type": "is_blocked_by"}
    )
    assert linked.key == "a/b#2"
    assert LinkKind.BLOCKED_BY.value == "blocked_by"


def test_bad_payloads_name_the_field() -> None:
    with pytest.raises(PayloadError, match="bad updated_at"):
        parse_issue(
            {
                "id": 1,
                "iid": 1,
                "project_id": 1,
                "title": "t",
                "state": "opened",
                "web_url": "https://gl.io/a/b/-/issues/1",
                "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "yesterday",
            }
        )


def test_the_rate_limit_dialect() -> None:
    reset = httpx.Response(
        429,
        headers={
            "RateLimit-Remaining": "0",
            "RateLimit-ResetTime": "Sat, 01 Jun 2024 12:01:00 GMT",
        },
    )
    status, headers = gitlab_dialect(reset)
    assert status == 429 and headers["x-ratelimit-remaining"] == "0"
    assert headers["x-ratelimit-reset"] == str(
        int(datetime(2024, 6, 1, 12, 1, tzinfo=UTC).timestamp())
    )
    epoch = gitlab_dialect(httpx.Response(200, headers={"RateLimit-Reset": "1717243260"}))[1]
    assert epoch["x-ratelimit-reset"] == "1717243260"
    assert "x-ratelimit-reset" not in gitlab_dialect(httpx.Response(429))[1]
