"""Live quote: price, special-rate flag, stock, pickup and return dates and ETA, without
reserving anything.

Priced from the catalog snapshot (services/catalog_snapshot.py), so a quote costs no query
while the snapshot is fresh; the checkout prices through `quote` too, so both agree to the
centavo. The duration is parsed once, at the edge (`parse_days`), and passed on as an int.

Dates (services/reservations.py) need a few indexed reads; their answer is kept in the
snapshot's memo, so it lives exactly as long as the stock it agrees with (a booking or a
release in this process, or CACHE_SECONDS, starts a new snapshot).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session

from mongocollectibles.domain.pricing import parse_duration, price_rental
from mongocollectibles.domain.reservations import parse_pickup_date, shop_today
from mongocollectibles.services import catalog_snapshot, reservations
from mongocollectibles.services.unit_of_work import UnitOfWork
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
    # Dates (None until `with_dates`): the pickup the quote is for (the one asked for, or the
    # earliest possible) and its return date; the bookable range; when the chosen date cannot
    # be served, the nearest date that can and other stores that could.
    pickup_date: date | None = None
    return_date: date | None = None
    earliest_pickup_date: date | None = None
    latest_pickup_date: date | None = None
    nearest_pickup_date: date | None = None
    alternatives: tuple[reservations.Alternative, ...] = ()


MEMO_LIMIT = 4096


def with_dates(q: Quote, plan: reservations.DatePlan) -> Quote:
    """The quote for a date plan: ETA and "available" are the plan's (pickup - today)."""
    return replace(
        q,
        eta_days=plan.eta_days,
        available=plan.available,
        pickup_date=plan.pickup_date,
        return_date=plan.return_date,
        earliest_pickup_date=plan.earliest_pickup_date,
        latest_pickup_date=plan.latest_pickup_date,
        nearest_pickup_date=plan.nearest_pickup_date,
        alternatives=plan.alternatives,
    )


async def dated_quote(
    snapshot: catalog_snapshot.Snapshot,
    collectible_id: str,
    store_id: str,
    days: int,
    pickup: date | None,
    uow: UnitOfWork,
) -> Quote:
    """The priced quote (from the snapshot; NotFound for unknown ids) with its dates."""
    priced = quote_from(snapshot, collectible_id, store_id, days)
    key = (collectible_id, store_id, days, pickup, shop_today())
    memo = snapshot.memo.setdefault("quote-dates", {})
    plan = memo.get(key)
    if plan is None:
        plan = await uow.run(
            reservations.date_plan, collectible_id, store_id, days, pickup, key[-1]
        )
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = plan
    return with_dates(priced, plan)


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
    collectible_id: str,
    store_id: str,
    duration: object,
    pickup_date: object = None,
    *,
    uow: UnitOfWork,
) -> Quote:
    """A live quote with dates (the earliest possible pickup when none is given); a bad
    duration or date is refused before anything is read."""
    days = parse_days(duration)
    pickup = parse_pickup_date(pickup_date)
    snapshot = await catalog_snapshot.current_snapshot(uow.engine)
    return await dated_quote(snapshot, collectible_id, store_id, days, pickup, uow)


async def get_price(
    collectible_id: str, store_id: str, duration: object, *, uow: UnitOfWork
) -> Quote:
    """A live quote's price alone (rates, total, special rate) from the catalog snapshot: no
    query; its dates, ETA and availability are those of the stock today, not of a pickup date
    (`get_quote` has those). A bad duration or unknown id is refused as `get_quote` does."""
    days = parse_days(duration)
    snapshot = await catalog_snapshot.current_snapshot(uow.engine)
    return quote_from(snapshot, collectible_id, store_id, days)
