"""The ledger's running totals agree with plain sums, whatever order entries arrive in."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.credit import CreditEntry, EntryKind
from bot.store import open_store
from tests.builders import NOW

PEOPLE = ["ana", "vera", "ned"]


def _entry(n: int, person: str, days: int, points: float, pending: bool) -> CreditEntry:
    at = NOW - timedelta(days=days)
    return CreditEntry(
        natural_key=f"mint|github:a/b#{n}|{at.isoformat()}|resolver|{person}",
        kind=EntryKind.MINT, person_id=person, team_id="asr", role="resolver", share=1.0,
        points=points, issue_uid=f"github:a/b#{n}", closure=at.isoformat(),
        beneficiaries=("asr", "nlp"), reason="r", at=at, pending=pending,
    )  # fmt: skip


entries = st.lists(
    st.tuples(st.sampled_from(PEOPLE), st.integers(0, 400), st.floats(-50, 80), st.booleans()),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(rows=entries, start=st.integers(0, 400), length=st.integers(1, 400), confirm=st.booleans())
def test_leaderboard_equals_plain_sums(
    rows: list[tuple[str, int, float, bool]], start: int, length: int, confirm: bool
) -> None:
    made = [_entry(n, *row) for n, row in enumerate(rows)]
    begin = NOW - timedelta(days=start)
    end = begin + timedelta(days=length)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "x.db") as store:
        refs = iter(f"p-{i}" for i in range(1000))
        store.ledger.append(made, lambda: next(refs))
        if confirm:
            for e in made:
                store.ledger.confirm(e.issue_uid, e.closure, "asr", "p-boss", NOW)
        counted = [e for e in made if confirm or not e.pending]
        expected: dict[str, float] = {}
        for e in counted:
            if begin <= e.at < end:
                expected[e.person_id] = expected.get(e.person_id, 0.0) + e.points
        board = dict(store.ledger.leaderboard(begin, end, 10))
    want = {p: v for p, v in expected.items() if abs(v) > 0.00001}
    # A total within rounding of the board's cut-off may land on either side of it: SQLite
    # adds the same floats in another order (seen once: a flaky failure in a full run).
    moot = {p for p, v in expected.items() if abs(abs(v) - 0.00001) < 1e-9}
    assert board.keys() - moot == want.keys() - moot
    for person, points in want.items():
        if person in board:
            assert abs(board[person] - points) < 1e-6
