"""Fixtures of the Linear connector tests (see ``harness``)."""

from tests.trackers.linear.harness import fake, harness

__all__ = ["fake", "harness"]
