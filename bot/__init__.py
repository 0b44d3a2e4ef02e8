"""impactbot: finds orphaned cross-team work and makes fixing it a promotion story."""

__version__ = "0.1.0"
