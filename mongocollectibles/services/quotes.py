"""Live quote: price, special-rate flag, stock and ETA, without reserving anything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from mongocollectibles.domain.pricing import parse_duration, price_rental
from mongocollectibles.services.catalog import get_collectible
from mongocollectibles.services.pricing import load_rules
from mongocollectibles.settings import get_settings


@dataclass(frozen=True)
class Quote:
    collectible_id: str
    collectible_name: str
    size: str
    store_id: str
    duration_days: int
    daily_rate_centavos: int
    total_centavos: int
    is_special_rate: bool
    stock: int
    eta_days: int | None

    @property
    def available(self) -> bool:
        return self.stock > 0 and self.eta_days is not None


def quote(session: Session, collectible_id: str, store_id: str, duration: object) -> Quote:
    days = parse_duration(duration, get_settings().max_duration_days)
    item = get_collectible(session, collectible_id, store_id)
    price = price_rental(load_rules(session), item.size, days)
    return Quote(
        collectible_id=item.id,
        collectible_name=item.name,
        size=item.size,
        store_id=store_id,
        duration_days=days,
        daily_rate_centavos=price.daily_rate_centavos,
        total_centavos=price.total_centavos,
        is_special_rate=price.is_special_rate,
        stock=item.stock,
        eta_days=item.eta_days,
    )
