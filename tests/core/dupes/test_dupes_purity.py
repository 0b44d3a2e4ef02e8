"""bot/core/dupes is pure too (tests/core/test_purity.py looks at bot/core/*.py only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.test_purity import _problems

DUPES = Path(__file__).resolve().parents[3] / "bot" / "core" / "dupes"


@pytest.mark.parametrize("path", sorted(DUPES.glob("*.py")), ids=lambda p: p.name)
def test_dupes_module_is_pure(path: Path) -> None:
    assert _problems(path.read_text()) == []
