"""Normalisation: markup, identifiers, logs and stack traces become sensible terms."""

from __future__ import annotations

from bot.core.dupes.text import clean, stem, terms


def _terms(text: str) -> list[str]:
    return [term for term, _ in terms(text)]


def test_markdown_markup_and_link_targets_are_dropped() -> None:
    found = _terms("## Crash\n**Bold** `code` [the guide](https://example.org/setup-guide)")
    assert found == ["crash", "bold", "code", "guid"]


def test_jira_wiki_markup_is_dropped_but_its_content_kept() -> None:
    text = "h2. Steps\n{code:java}\nclient.close();\n{code}\n{noformat}raw{noformat} [docs|http://x.io]"
    found = _terms(text)
    assert "client.close" in found and "raw" in found and "doc" in found
    assert not {"code", "noformat", "http", "x.io", "h2"} & set(found)


def test_dotted_and_camel_identifiers_keep_the_whole_and_the_parts() -> None:
    found = _terms("at org.apache.hadoop.hdfs.DFSClient.getBlockLocations(DFSClient.java:12)")
    assert "org.apache.hadoop.hdfs.dfsclient.getblocklocations" in found
    assert "dfsclient.getblocklocations" in found
    assert {"dfsclient", "getblocklocation", "block", "location", "hadoop"} <= set(found)


def test_exception_names_are_kept_whole_and_split() -> None:
    found = _terms("java.lang.NullPointerException: oops")
    assert {"nullpointerexception", "java.lang.nullpointerexception", "pointer"} <= set(found)


def test_log_noise_is_dropped() -> None:
    text = "2014-07-08 13:28:47,123 blk_1073741825 0x7f3a2b deadbeef42 container_1404198295326_01"
    assert _terms(text) == ["blk", "container"]


def test_surface_forms_are_kept_as_written() -> None:
    assert ("nullpointerexception", "NullPointerException") in terms("NullPointerException")


def test_stemmer_joins_inflections() -> None:
    assert stem("fails") == stem("failed") == stem("failing") == stem("fail")
    assert stem("create") == stem("created") == stem("creating") == stem("creates")
    assert stem("queries") == stem("query")
    assert stem("class") == "class"


def test_stop_words_are_dropped() -> None:
    assert _terms("the file is not in the directory") == ["file", "directory"]


def test_clean_keeps_words() -> None:
    assert clean("h1. Title").split() == ["Title"]
