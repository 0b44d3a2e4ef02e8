"""What a newcomer reads first is true: the README's and .env.example's wording, their links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.rules import RULE_FILES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "rules/README.md", "CHANGELOG.md")
# A markdown link's target, or a path in backticks that climbs out of the folder to a file.
_LINK = re.compile(r"\]\(([^)\s]+)\)|`(\.\./[^`\s]+\.[a-z]+)`")


def _targets(doc: str) -> list[str]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [next(g for g in m.groups() if g) for m in _LINK.finditer(text)]


@pytest.mark.parametrize("doc", DOCS)
def test_links_stay_in_the_repository(doc: str) -> None:
    """A clone has only the repository: a relative link must name a file inside it."""
    for target in _targets(doc):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address or an anchor
        path = (ROOT / doc).parent / target.split("#")[0]
        assert path.resolve().is_relative_to(ROOT), f"{doc} links outside the repository: {target}"
        assert path.exists(), f"{doc} links to a missing file: {target}"


def test_the_intro_describes_this_release() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Later releases" not in text
    assert "surfaces orphans weekly in Slack" in text


def test_the_funnel_counts_claims() -> None:
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines() if "impactbot funnel" in line
    )
    assert "stays 0" not in row and "claimed" in row


def test_every_rules_file_is_named_where_the_rules_folder_is() -> None:
    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    comment = env.split("IMPACTBOT_RULES=")[0].rsplit("\n\n", 1)[1]
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| `IMPACTBOT_RULES`")
    )  # fmt: skip
    for name in RULE_FILES:
        assert name in comment, f".env.example's IMPACTBOT_RULES does not name {name}"
        assert name in row, f"README's IMPACTBOT_RULES row does not name {name}"


@pytest.mark.parametrize(
    "token", ["GITHUB_TOKEN", "JIRA_API_TOKEN", "LINEAR_API_KEY", "GITLAB_TOKEN"]
)
def test_token_advice_says_claims_write(token: str) -> None:
    """Claims are written back to the tracker: advice that asks only for read access is wrong."""
    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    section = env.split(f"\n{token}=")[0].rsplit("# ---", 1)[1]
    assert "claim" in section, f".env.example's advice for {token} does not mention claims"
    row = next(
        line for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("| `") and token in line.split("|")[1]
    )  # fmt: skip
    assert "claim" in row, f"README's {token} row does not mention claims"
