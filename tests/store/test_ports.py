"""The SQLite store implements the engine-neutral Protocols of ``bot/store/ports.py``.

mypy checks the shapes where the app takes a ``UnitOfWork``; this test checks at run time
that every Protocol method exists on the SQLite class with the same parameters, so that a
method added to a Protocol and not to the engine (or renamed on one side) fails here.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from bot.store import open_store, ports
from bot.store.audit import SqliteAudit
from bot.store.claims import SqliteClaims
from bot.store.db import Store
from bot.store.digests import SqliteDigests
from bot.store.duplicates import SqliteDuplicates
from bot.store.events import SqliteEvents
from bot.store.issues import SqliteIssues
from bot.store.ledger import SqliteLedger
from bot.store.people import SqlitePeople
from bot.store.scores import SqliteScores

REPOSITORIES = {
    "issues": (ports.Issues, SqliteIssues),
    "scores": (ports.Scores, SqliteScores),
    "people": (ports.People, SqlitePeople),
    "ledger": (ports.Ledger, SqliteLedger),
    "digests": (ports.Digests, SqliteDigests),
    "claims": (ports.Claims, SqliteClaims),
    "audit": (ports.Audit, SqliteAudit),
    "duplicates": (ports.Duplicates, SqliteDuplicates),
    "events": (ports.Events, SqliteEvents),
}


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def _parameters(signature: inspect.Signature) -> list[tuple[str, object, bool]]:
    return [
        (p.name, p.kind, p.default is inspect.Parameter.empty)
        for p in signature.parameters.values()
    ]


def _mismatches(protocol: type, concrete: type) -> list[str]:
    """Protocol methods the class lacks or implements with other parameters."""
    found = []
    for method, signature in _methods(protocol).items():
        implemented = getattr(concrete, method, None)
        if not callable(implemented):
            found.append(f"{concrete.__name__} lacks {method}")
        elif _parameters(inspect.signature(implemented)) != _parameters(signature):
            found.append(f"{concrete.__name__}.{method} has other parameters")
    return found


@pytest.mark.parametrize("name", sorted(REPOSITORIES))
def test_every_protocol_method_exists_on_the_sqlite_repository(name: str) -> None:
    protocol, concrete = REPOSITORIES[name]
    assert _methods(protocol), f"{protocol.__name__} declares no methods"
    assert _mismatches(protocol, concrete) == []


def test_the_unit_of_work_exposes_every_repository(tmp_path: Path) -> None:
    declared = {n for n, m in vars(ports.UnitOfWork).items() if isinstance(m, property)}
    assert declared == set(REPOSITORIES)
    for method in _methods(ports.UnitOfWork):
        assert callable(getattr(Store, method, None)), f"Store lacks {method}"
    with open_store(tmp_path / "x.db") as store:
        for name, (_, concrete) in REPOSITORIES.items():
            assert isinstance(getattr(store, name), concrete), name


def test_the_check_fails_on_a_missing_method_or_other_parameters() -> None:
    class Lacking(SqliteEvents):
        forget = None

    class Renamed(SqliteEvents):
        def seen(self, event: str) -> bool:  # the Protocol says event_id
            return False

    assert _mismatches(ports.Events, Lacking) == ["Lacking lacks forget"]
    assert _mismatches(ports.Events, Renamed) == ["Renamed.seen has other parameters"]
