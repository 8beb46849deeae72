"""How prices are named and explained to customers, one wording everywhere: the
"short-rental rate, x2 under 7 days", and when renting up to the threshold costs less."""

from __future__ import annotations

from decimal import Decimal

from mongocollectibles.domain.pricing import format_php


def multiplier_text(multiplier_percent: int) -> str:
    """200 -> "x2", 150 -> "x1.5"."""
    value = Decimal(multiplier_percent) / 100
    return f"x{value.normalize():f}"


# The surcharge's one name. A booked rental's rate is named by it alone: the rule's figures
# may have changed since the booking, and its own daily rate is shown beside it.
SHORT_RATE = "short-rental rate"


def short_rate_name(threshold_days: int, multiplier_percent: int) -> str:
    """The surcharge under today's rule: "short-rental rate, x2 under 7 days"."""
    return f"{SHORT_RATE}, {multiplier_text(multiplier_percent)} under {threshold_days} days"


def threshold_saving(
    days: int, total_centavos: int, base_daily_centavos: int, threshold_days: int
) -> str:
    """ "7 days cost PHP 35,000.00, less than 6 days" when renting up to the threshold is
    cheaper than the shorter rental; else ""."""
    if days >= threshold_days:
        return ""
    at_threshold = base_daily_centavos * threshold_days
    if at_threshold > total_centavos:
        return ""
    verb = "cost less than" if at_threshold < total_centavos else "cost the same as"
    return (
        f"{threshold_days} days {verb} {days} day{'' if days == 1 else 's'}: "
        f"{format_php(at_threshold)} instead of {format_php(total_centavos)}."
    )
