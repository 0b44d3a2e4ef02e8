"""Review-season exports of the credit ledger: per person, a ready-to-read impact brief."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

from bot.core.credit import CreditEntry
from bot.core.models import Issue
from bot.core.periods import Period

CSV_COLUMNS = (
    "person", "team", "issue", "title", "url", "role", "points", "benefiting_teams",
    "kind", "reason", "evidence", "at", "entry_id", "flag_notes",
)  # fmt: skip


def export_csv(
    lines: Sequence[tuple[int, CreditEntry]],
    issues: Mapping[str, Issue],
    *,
    notes: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """One row per ledger entry (reversals and voids included, so sums reconcile); the last
    column holds the notes of the flags on the entry's issue (``notes``: issue uid →
    "person: note"), joined by " | "."""
    notes = notes or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry_id, e in lines:
        issue = issues.get(e.issue_uid)
        writer.writerow([_cell(v) for v in (
            e.person_id, e.team_id or "", issue.key if issue else e.issue_uid,
            issue.title if issue else "", issue.url if issue and issue.url else "", e.role,
            f"{e.points:.2f}", " ".join(e.beneficiaries), e.kind.value, e.reason,
            " ".join(e.evidence), e.at.isoformat(), entry_id,
            " | ".join(notes.get(e.issue_uid, ())),
        )])  # fmt: skip
    return out.getvalue()


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula (``= + - @``,
    tab or carriage return) gets a leading quote. Issue titles are anyone's words."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_markdown(
    lines: Sequence[tuple[int, CreditEntry]],
    issues: Mapping[str, Issue],
    period: Period,
    *,
    notes: Mapping[str, Sequence[str]] | None = None,
    name_of: Callable[[str], str] = str,
) -> str:
    """Per person (headed by ``name_of`` their person id: teams.yaml's name): total, then
    each item with role, benefiting teams, link and evidence, and the notes of the flags on
    it (``notes``: issue uid → "person: note")."""
    by_person: dict[str, list[tuple[int, CreditEntry]]] = defaultdict(list)
    for line in lines:
        by_person[line[1].person_id].append(line)
    ranked = sorted(by_person.items(), key=lambda kv: (-sum(e.points for _, e in kv[1]), kv[0]))
    parts = [f"# Cross-team impact — {period.label}\n"]
    for person, entries in ranked:
        parts.append(_person_brief(name_of(person), entries, issues, notes or {}))
    if len(parts) == 1:
        parts.append("No credit was recorded in this period.\n")
    return "\n".join(parts)


def _person_brief(
    person: str,
    entries: Sequence[tuple[int, CreditEntry]],
    issues: Mapping[str, Issue],
    notes: Mapping[str, Sequence[str]],
) -> str:
    total = sum(e.points for _, e in entries)
    teams = sorted({t for _, e in entries for t in e.beneficiaries})
    lines = [
        f"## {_display(person)} — {total:.1f} points",
        f"Work that benefited {len(teams)} team(s): {', '.join(teams)}.",
        "",
    ]
    for entry_id, e in entries:
        issue = issues.get(e.issue_uid)
        title = (
            f"[{issue.key}]({issue.url}) {issue.title}"
            if issue and issue.url
            else (issue.key if issue else e.issue_uid)
        )
        sign = "" if e.points >= 0 else " (reversal)"
        lines.append(f"- **{e.role}**, {e.points:.1f} points{sign}: {title}")
        lines.append(f"  - benefiting teams: {', '.join(e.beneficiaries)}; {e.reason}")
        if e.evidence:
            lines.append(f"  - evidence: {', '.join(e.evidence)} (entry {entry_id})")
        lines += [f"  - flagged by {note}" for note in notes.get(e.issue_uid, ())]
    return "\n".join(lines) + "\n"


def _display(person: str) -> str:
    return "Former member" if person.startswith("former:") else person
