"""Docs are tested: every CLI command in the README, every rules key in rules/README.md,
every setting in .env.example."""

from __future__ import annotations

import re
import typing
from enum import Enum
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from bot.cli.main import main
from bot.config import env_names
from bot.core.rules import RULE_FILES

ROOT = Path(__file__).resolve().parents[2]


def _commands(group: click.Group, prefix: str = "impactbot") -> list[str]:
    out = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out += _commands(command, full)
        else:
            out.append(full)
    return out


def _rule_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every documented path of a rules model: nested models, list items as ``[]``, and the
    keys of enum-keyed maps."""
    keys = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys.append(path)
        keys += _nested_keys(field.annotation, path)
    return keys


def _nested_keys(annotation: object, path: str) -> list[str]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _rule_keys(annotation, f"{path}.")
    if origin is tuple and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return _rule_keys(args[0], f"{path}[].")
    if origin is dict and isinstance(args[0], type) and issubclass(args[0], Enum):
        return [f"{path}.{member.value}" for member in args[0]]
    return []


@pytest.mark.parametrize("command", _commands(main))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert command in (ROOT / "README.md").read_text(), f"README lacks {command!r}"


@pytest.mark.parametrize("command", _commands(main))
def test_every_cli_command_has_help(command: str) -> None:
    group: click.Command = main
    for part in command.split()[1:]:
        assert isinstance(group, click.Group)
        group = group.commands[part]
    assert group.help and len(group.help) > 20


@pytest.mark.parametrize("key", [k for model in RULE_FILES.values() for k in _rule_keys(model)])
def test_every_rules_key_is_documented(key: str) -> None:
    assert f"`{key}`" in (ROOT / "rules" / "README.md").read_text()


def test_credit_roles_are_documented() -> None:
    from bot.core.rules_credit import CreditRules

    text = (ROOT / "rules" / "README.md").read_text()
    assert all(f"`roles.{role}`" in text for role in CreditRules().roles)


@pytest.mark.parametrize("name", env_names())
def test_every_setting_is_in_env_example(name: str) -> None:
    assert re.search(rf"^{name}=", (ROOT / ".env.example").read_text(), re.MULTILINE)


def test_env_example_has_no_unknown_settings() -> None:
    documented = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    assert set(documented) <= set(env_names())


def test_readme_has_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    assert "make run" in text and "make test" in text
