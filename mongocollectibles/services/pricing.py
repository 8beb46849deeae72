"""The owner's pricing rules, read from the database."""

from __future__ import annotations

from sqlmodel import Session

from mongocollectibles.domain.pricing import DEFAULT_RULES, PricingRules
from mongocollectibles.models import PricingSettings


def load_rules(session: Session) -> PricingRules:
    row = session.get(PricingSettings, 1)
    return DEFAULT_RULES if row is None else rules_of(row)


def rules_of(row: PricingSettings) -> PricingRules:
    return PricingRules(
        daily_rates_centavos={
            "S": row.rate_s_centavos,
            "M": row.rate_m_centavos,
            "L": row.rate_l_centavos,
        },
        special_threshold_days=row.special_threshold_days,
        special_multiplier_percent=row.special_multiplier_percent,
        turnaround_days=row.turnaround_days,
    )
