"""Growable storage for the index: per-term postings and per-document columns.

Appending is amortised O(1) (``array.array``); readers get numpy copies, so a later append
never meets a buffer that is still exported.
"""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class Postings:
    """The documents (slots, ascending) holding one term, with its count per field."""

    __slots__ = ("body", "slots", "title")

    def __init__(self) -> None:
        self.slots = array("i")
        self.title = array("f")
        self.body = array("f")

    def append(self, slot: int, title: int, body: int) -> None:
        self.slots.append(slot)
        self.title.append(title)
        self.body.append(body)

    def keep(self, alive: npt.NDArray[np.bool_], new_slot: Ints) -> bool:
        """Keep only entries of live slots, renumbered; False when none is left."""
        slots, title, body = self.read()
        live = alive[slots]
        self.slots = array("i", new_slot[slots[live]].astype(np.int32).tobytes())
        self.title = array("f", title[live].astype(np.float32).tobytes())
        self.body = array("f", body[live].astype(np.float32).tobytes())
        return bool(live.any())

    def read(self) -> tuple[Ints, Floats, Floats]:
        """Slots, title counts, body counts, as fresh numpy arrays."""
        return (
            np.array(self.slots, dtype=np.int64),
            np.array(self.title, dtype=np.float64),
            np.array(self.body, dtype=np.float64),
        )


class Column:
    """A growable float column, one value per document slot (codes and flags included)."""

    __slots__ = ("_size", "_values")

    def __init__(self) -> None:
        self._values: Floats = np.zeros(1024)
        self._size = 0

    def append(self, value: float) -> None:
        if self._size == len(self._values):
            grown = np.zeros(2 * len(self._values))
            grown[: self._size] = self._values
            self._values = grown
        self._values[self._size] = value
        self._size += 1

    def keep(self, alive: npt.NDArray[np.bool_]) -> None:
        """Keep only the values of live slots, in order."""
        kept = self.values[alive]
        self._values = np.zeros(max(1024, 2 * len(kept)))
        self._values[: len(kept)] = kept
        self._size = len(kept)

    def __setitem__(self, slot: int, value: float) -> None:
        self._values[slot] = value

    @property
    def values(self) -> Floats:
        """The filled part (a view: read it, do not keep it across appends)."""
        return self._values[: self._size]
