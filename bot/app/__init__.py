"""The use cases, one module per capability: every entry point (CLI, scheduler, Slack
listeners) calls these and nothing below them."""
