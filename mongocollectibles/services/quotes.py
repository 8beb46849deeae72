"""Live quote: price, special-rate flag, stock and ETA, without reserving anything.

Priced from the catalog snapshot (services/catalog.py), so a quote costs no query while the
snapshot is fresh; the checkout prices through `quote` too, so both agree to the centavo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from mongocollectibles.domain.pricing import parse_duration, price_rental
from mongocollectibles.services import catalog
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


def parse_days(duration: object) -> int:
    return parse_duration(duration, get_settings().max_duration_days)


def quote_from(snapshot: catalog.Snapshot, collectible_id: str, store_id: str, days: int) -> Quote:
    """The quote for an already parsed duration (`parse_days`) from a catalog snapshot."""
    item = snapshot.view(collectible_id, store_id)
    price = price_rental(snapshot.rules, item.size, days)
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


def quote(session: Session, collectible_id: str, store_id: str, duration: object) -> Quote:
    days = parse_days(duration)  # a bad duration is refused before anything is read
    return quote_from(catalog.snapshot(session), collectible_id, store_id, days)
