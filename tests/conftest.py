"""Suite-wide rules: a test may skip for absent vendor material only if it is listed in
``tests/optional_material.txt`` (see ``tests/external.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.external import optional_tests, unlisted_skip

pytest_plugins = ["pytester"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped:
        problem = unlisted_skip(item.nodeid, str(report.longrepr), optional_tests())
        if problem is not None:
            report.outcome = "failed"
            report.longrepr = problem
