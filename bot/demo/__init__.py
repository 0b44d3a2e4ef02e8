"""The bundled demo organisation: a fake "Acme AI" with realistic tracker exports.

Shell code (seeded randomness, no clock: ``now`` is a parameter). The API lives in
``bot.demo.generator`` and is re-exported here lazily, so that
``python -m bot.demo.generator`` does not import the module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.demo.generator import (
        DEMO_SEED,
        JIRA_TIMEZONE,
        DemoFile,
        DemoOrg,
        generate_demo,
        write_demo,
    )

__all__ = ["DEMO_SEED", "JIRA_TIMEZONE", "DemoFile", "DemoOrg", "generate_demo", "write_demo"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot.demo import generator

        return getattr(generator, name)
    raise AttributeError(f"module 'bot.demo' has no attribute {name!r}")
