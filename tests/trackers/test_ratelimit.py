from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.trackers.ratelimit import SECONDARY_MIN_WAIT, RetryPolicy, backoff, decide

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EPOCH_NOW = int(NOW.timestamp())


def test_success_and_not_modified_need_nothing() -> None:
    assert not decide(200, {}, attempt=1, now=NOW, jitter=0.5).retry
    assert not decide(304, {}, attempt=1, now=NOW, jitter=0.5).retry


def test_retry_after_wins_in_seconds_and_as_a_date() -> None:
    v = decide(429, {"retry-after": "17"}, attempt=1, now=NOW, jitter=0.9)
    assert v.retry and v.wait == 17
    v = decide(
        403,
        {"retry-after": "Sun, 01 Nov 2026 12:00:30 GMT"},
        attempt=1,
        now=NOW,
        jitter=0.1,
        message="secondary rate limit",
    )
    assert v.retry and v.wait == 30


def test_primary_limit_waits_for_the_reset() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH_NOW + 120)}
    v = decide(403, headers, attempt=1, now=NOW, jitter=0.0, message="API rate limit exceeded")
    assert v.retry and v.wait == 121 and "primary" in v.reason


def test_secondary_limit_without_retry_after_waits_at_least_a_minute() -> None:
    v = decide(
        403,
        {"x-ratelimit-remaining": "4000"},
        attempt=1,
        now=NOW,
        jitter=0.0,
        message="You have exceeded a secondary rate limit",
    )
    assert v.retry and v.wait >= SECONDARY_MIN_WAIT and "secondary" in v.reason
    assert decide(429, {}, attempt=3, now=NOW, jitter=1.0).wait >= SECONDARY_MIN_WAIT


def test_forbidden_without_a_limit_is_final() -> None:
    v = decide(
        403,
        {"x-ratelimit-remaining": "4000"},
        attempt=1,
        now=NOW,
        jitter=0.5,
        message="Resource not accessible by integration",
    )
    assert not v.retry and v.reason == "HTTP 403"
    assert not decide(404, {}, attempt=1, now=NOW, jitter=0.5).retry
    assert not decide(422, {}, attempt=1, now=NOW, jitter=0.5).retry


def test_server_errors_and_connection_failures_back_off_then_give_up() -> None:
    assert decide(502, {}, attempt=1, now=NOW, jitter=0.5).retry
    assert decide(None, {}, attempt=2, now=NOW, jitter=0.5).retry
    final = decide(503, {}, attempt=RetryPolicy().max_attempts, now=NOW, jitter=0.5)
    assert not final.retry and "gave up after 8 attempts" in final.reason


@given(attempt=st.integers(1, 40), jitter=st.floats(0, 1), floor=st.sampled_from([0.0, 60.0]))
def test_backoff_is_bounded_and_jittered(attempt: int, jitter: float, floor: float) -> None:
    policy = RetryPolicy()
    wait = backoff(attempt, jitter, policy, floor=floor)
    assert floor <= wait <= max(floor, policy.max_delay)


@given(attempt=st.integers(1, 20))
def test_backoff_cap_grows_with_attempts(attempt: int) -> None:
    policy = RetryPolicy()
    assert backoff(attempt + 1, 1.0, policy) >= backoff(attempt, 1.0, policy)
