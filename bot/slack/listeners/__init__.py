"""Slack listeners by kind; each module has ``register(app, services)``."""
