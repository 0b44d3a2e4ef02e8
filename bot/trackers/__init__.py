"""Tracker adapters: file imports, and one folder per tracker family whose connector runs on the
shared sync engine (``sync.py``)."""
