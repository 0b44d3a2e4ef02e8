"""Locating ../shared/external — the third-party specs and recordings tests check against.

Tests that need it skip with a clear reason where it is absent (a fresh clone on its own);
in CI it is present, and none of them may skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"


def external(*parts: str) -> Path:
    """The path under ../shared/external, or skip the test saying what is missing."""
    path = EXTERNAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} is absent: the third-party material in ../shared/external is "
            "needed for this check (present in CI)"
        )
    return path
