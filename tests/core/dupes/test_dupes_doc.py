"""analyse: deterministic, storable (exact JSON round trip), strict about bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.core.dupes import DupeDoc, DuplicateRules, analyse

RULES = DuplicateRules()
WHEN = datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _doc(**changes: object) -> DupeDoc:
    fields: dict[str, object] = {
        "title": "NameNode crashes on concat",
        "body": "Stack:\n at org.apache.Foo.bar(Foo.java:1)\nNullPointerException",
        "container": "HDFS",
        "created_at": WHEN,
        "components": ["namenode", " HDFS-client "],
    }
    fields.update(changes)
    return analyse("HDFS-1", rules=RULES, **fields)  # type: ignore[arg-type]


def test_round_trip_is_exact() -> None:
    doc = _doc(created_at=datetime(2024, 3, 1, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=5))))
    assert DupeDoc.from_json(doc.to_json()) == doc
    assert DupeDoc.from_json(doc.to_json()).created_at.utcoffset() == timedelta(hours=5)


def test_analysis_counts_fields_and_components() -> None:
    doc = _doc()
    assert dict(doc.title_terms)["namenod"] == 1
    assert dict(doc.title_terms)["namenod crash"] == 1  # a title bigram
    assert dict(doc.body_terms)["nullpointerexception"] == 1
    assert doc.components == ("hdfs-client", "namenode")
    assert dict(doc.surfaces)["nullpointerexception"] == "NullPointerException"


def test_bigrams_can_be_switched_off() -> None:
    doc = analyse(
        "X-1",
        title="NameNode crashes",
        body="",
        container="X",
        created_at=WHEN,
        rules=DuplicateRules(title_bigrams=False),
    )
    assert all(" " not in term for term, _ in doc.title_terms)


def test_empty_text_gives_an_empty_document() -> None:
    doc = _doc(title="", body="")
    assert doc.title_terms == () and doc.body_terms == () and doc.title_length == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"created_at": datetime(2024, 1, 1)}, "timezone-aware"),  # noqa: DTZ001
        ({"container": ""}, "non-empty uid and container"),
    ],
)
def test_bad_input_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _doc(**changes)


def test_empty_uid_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty uid"):
        analyse("", title="t", body="", container="X", created_at=WHEN, rules=RULES)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"format": 99}',
        '{"format": 1, "uid": "x"}',
        _doc()
        .to_json()
        .replace('"created_at":"2024-03-01T12:30:15.123456+00:00"', '"created_at":"2024-03-01"'),
        _doc().to_json().replace('["namenod",1]', '["namenod",0]'),
    ],
)
def test_bad_stored_json_gets_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError):
        DupeDoc.from_json(text)


def test_rules_refuse_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ValueError, match="extra"):
        DuplicateRules(titel_weight=2)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="report_threshold"):
        DuplicateRules(report_threshold=1.5)
