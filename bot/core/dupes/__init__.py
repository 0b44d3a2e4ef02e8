"""Near-duplicate issue detection, pure: analyse issues once, index them, query for duplicates.

``analyse`` turns an issue's text into a ``DupeDoc`` (storable with ``to_json``);
``DuplicateIndex`` holds a pool of them and answers ``query`` with scored ``Candidate``s;
``passage`` picks the bit of text that shows a person why two issues look alike.
"""

from bot.core.dupes.doc import DupeDoc, analyse
from bot.core.dupes.index import Candidate, DuplicateIndex
from bot.core.dupes.passage import passage
from bot.core.dupes.rules import DuplicateRules

__all__ = ["Candidate", "DupeDoc", "DuplicateIndex", "DuplicateRules", "analyse", "passage"]
