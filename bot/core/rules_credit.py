"""The schema of ``rules/credit.yaml``: the credit roles' shares, caps and anti-gaming."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.core.rules_base import RuleModel


def _default_role_shares() -> dict[str, float]:
    return {"resolver": 0.5, "reviewer": 0.15, "flagger": 0.15, "sponsor": 0.1, "reporter": 0.1}


class Caps(RuleModel):
    per_person_per_period: float = Field(default=300.0, gt=0)
    period_days: int = Field(default=90, ge=1)


class AntiGaming(RuleModel):
    ignore_bots: bool = True
    no_credit_for_own_team_flags: bool = True
    min_benefiting_teams: int = Field(default=2, ge=1)
    require_manager_confirmation: bool = False


class CreditRules(RuleModel):
    roles: dict[str, float] = Field(default_factory=_default_role_shares)
    flagger_decay: float = Field(default=0.5, gt=0, le=1)
    caps: Caps = Caps()
    anti_gaming: AntiGaming = AntiGaming()

    @field_validator("roles")
    @classmethod
    def _shares_sum_to_one(cls, roles: dict[str, float]) -> dict[str, float]:
        known = set(_default_role_shares())
        for role, share in roles.items():
            if role not in known:
                raise ValueError(f"unknown role {role!r} (known: {', '.join(sorted(known))})")
            if share < 0:
                raise ValueError(f"share of {role!r} must not be negative")
        if roles and abs(sum(roles.values()) - 1.0) > 1e-6:
            raise ValueError(f"role shares must sum to 1.0, got {sum(roles.values()):g}")
        return roles
