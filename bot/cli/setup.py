"""What every ``impactbot`` command does before its own work, in one place.

Settings are read when a command runs, not when the group parses its options, so ``--help``
works whatever the environment says, and a bad setting is one ``error:`` line naming it and
the values it takes. Then the database's location is checked: only the commands that write
(``CREATES_STORE``) may create the database; any other command that uses it refuses to run
without one and says which command creates it. Commands in ``NO_STORE`` never open it
(``doctor`` reports on it as one of its checks).

Every command module declares its commands with ``command`` / ``group`` below, so each is an
``ImpactbotCommand`` (or an ``ImpactbotGroup`` whose commands are) and a new command follows
these rules without anyone remembering to. The services come from ``bot.wiring``, the
composition root, once per run.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click
from rich.console import Console

from bot import wiring
from bot.app.install_checks import check_database
from bot.app.services import Services
from bot.errors import ImpactbotError

F = TypeVar("F", bound=Callable[..., Any])

CREATES_STORE = frozenset({"import", "sync", "demo", "serve", "score"})
NO_STORE = frozenset({"manifest", "rules check", "doctor"})
CREATORS = "`impactbot import FILE` or `impactbot sync`"


@dataclass
class Setup:
    """The root context's object: the global options, and the services once built."""

    overrides: dict[str, Any]
    built: Services | None = field(default=None)

    def services(self) -> Services:
        if self.built is None:
            self.built = wiring.services(**self.overrides)
        return self.built


def command_name(ctx: click.Context) -> str:
    """The command's name below the root group: ``"orphans"``, ``"people forget"``."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def prepare(ctx: click.Context) -> Services:
    """The services for the running command, after the settings and the database location
    are checked; raises ``ImpactbotError`` saying what is wrong."""
    setup = ctx.find_root().obj
    assert isinstance(setup, Setup)
    services = setup.services()
    name = command_name(ctx)
    if name not in NO_STORE:
        check_database(
            services.settings.db_path, may_create=name in CREATES_STORE, creators=CREATORS
        )
    return services


class ImpactbotCommand(click.Command):
    """A command that runs ``prepare`` first; its errors end the command with one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            prepare(ctx)
        except ImpactbotError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        return super().invoke(ctx)


class ImpactbotGroup(click.Group):
    """The ``impactbot`` group: its commands are ``ImpactbotCommand``s, its subgroups too."""

    command_class = ImpactbotCommand
    group_class = type


def command(name: str | None = None) -> Callable[[F], click.Command]:
    """``click.command`` for an ``impactbot`` command: ``prepare`` runs first."""
    return click.command(name, cls=ImpactbotCommand)


def group(name: str | None = None) -> Callable[[F], click.Group]:
    """``click.group`` for a group of ``impactbot`` commands (``people``, ``rules``)."""
    return click.group(name, cls=ImpactbotGroup)


def services_of(ctx: click.Context) -> Services:
    """The running command's services (built once per run, by ``bot.wiring``)."""
    setup = ctx.find_root().obj
    assert isinstance(setup, Setup)
    return setup.services()


def console() -> Console:
    """Standard output, without rich's guesses at highlighting."""
    return Console(highlight=False)


def reports_errors(fn: F) -> F:
    """Turn ``ImpactbotError`` into a one-line message on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImpactbotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]
