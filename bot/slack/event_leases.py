"""Handling each Slack event once, without touching the store's write lock before the ack.

Slack redelivers an Events API event (same ``event_id``, ``X-Slack-Retry-Num`` set) when it
got no 2xx within 3 seconds. :class:`OncePerEvent` admits an event id once: it leases the id
in memory (shared by the server's threads), checks the durable receipts with a read, and
records the receipt in the background after the ack. A handler that fails gives the lease
and the receipt back, so that Slack's next retry runs it; leases expire and are pruned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.app.event_receipts import EventReceipts

log = logging.getLogger("impactbot.slack")

#: How long an event id stays leased in memory: longer than Slack's retries (~5 minutes).
LEASE_SECONDS = 3600.0


class EventLeases:
    """Leases on event ids in one process; thread-safe. Expired leases are pruned as new
    ones are taken, so the table holds at most the ids of the last :data:`LEASE_SECONDS`."""

    def __init__(
        self, ttl: float = LEASE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, event_id: str) -> bool:
        """Lease ``event_id``; False while it is leased already."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            if event_id in self._until:
                return False
            self._until[event_id] = now + self._ttl
            return True

    def release(self, event_id: str) -> None:
        """Give the lease back (its handler failed)."""
        with self._lock:
            self._until.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)

    def _prune(self, now: float) -> None:
        # Leases are taken in time order with one ttl, so the oldest expire first.
        while self._until and next(iter(self._until.values())) <= now:
            self._until.popitem(last=False)


class OncePerEvent:
    """The gate the event middleware asks: admit each event id once, release it on failure."""

    def __init__(self, receipts: EventReceipts, leases: EventLeases | None = None) -> None:
        self._receipts = receipts
        self._leases = leases or EventLeases()
        # One worker: a receipt and its later withdrawal are written in order.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="impactbot-receipts")

    def admit(self, event_id: str) -> bool:
        """True if ``event_id`` should be handled now; False for a retry of an event being
        handled or handled already. Never waits for the store's write lock."""
        if not self._leases.take(event_id):
            return False
        if self._receipts.handled(event_id):
            return False  # handled by another process, or before a restart; keep the lease
        self._in_background(self._receipts.record, event_id)
        return True

    def failed(self, event_id: str) -> None:
        """The handler of ``event_id`` failed: a later retry may run it."""
        self._leases.release(event_id)
        self._in_background(self._receipts.forget, event_id)

    def drain(self) -> None:
        """Wait until every receipt so far is written (tests, shutdown)."""
        self._writer.submit(lambda: None).result()

    def _in_background(self, write: Callable[[str], None], event_id: str) -> None:
        self._writer.submit(write, event_id).add_done_callback(_log_failure)


def _log_failure(done: Future[None]) -> None:
    if (error := done.exception()) is not None:
        log.error("event receipt not written: %s", error)
