"""The SQLite store: ``db.py`` (connection, transactions, named append-only migrations) and
one repository module per aggregate (issues, scores, people, ledger, digests, claims, audit,
duplicates, events)."""

from bot.store.db import Store, open_store

__all__ = ["Store", "open_store"]
