"""Tracker adapters: file imports now; live API connectors share the sync engine later."""
