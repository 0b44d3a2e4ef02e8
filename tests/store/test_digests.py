"""The digests repository: where each recipient's digest stands, as typed rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.store import open_store
from bot.store.digests import DigestState
from tests.builders import NOW

LEASE = timedelta(minutes=10)


def test_states_say_claimed_then_sent_per_period(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        assert store.digests.claim_send("UOMAR", "W45", owner="p1", at=NOW, lease=LEASE) == "mine"
        assert store.digests.claim_send("UMARA", "W46", owner="p1", at=NOW, lease=LEASE) == "mine"
        later = NOW + timedelta(minutes=1)
        store.digests.mark_sent("UOMAR", "W45", channel="D1", ts="1.2", at=later)
        assert store.digests.states("W45") == [
            DigestState("UOMAR", "W45", "sent", NOW, "p1", later, "D1", "1.2")
        ]
        [claimed] = store.digests.states("W46")
        assert (claimed.state, claimed.sent_at, claimed.message_ts) == ("claimed", None, None)
        assert [s.recipient for s in store.digests.states()] == ["UMARA", "UOMAR"]
