"""Locating vendor material — the third-party specs, recordings and vectors tests check against.

Two places hold it, under the same relative paths: ``tests/vendor/`` (in the repository: what the
default suite needs, trimmed, with source, version and licence in its README) and
``../shared/external/`` (beside the checkout in CI and on the team's machines: everything,
including the larger, benchmark-only material). The repository copy wins.

A test that needs material found in neither place skips with a reason that begins with
``OPTIONAL_MATERIAL``; only the tests listed in ``tests/optional_material.txt`` may skip that
way (``tests/conftest.py`` turns any other such skip into a failure), so a fresh clone with no
``../shared`` runs the whole default suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent / "vendor"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "external"
OPTIONAL_LIST = Path(__file__).resolve().parent / "optional_material.txt"
OPTIONAL_MATERIAL = "optional vendor material absent"


def locate(*parts: str) -> Path | None:
    """The material's path, from ``tests/vendor`` first, then ``../shared/external``; ``None``
    when neither holds it. For code that must not skip (fakes, benchmarks)."""
    for root in (VENDOR, SHARED):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return None


def vendor_path(*parts: str) -> Path:
    """Where the material is, or where the repository copy would be (to name in an error)."""
    return locate(*parts) or VENDOR.joinpath(*parts)


def external(*parts: str) -> Path:
    """The material's path, or skip the test saying what is missing and where it was looked for.

    Only tests listed in ``tests/optional_material.txt`` may skip this way."""
    path = locate(*parts)
    if path is None:
        relative = "/".join(parts)
        pytest.skip(
            f"{OPTIONAL_MATERIAL}: {relative} is in neither {VENDOR} nor {SHARED} "
            "(larger third-party material lives only in ../shared/external)"
        )
    return path


def optional_tests() -> set[str]:
    """The test ids (``path::name``, no parameters) allowed to skip for absent material."""
    lines = OPTIONAL_LIST.read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines} - {""}


def unlisted_skip(test_id: str, reason: str, listed: set[str]) -> str | None:
    """Why a skip must count as a failure — it is for absent vendor material and the test is
    not in ``listed`` — or ``None`` when the skip may stand. ``test_id`` may carry parameters."""
    test_id = test_id.split("[")[0]
    if OPTIONAL_MATERIAL not in reason or test_id in listed:
        return None
    return (
        f"{test_id} skipped for absent vendor material but is not listed in "
        f"tests/{OPTIONAL_LIST.name}: copy what it needs into tests/vendor "
        f"(see tests/vendor/README.md), or list the test there with the reason.\n{reason}"
    )
