"""Live quote: price, special-rate flag, stock and ETA, without reserving anything.

Priced from the catalog snapshot (services/catalog_snapshot.py), so a quote costs no query
while the snapshot is fresh; the checkout prices through `quote` too, so both agree to the
centavo. The duration is parsed once, at the edge (`parse_days`), and passed on as an int.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from mongocollectibles.domain.pricing import parse_duration, price_rental
from mongocollectibles.services import catalog_snapshot
from mongocollectibles.services.unit_of_work import UnitOfWork, default_uow
from mongocollectibles.settings import get_settings


@dataclass(frozen=True)
class Quote:
    collectible_id: str
    collectible_name: str
    image_url: str
    size: str
    store_id: str
    duration_days: int
    daily_rate_centavos: int  # what this rental pays per day
    base_daily_rate_centavos: int  # the size's rate without the special rate
    total_centavos: int
    is_special_rate: bool
    stock: int
    eta_days: int | None
    available: bool  # domain.allocation.is_available for the store
    # The rule behind `is_special_rate`, for the text that explains it.
    special_threshold_days: int
    special_multiplier_percent: int


def parse_days(duration: object) -> int:
    return parse_duration(duration, get_settings().max_duration_days)


def quote_from(
    snapshot: catalog_snapshot.Snapshot, collectible_id: str, store_id: str, days: int
) -> Quote:
    """The quote for an already parsed duration (`parse_days`) from a catalog snapshot."""
    item = snapshot.view(collectible_id, store_id)
    price = price_rental(snapshot.rules, item.size, days)
    return Quote(
        collectible_id=item.id,
        collectible_name=item.name,
        image_url=item.image_url,
        size=item.size,
        store_id=store_id,
        duration_days=days,
        daily_rate_centavos=price.daily_rate_centavos,
        base_daily_rate_centavos=item.daily_rate_centavos,
        total_centavos=price.total_centavos,
        is_special_rate=price.is_special_rate,
        stock=item.stock,
        eta_days=item.eta_days,
        available=item.available,
        special_threshold_days=snapshot.rules.special_threshold_days,
        special_multiplier_percent=snapshot.rules.special_multiplier_percent,
    )


def quote(session: Session, collectible_id: str, store_id: str, days: int) -> Quote:
    """The quote in the caller's transaction (checkout prices through this)."""
    return quote_from(catalog_snapshot.snapshot(session), collectible_id, store_id, days)


async def get_quote(
    collectible_id: str, store_id: str, duration: object, *, uow: UnitOfWork | None = None
) -> Quote:
    """A live quote; a bad duration is refused before anything is read."""
    days = parse_days(duration)
    snapshot = await catalog_snapshot.current_snapshot((uow or default_uow()).engine)
    return quote_from(snapshot, collectible_id, store_id, days)
