"""The schema of ``rules/scoring.yaml``: signal weights, benefit strengths, label signals,
cost of delay, effort, and the orphan reasons' weights. The defaults suit an organisation that
has never tuned them."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.core.models import BenefitKind, OrphanReason
from bot.core.rules_base import RuleModel


class Weights(RuleModel):
    reach_per_team: float = Field(default=12.0, ge=0)
    owner_benefit: float = Field(default=3.0, ge=0)
    incentive_gap: float = Field(default=0.5, ge=0)
    reactions: float = Field(default=2.0, ge=0)
    reactions_cap: float = Field(default=10.0, ge=0)
    commenter: float = Field(default=1.0, ge=0)
    commenters_cap: float = Field(default=6.0, ge=0)


def _default_benefit_strength() -> dict[BenefitKind, float]:
    return {
        BenefitKind.REPORTED: 1.0,
        BenefitKind.LINK: 1.0,
        BenefitKind.DUPLICATE: 1.0,
        BenefitKind.FLAG: 1.0,
        BenefitKind.LABEL: 0.6,
        BenefitKind.COMPONENT: 0.6,
        BenefitKind.COMMENT: 0.5,
    }


class CostOfDelay(RuleModel):
    per_month: float = Field(default=0.08, ge=0)
    max_multiplier: float = Field(default=0.6, ge=0)


class Effort(RuleModel):
    default: float = Field(default=3.0, gt=0)
    exponent: float = Field(default=0.35, ge=0, le=1)
    labels: dict[str, float] = Field(
        default_factory=lambda: {
            "size/XS": 1.0,
            "size/S": 2.0,
            "size/M": 3.0,
            "size/L": 5.0,
            "size/XL": 8.0,
        }
    )
    use_story_points: bool = True

    @field_validator("labels")
    @classmethod
    def _positive_sizes(cls, labels: dict[str, float]) -> dict[str, float]:
        for label, size in labels.items():
            if size <= 0:
                raise ValueError(f"size of {label!r} must be positive, got {size}")
        return labels


def _default_orphan_reason_weights() -> dict[OrphanReason, float]:
    return {
        OrphanReason.UNASSIGNED: 0.4,
        OrphanReason.IDLE: 0.3,
        OrphanReason.BOUNCED: 0.2,
        OrphanReason.AMBIGUOUS_OWNER: 0.2,
        OrphanReason.NO_OWNER: 0.4,
        OrphanReason.OWNER_NOT_BENEFICIARY: 0.3,
    }


class Orphans(RuleModel):
    idle_days: int = Field(default=45, ge=1)
    bounce_count: int = Field(default=2, ge=1)
    reasons: dict[OrphanReason, float] = Field(default_factory=_default_orphan_reason_weights)
    min_factor: float = Field(default=0.3, ge=0, le=1)


class ScoringRules(RuleModel):
    surfacing_threshold: float = Field(default=40.0, ge=0)
    weights: Weights = Weights()
    benefit_strength: dict[BenefitKind, float] = Field(default_factory=_default_benefit_strength)
    label_signals: dict[str, float] = Field(
        default_factory=lambda: {
            "taxonomy": 8.0,
            "data-quality": 6.0,
            "shared-infra": 6.0,
            "tech-debt": 2.0,
        }
    )
    cost_of_delay: CostOfDelay = CostOfDelay()
    effort: Effort = Effort()
    orphans: Orphans = Orphans()
