"""The fake GitLab agrees with the real API: GitLab's own issue schema validates its issues,
the documentation examples and the fake's answers parse alike, pagination and limits behave
as documented."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import pytest

from bot.trackers.gitlab.payloads import (
    parse_issue,
    parse_linked_issue,
    parse_note,
    parse_user,
)
from tests.external import external
from tests.fakes import gitlab as fake_module
from tests.fakes.gitlab import FakeGitLab

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
SAMPLES = ("gitlab-samples",)


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab(token="tok") as gl:
        gl.add_project("acme/ml/asr", members={"root", "ana"})
        gl.add_project("acme/ml/vision")
        for n in range(5):
            gl.add_issue(
                "acme/ml/asr",
                title=f"Issue {n}",
                created_at=T0 + timedelta(hours=n),
                assignees=["ana"] if n % 2 else [],
                labels=["bug"],
                weight=3,
            )
        gl.add_note("acme/ml/asr", 1, author="ana", body="same here", at=T0 + timedelta(days=1))
        gl.link(("acme/ml/asr", 1), ("acme/ml/vision", _one(gl)), "blocks", T0 + timedelta(days=2))
        yield gl


def _one(gl: FakeGitLab) -> int:
    return gl.add_issue("acme/ml/vision", title="Vision", created_at=T0)


def _get(gl: FakeGitLab, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{gl.url}/api/v4{path}", params=params, headers={"PRIVATE-TOKEN": "tok"})


def _schema() -> dict[str, Any]:
    path = external(*SAMPLES, "gitlab-json-schemas", "public_api_v4_issue.json")
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def test_the_fakes_issues_validate_against_gitlabs_own_schema(fake: FakeGitLab) -> None:
    schema = _schema()
    issues = _get(fake, "/groups/acme/issues", per_page=100).json()
    assert len(issues) == 6
    for issue in [*issues, *_get(fake, "/projects/acme%2Fml%2Fasr/issues/1/links").json()]:
        jsonschema.validate(issue, schema)


def test_the_documentation_example_and_the_fake_parse_alike(fake: FakeGitLab) -> None:
    # Optional material: GitLab's docs example is not in tests/vendor (its licence is unverified).
    docs = external(*SAMPLES, "gitlab-docs", "api-issues.list-issues.example-response.json")
    [example] = json.loads(docs.read_text())
    # (the docs example itself breaks the schema: its avatar_url is null)
    documented, faked = parse_issue(example), parse_issue(_get(fake, "/projects/1/issues/1").json())
    assert documented.key == "my-group/my-project#6" and faked.key == "acme/ml/asr#1"


def test_the_sdk_samples_and_the_fake_parse_alike(fake: FakeGitLab) -> None:
    for name in ("gitlab4j/issue.json", "go-gitlab/issue_move.json"):
        parse_issue(json.loads(external(*SAMPLES, *name.split("/")).read_text()))
    note = json.loads(external(*SAMPLES, "gitlab4j", "note.json").read_text())
    assert set(note) <= set(_get(fake, "/projects/1/issues/1/notes").json()[0]) | {
        "resolved",
        "resolved_at",
        "upvote",
        "downvote",
    }
    parse_note(note)
    for name in ("gitlab4j/linked-issues.json", "narkoz-gitlab/project_issue_links.json"):
        for item in json.loads(external(*SAMPLES, *name.split("/")).read_text()):
            assert parse_linked_issue(item).key == "example/example#14"
    parse_user(json.loads(external(*SAMPLES, "gitlab4j", "user.json").read_text()))


def test_linked_issues_carry_the_documented_fields(fake: FakeGitLab) -> None:
    sample = json.loads(external(*SAMPLES, "gitlab4j", "linked-issues.json").read_text())[0]
    [linked] = _get(fake, "/projects/acme%2Fml%2Fasr/issues/1/links").json()
    assert set(sample) <= set(linked)
    assert linked["link_type"] == "blocks"
    [back] = _get(fake, "/projects/acme%2Fml%2Fvision/issues/1/links").json()
    assert back["link_type"] == "is_blocked_by"


def test_offset_pages_with_link_and_next_page_headers(fake: FakeGitLab) -> None:
    first = _get(fake, "/projects/acme%2Fml%2Fasr/issues", per_page=2, order_by="created_at")
    assert first.headers["x-next-page"] == "2" and first.headers["x-total"] == "5"
    assert [i["iid"] for i in first.json()] == [5, 4]  # sort defaults to desc
    pages, url = [], first.links["next"]["url"]
    while url:
        answer = httpx.get(url, headers={"PRIVATE-TOKEN": "tok"})
        pages.append([i["iid"] for i in answer.json()])
        url = answer.links.get("next", {}).get("url")
    assert pages == [[3, 2], [1]]


def test_totals_and_last_are_left_out_above_the_count_limit(
    fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_module, "MAX_COUNTED", 3)
    answer = _get(fake, "/projects/acme%2Fml%2Fasr/issues", per_page=2)
    assert "x-total" not in answer.headers and "x-total-pages" not in answer.headers
    assert "last" not in answer.links and answer.headers["x-next-page"] == "2"


def test_updated_after_is_inclusive_and_validated(fake: FakeGitLab) -> None:
    after = (T0 + timedelta(hours=3)).isoformat()
    got = _get(fake, "/projects/acme%2Fml%2Fasr/issues", updated_after=after).json()
    assert sorted(i["iid"] for i in got) == [1, 4, 5]  # #1 was touched by a note and a link
    bad = _get(fake, "/projects/acme%2Fml%2Fasr/issues", updated_after="yesterday")
    assert bad.status_code == 400 and bad.json() == {"error": "updated_after is invalid"}


def test_authentication_and_not_found_shapes(fake: FakeGitLab) -> None:
    anonymous = httpx.get(f"{fake.url}/api/v4/projects/1/issues")
    assert anonymous.status_code == 401 and anonymous.json() == {"message": "401 Unauthorized"}
    missing = _get(fake, "/projects/acme%2Fnope/issues")
    assert missing.status_code == 404 and missing.json() == {"message": "404 Project Not Found"}


def test_rate_limit_headers_and_429(fake: FakeGitLab) -> None:
    fake.rate_limit = 2
    fake.remaining = 2
    ok = _get(fake, "/projects/1/issues")
    assert ok.headers["ratelimit-remaining"] == "1" and ok.headers["ratelimit-limit"] == "2"
    reset = int(ok.headers["ratelimit-reset"])
    assert reset > fake.now.timestamp() and ok.headers["ratelimit-resettime"].endswith("GMT")
    _get(fake, "/projects/1/issues")
    limited = _get(fake, "/projects/1/issues")
    assert limited.status_code == 429 and limited.text == "Retry later\n"
    assert int(limited.headers["retry-after"]) == reset - int(fake.now.timestamp())
    fake.now = fake.now + timedelta(minutes=1)
    assert _get(fake, "/projects/1/issues").status_code == 200


def test_writes_keep_members_only_and_one_assignee_on_free(fake: FakeGitLab) -> None:
    ids = {u: fake.add_user(u).id for u in ("ana", "omar", "root")}
    url = f"{fake.url}/api/v4/projects/acme%2Fml%2Fasr/issues/2"
    put = httpx.put(
        url, json={"assignee_ids": [ids["ana"], ids["omar"]]}, headers={"PRIVATE-TOKEN": "tok"}
    )
    assert [a["username"] for a in put.json()["assignees"]] == ["ana"]  # omar is no member
    fake.single_assignee = True
    put = httpx.put(
        url, json={"assignee_ids": [ids["ana"], ids["root"]]}, headers={"PRIVATE-TOKEN": "tok"}
    )
    assert [a["username"] for a in put.json()["assignees"]] == ["ana"]
    note = httpx.post(f"{url}/notes", json={"body": "claimed"}, headers={"PRIVATE-TOKEN": "tok"})
    assert note.status_code == 201 and note.json()["body"] == "claimed"
    blank = httpx.post(f"{url}/notes", json={"body": " "}, headers={"PRIVATE-TOKEN": "tok"})
    assert blank.status_code == 400


def test_a_move_copies_notes_and_closes_the_original(fake: FakeGitLab) -> None:
    new = fake.move("acme/ml/asr", 1, "acme/ml/vision", T0 + timedelta(days=5))
    old = _get(fake, "/projects/acme%2Fml%2Fasr/issues/1").json()
    moved = _get(fake, f"/projects/acme%2Fml%2Fvision/issues/{new}").json()
    assert old["state"] == "closed" and old["moved_to_id"] == moved["id"]
    notes = _get(fake, f"/projects/acme%2Fml%2Fvision/issues/{new}/notes", sort="asc").json()
    assert notes[-1]["body"] == "moved from asr#1" and notes[-1]["system"] is True
    assert moved["user_notes_count"] == 1
