"""The duplicate detector's knobs: every weight and threshold, with the values it ships with.

The defaults were tuned on the Apache Jira duplicate benchmark (``benchmarks/dupes.py``),
using only queries filed before 2015; queries from 2015 on were held out. Tuned there:
``k1``, ``time_weight``, ``time_scale_days``, ``title_overlap_weight`` (the rest were tried
and kept). ``report_threshold`` 0.65 with ``score_scale`` 0.5: on those queries about 85% of
the top candidates at or above it were the real duplicate, and about 6% of other new
reports got one (many of which look like unlinked duplicates).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DuplicateRules(BaseModel):
    """How issues are analysed, scored against each other, and when a pair is worth showing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    report_threshold: float = Field(
        default=0.65,
        ge=0,
        le=1,
        description="A candidate whose score is at or above this is shown to people.",
    )
    top_k: int = Field(default=10, ge=1, le=1000, description="Candidates returned by default.")
    title_weight: float = Field(
        default=3.0, gt=0, description="BM25F weight of a term occurrence in the title."
    )
    body_weight: float = Field(
        default=1.0, gt=0, description="BM25F weight of a term occurrence in the body."
    )
    k1: float = Field(default=1.6, gt=0, description="BM25F term-frequency saturation.")
    title_b: float = Field(
        default=0.5, ge=0, le=1, description="Length normalisation of the title field."
    )
    body_b: float = Field(
        default=0.75, ge=0, le=1, description="Length normalisation of the body field."
    )
    query_k3: float = Field(
        default=1.0,
        ge=0,
        description="Saturation of the query's own term frequency (0 = each term counts once).",
    )
    max_query_terms: int = Field(
        default=40,
        ge=1,
        description="Only the query's heaviest terms (by IDF and frequency) are looked up.",
    )
    title_bigrams: bool = Field(
        default=True, description="Adjacent title words also count as one two-word term."
    )
    max_body_chars: int = Field(
        default=20_000,
        ge=0,
        description="Only the start of a very long body (pasted logs) is analysed.",
    )
    time_weight: float = Field(
        default=1.0,
        ge=0,
        description="How much being filed close in time raises a textually similar candidate.",
    )
    time_scale_days: float = Field(
        default=90.0, gt=0, description="Days over which the time-proximity bonus decays by e."
    )
    time_decay: Literal["exponential", "hyperbolic"] = Field(
        default="exponential",
        description="Shape of the time-proximity bonus: exp(-d/s) or 1/(1 + d/s) for d days.",
    )
    title_overlap_weight: float = Field(
        default=0.15,
        ge=0,
        description="Weight of the share of the query's title (by IDF) found in a candidate's "
        "title, beside the BM25F similarity.",
    )
    component_weight: float = Field(
        default=0.1,
        ge=0,
        description="How much sharing a component raises a textually similar candidate.",
    )
    score_scale: float = Field(
        default=0.5,
        gt=0,
        description="Calibration: the fused similarity is mapped to a score by 1 - exp(-x / s).",
    )
