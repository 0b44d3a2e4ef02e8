"""The sync engine's guard against a stream that goes round in circles.

A paging bug (a lost query string, a server whose ``next`` link points back, a cursor that
never ends) must never spend a credential's whole budget. The engine hands every page a
stream yields to a ``StreamGuard`` before committing it; the guard stops the stream with a
``RunawayStreamError`` naming the stream and the address when

- a page arrives from an address the stream already read in this run (a correct walk never
  reads one address twice: each request moves ``since``, a page number or a cursor), or
- the stream has sent more than ``REQUEST_FLOOR + REQUESTS_PER_ITEM`` × the items it got
  (items listed plus issues confirmed gone) — at most 100 requests for nothing, then 10 per
  item. A healthy sync spends about one request per 100 items, plus a few per changed issue
  for its comments, links or history; a loop over empty or repeated pages spends one request
  after another and gets nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import ImpactbotError

REQUEST_FLOOR = 100
REQUESTS_PER_ITEM = 10


class RunawayStreamError(ImpactbotError):
    """A stream was stopped because it was reading pages without getting anywhere."""


@dataclass
class StreamGuard:
    """The pages and requests of one stream in one sync (see the module docstring)."""

    key: str
    items: int = 0
    addresses: set[str] = field(default_factory=set)

    def check(self, *, url: str | None, items: int, requests: int) -> None:
        """Account for a page of ``items`` read from ``url`` after ``requests`` requests in
        all; raise ``RunawayStreamError`` if the stream must stop."""
        if url is not None:
            if url in self.addresses:
                raise RunawayStreamError(
                    f"{self.key}: stopped, the page at {url} came a second time in one sync "
                    "(a paging loop); nothing after it was saved"
                )
            self.addresses.add(url)
        self.items += items
        allowed = REQUEST_FLOOR + REQUESTS_PER_ITEM * self.items
        if requests > allowed:
            where = f", the last page from {url}" if url else ""
            raise RunawayStreamError(
                f"{self.key}: stopped after {requests} requests for {self.items} items"
                f" (at most {allowed} allowed{where}): a paging loop; nothing after it was saved"
            )
