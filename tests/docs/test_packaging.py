"""`make run` and `make test` install the project; setuptools must have nothing to warn about.

The full proof is `.ci/run`, which installs in a fresh clone and fails on any setuptools warning;
these checks catch the known causes without a network install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())


def test_the_licence_is_an_spdx_string_not_a_deprecated_table() -> None:
    # setuptools >= 77 warns "`project.license` as a TOML table is deprecated".
    assert isinstance(PYPROJECT["project"]["license"], str)
    assert not any(c.startswith("License ::") for c in PYPROJECT["project"].get("classifiers", []))
    [setuptools] = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    match = re.fullmatch(r"setuptools>=(\d+).*", setuptools)
    assert match and int(match[1]) >= 77, "SPDX strings need setuptools 77"


def test_the_layout_is_declared_so_editable_installs_are_quiet() -> None:
    # Without package-dir, setuptools picks its import-hook strategy and prints
    # "BuildBackendWarning: Editable installation." on every `pip install -e .`.
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"": "."}
