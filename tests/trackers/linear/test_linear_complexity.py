"""Linear's count of a query's complexity is not published and may run above the documented
rule the client budgets with: a listing refused as "Query too complex" is retried with a
smaller page, and when nothing helps the stream fails saying what Linear said."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.rules_sources import LinearSources
from bot.trackers.linear import queries
from tests.fakes.linear import FakeLinear
from tests.trackers.linear.harness import Harness

T0 = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


def _issues(fake: FakeLinear, count: int) -> set[str]:
    return {
        fake.workspace.add_issue("ENG", title=f"Issue {n}", created_at=T0 + timedelta(hours=n))
        for n in range(count)
    }


def _listing_sizes(fake: FakeLinear) -> list[tuple[int, int]]:
    """``(first, status)`` of every listing request, in order."""
    return [
        (r.json()["variables"]["first"], r.status)
        for r in fake.requests
        if r.json()["query"].startswith("query Issues(")
    ]


def test_a_page_linear_finds_too_complex_is_asked_again_smaller(
    fake: FakeLinear, harness: Harness
) -> None:
    keys = _issues(fake, 150)
    fake.api.complexity_surcharge = 225  # Linear's count, above the documented rule
    report = harness.sync(LinearSources(page_size=250))
    assert report.failed == []
    assert set(harness.issues()) == keys
    first = queries.fitting_page_size(250)
    assert queries.MAX_COMPLEXITY - queries.listing_cost(first) < 225  # our estimate fitted
    assert _listing_sizes(fake)[:2] == [(first, 400), (first // 2, 200)]
    assert all(status == 200 for _, status in _listing_sizes(fake)[1:])


def test_when_no_page_is_small_enough_the_stream_says_what_linear_said(
    fake: FakeLinear, harness: Harness
) -> None:
    _issues(fake, 3)
    # Too much for a page of one issue, still enough for the tiny probe of the oldest issue.
    fake.api.complexity_surcharge = queries.MAX_COMPLEXITY - queries.listing_cost(1) + 1
    report = harness.sync()
    [failed] = report.failed
    assert failed.error is not None
    assert "exceeds the maximum of 10000" in failed.error  # Linear's userPresentableMessage
    assert "one issue a page" in failed.error
    assert _listing_sizes(fake)[-1] == (1, 400)
    assert harness.issues() == {}
