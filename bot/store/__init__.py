"""The SQLite store: named append-only migrations and every query in one module (`db.py`)."""

from bot.store.db import Store, open_store

__all__ = ["Store", "open_store"]
