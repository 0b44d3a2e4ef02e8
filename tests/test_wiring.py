"""The composition root builds one HTTP connection pool per tracker credential, shared by
every sync and claim write-back of the process, and closes them when asked."""

from __future__ import annotations

from bot.core.models import TrackerKind
from bot.wiring import TrackerHttp


def test_one_http_client_per_tracker_credential_kept_until_closed() -> None:
    pools = TrackerHttp()
    github = pools(TrackerKind.GITHUB)
    assert pools(TrackerKind.GITHUB) is github  # the same pool for every use of GitHub's token
    jira = pools(TrackerKind.JIRA)
    assert jira is not github  # another credential, another pool
    pools.close()
    assert github.is_closed and jira.is_closed
    assert pools(TrackerKind.GITHUB) is not github  # a later use gets a fresh pool
    pools.close()
