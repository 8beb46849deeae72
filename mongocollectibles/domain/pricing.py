"""Pricing rules: base daily rate per size, a special rate for short rentals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mongocollectibles.domain.errors import InvalidInput

SIZES = ("S", "M", "L")
SIZE_LABELS = {"S": "Small", "M": "Medium", "L": "Large"}


@dataclass(frozen=True)
class PricingRules:
    daily_rates_centavos: dict[str, int]  # base rate per size
    special_threshold_days: int = 7  # rentals shorter than this pay the special rate
    special_multiplier_percent: int = 200  # 200 = daily rate x 2
    turnaround_days: int = 1  # a returned unit rests this long before going out again


DEFAULT_RULES = PricingRules({"S": 100_000, "M": 500_000, "L": 1_000_000})


@dataclass(frozen=True)
class Price:
    daily_rate_centavos: int
    total_centavos: int
    is_special_rate: bool


def price_rental(rules: PricingRules, size: str, days: int) -> Price:
    """Total = daily rate x days; short rentals pay the base rate x the multiplier."""
    if size not in rules.daily_rates_centavos:
        raise InvalidInput(f"Unknown size {size!r}.", field="size")
    base = rules.daily_rates_centavos[size]
    special = days < rules.special_threshold_days
    daily = base
    if special:
        scaled = Decimal(base) * rules.special_multiplier_percent / 100
        daily = int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Price(daily_rate_centavos=daily, total_centavos=daily * days, is_special_rate=special)


def parse_duration(value: object, max_days: int) -> int:
    """A whole number of days in [1, max_days]; anything else is refused with a clear message."""
    if value is None or value == "":
        raise InvalidInput("Duration is required (a whole number of days).", field="duration")
    if isinstance(value, bool):
        raise InvalidInput("Duration must be a whole number of days.", field="duration")
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput(
                "Duration must be a whole number of days, not a fraction.", field="duration"
            )
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.removeprefix("-").isdigit()):  # "--3", "²": not int()
            raise InvalidInput("Duration must be a whole number of days.", field="duration")
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput("Duration must be a whole number of days.", field="duration")
    if value < 1:
        raise InvalidInput("Duration must be at least 1 day.", field="duration")
    if value > max_days:
        raise InvalidInput(f"Duration can be at most {max_days} days.", field="duration")
    return value


def format_php(centavos: int) -> str:
    """Human text for an amount: 3000000 -> 'PHP 30,000.00'."""
    sign = "-" if centavos < 0 else ""
    pesos, cents = divmod(abs(centavos), 100)
    return f"{sign}PHP {pesos:,}.{cents:02d}"


def pesos(centavos: int) -> int | Decimal:
    """Pesos for the JSON API: an int when whole (as the earlier system sent), else a Decimal."""
    if centavos % 100 == 0:
        return centavos // 100
    return Decimal(centavos) / 100


CURRENCY = "PHP"


def payment_settles(total_centavos: int, paid_centavos: int | None, currency: str | None) -> bool:
    """A payment pays a rental only when it is exactly its total, in pesos (an unknown amount
    does not)."""
    return paid_centavos == total_centavos and (currency or "").upper() == CURRENCY
