"""The command line's half of the shared questions: click options built from
:data:`bot.core.questions.QUESTIONS`, so ``credit --period``, ``--team``, ``--person`` and
``orphans --limit`` take the same words, defaults and help as ``/impact``, and a bad option
name or value gets the same sentence on both surfaces.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from bot.cli.setup import ImpactbotCommand
from bot.core.periods import Period
from bot.core.questions import QUESTIONS, OptionError, Question, check_option, unknown_option

F = TypeVar("F", bound=Callable[..., Any])


class BadOptionValue(click.ClickException):
    """A value the definition refuses: one ``error:`` line and exit 1, like every other
    error the user can fix."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class QuestionCommand(ImpactbotCommand):
    """A click command for a shared question: an unknown option is refused in the words
    ``/impact`` uses (:func:`~bot.core.questions.unknown_option`)."""

    question: Question

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            extra = [
                f
                for p in self.params
                if isinstance(p, click.Option)
                for f in p.opts
                if f not in {o.flag for o in self.question.options}
            ]
            message = unknown_option(self.question, exc.option_name, extra)
            raise click.UsageError(message, ctx) from None


def question_options(name: str) -> Callable[[F], F]:
    """Decorate a click command with question ``name``'s options, in definition order."""
    question = QUESTIONS[name]

    def decorate(fn: F) -> F:
        for option in reversed(question.options):
            fn = click.option(
                option.flag,
                metavar=option.metavar,
                default=option.default,
                show_default=option.default is not None,
                help=option.help[:1].upper() + option.help[1:] + ".",
                callback=_checker(question),
            )(fn)
        return fn

    return decorate


def question_command(name: str) -> Callable[[F], click.Command]:
    """The ``impactbot`` command for shared question ``name``, with its options."""

    def decorate(fn: F) -> click.Command:
        command = click.command(name, cls=QuestionCommand)(question_options(name)(fn))
        assert isinstance(command, QuestionCommand)
        command.question = QUESTIONS[name]
        return command

    return decorate


def _checker(question: Question) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback that checks the option's text with the definition, keeping the text:
    the services read it again with their own clock (periods end at their ``now``)."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or param.name is None:
            return value
        flag = "--" + param.name
        try:
            checked = check_option(question, flag, str(value), datetime.now(UTC), UTC)
        except OptionError as exc:
            raise BadOptionValue(str(exc)) from None
        return value if isinstance(checked, Period) else checked

    return check
