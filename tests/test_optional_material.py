"""Only the tests listed in tests/optional_material.txt may skip for absent vendor material."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.external import OPTIONAL_MATERIAL, VENDOR, external, optional_tests, unlisted_skip

ROOT = Path(__file__).resolve().parents[1]

INNER_CONFTEST = """
import pytest
from tests.external import unlisted_skip

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        problem = unlisted_skip(item.nodeid, str(report.longrepr), {"test_inner.py::test_listed"})
        if problem is not None:
            report.outcome = "failed"
            report.longrepr = problem
"""

INNER_TESTS = """
import pytest
from tests.external import external

def test_listed():
    external("no-such-vendor", "file.json")

def test_unlisted():
    external("no-such-vendor", "file.json")

def test_skips_for_another_reason():
    pytest.skip("not on this platform")
"""


def test_every_listed_test_exists() -> None:
    listed = optional_tests()
    assert listed, "the list should hold at least the Apache duplicate set's test"
    for test_id in listed:
        path, name = test_id.split("::")
        source = (ROOT / path).read_text()
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{test_id} is stale"


def test_an_unlisted_skip_for_absent_material_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=0, skipped=2, failed=1)
    result.stdout.fnmatch_lines(["*test_unlisted skipped for absent vendor material*"])


def test_the_reason_names_the_missing_material() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"no-such-vendor/x\.json is in neither"):
        external("no-such-vendor", "x.json")
    reason = f"{OPTIONAL_MATERIAL}: a/b"
    assert unlisted_skip("t.py::test_a[1]", reason, {"t.py::test_a"}) is None
    assert unlisted_skip("t.py::test_b", "a platform skip", set()) is None
    assert "not listed" in (unlisted_skip("t.py::test_b", reason, set()) or "")


def test_the_repository_copy_is_preferred() -> None:
    assert (
        external("signing-vectors", "vectors.json") == VENDOR / "signing-vectors" / "vectors.json"
    )
