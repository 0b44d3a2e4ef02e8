"""The base of every rules model: an unknown key is an error, a loaded value is frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RuleModel(BaseModel):
    """A part of a rules file: ``extra="forbid"`` so that a typo is an error rather than a
    silently ignored setting; frozen, so that loaded rules are values."""

    model_config = ConfigDict(extra="forbid", frozen=True)
