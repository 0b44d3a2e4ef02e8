"""The duplicate detector's knobs: every weight and threshold, with the values it ships with.

The defaults were tuned on the Apache Jira duplicate benchmark (``benchmarks/dupes.py``),
using only queries filed before 2015; queries from 2015 on were held out.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DuplicateRules(BaseModel):
    """How issues are analysed, scored against each other, and when a pair is worth showing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    report_threshold: float = Field(
        default=0.35,
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
    k1: float = Field(default=1.2, gt=0, description="BM25F term-frequency saturation.")
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
        default=0.5,
        ge=0,
        description="How much being filed close in time raises a textually similar candidate.",
    )
    time_scale_days: float = Field(
        default=60.0, gt=0, description="Days over which the time-proximity bonus decays by e."
    )
    component_weight: float = Field(
        default=0.1,
        ge=0,
        description="How much sharing a component raises a textually similar candidate.",
    )
    score_scale: float = Field(
        default=1.0,
        gt=0,
        description="Calibration: the fused similarity is mapped to a score by 1 - exp(-x / s).",
    )
