"""Reading a rules folder from disk into validated ``Rules``.

The YAML files are read here (I/O); validation is the pure ``bot.core.rules.parse_rules``.
Every problem — unreadable file, YAML syntax, schema, cross-reference — is reported at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.core.rules import RULE_FILES, RuleProblem, Rules, RulesInvalidError, parse_rules
from bot.errors import RulesError

REQUIRED_FILES = ("teams.yaml",)


def check_rules_dir(directory: Path) -> tuple[Rules | None, list[RuleProblem]]:
    """Validate ``directory``; returns the rules (None if invalid) and every problem."""
    if not directory.is_dir():
        return None, [RuleProblem(file=str(directory), path="", message="not a directory")]
    documents: dict[str, Any] = {}
    problems: list[RuleProblem] = []
    for name in RULE_FILES:
        data, problem = _read_yaml(directory / name, required=name in REQUIRED_FILES)
        if problem:
            problems.append(problem)
        elif data is not None:
            documents[name] = data
    try:
        rules = parse_rules(documents)
    except RulesInvalidError as exc:
        return None, problems + exc.problems
    return (None if problems else rules), problems


def rules_stamp(directory: Path) -> object:
    """What identifies a rules folder's current content: each file's mtime and size."""
    if not directory.is_dir():
        return None
    return tuple(
        (f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in sorted(directory.glob("*.yaml"))
    )


def load_rules(directory: Path) -> Rules:
    """The validated rules of ``directory``; raises ``RulesError`` listing every problem."""
    rules, problems = check_rules_dir(directory)
    if rules is None:
        raise RulesError([str(p) for p in problems])
    return rules


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (PyYAML keeps the
    last one silently: a second ``leadership:`` would quietly replace the first)."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            seen = first_line.get(key)
        except TypeError:  # an unhashable key: the safe constructor reports it below
            continue
        if seen is not None:
            problem = f"key {key!r} is given twice (first on line {seen})"
            raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
        first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_repeats,
)


def parse_yaml_text(name: str, text: str) -> tuple[Any, RuleProblem | None]:
    """Parse one YAML document, turning a syntax error or a key given twice in one mapping
    into a problem with its line."""
    try:
        return yaml.load(text, Loader=_StrictLoader), None  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        return None, RuleProblem(file=name, path=where, message=f"invalid YAML: {reason}")


def _read_yaml(path: Path, *, required: bool) -> tuple[Any, RuleProblem | None]:
    if not path.exists():
        if required:
            return None, RuleProblem(file=path.name, path="", message="file is missing")
        return None, None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, RuleProblem(file=path.name, path="", message=f"cannot read: {exc}")
    return parse_yaml_text(path.name, text)
