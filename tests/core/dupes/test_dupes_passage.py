"""passage: the short stretch that shows the matched words."""

from __future__ import annotations

import pytest

from bot.core.dupes import passage

FILLER = "lorem ipsum " * 40
TEXT = FILLER + "The NameNode crashes with NullPointerException in concat.\n" + FILLER


def test_the_window_holds_the_matched_words() -> None:
    shown = passage(TEXT, ["nullpointerexception", "NameNode", "concat"], width=100)
    assert "NameNode crashes with NullPointerException in concat." in shown
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) <= 102


def test_short_text_is_returned_whole_with_whitespace_collapsed() -> None:
    assert passage("a  short\n\ntext", ["short"]) == "a short text"


def test_without_a_match_it_is_the_start() -> None:
    shown = passage(TEXT, ["absent"], width=40)
    assert shown.startswith("lorem ipsum") and shown.endswith("…")


def test_too_narrow_is_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        passage(TEXT, ["concat"], width=5)
