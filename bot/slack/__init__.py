"""The Slack surface: listeners over the services, and pure Block Kit builders.

Nothing happens at import time: the Bolt app is built by a factory in an entry point. The
builders in :mod:`bot.slack.blocks` are pure functions from results to JSON-ready dicts.
"""
