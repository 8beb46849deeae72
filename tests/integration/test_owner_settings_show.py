"""The owner's settings show where customers look: prices set in the database drive quotes and
checkouts; an inactive unit, warehouse or store is never offered. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mongocollectibles.domain.errors import Conflict, InvalidInput, NetworkInvalid
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import PricingSettings, Store, Unit, Warehouse
from mongocollectibles.services import catalog, catalog_snapshot, checkout, quotes
from mongocollectibles.services.network import check_network
from tests.support.fakes import FakeGateway
from tests.support.orders import order


def edit(uow, change) -> None:
    with uow() as session:
        change(session)
        session.flush()
        catalog_snapshot.invalidate(session)


def set_prices(session) -> None:
    row = session.get(PricingSettings, 1)
    row.rate_s_centavos, row.rate_m_centavos, row.rate_l_centavos = 12_300, 45_600, 78_900
    row.special_threshold_days, row.special_multiplier_percent = 3, 150
    session.add(row)


@pytest.mark.parametrize(
    ("collectible_id", "days", "daily", "total", "special"),
    [
        ("col-001", 2, 18_450, 36_900, True),  # S: 123.00 x 1.5
        ("col-001", 3, 12_300, 36_900, False),  # the owner's threshold: 3 days
        ("col-002", 1, 68_400, 68_400, True),  # M: 456.00 x 1.5
        ("col-003", 5, 78_900, 394_500, False),  # L
    ],
)
async def test_the_owners_prices_are_what_customers_are_quoted_and_charged(
    uow, collectible_id, days, daily, total, special
):
    edit(uow, set_prices)
    quote = await quotes.get_quote(collectible_id, "store-a", days, uow=uow)
    size = quote.size
    assert (quote.daily_rate_centavos, quote.total_centavos, quote.is_special_rate) == (
        daily,
        total,
        special,
    )
    assert quote.base_daily_rate_centavos == {"S": 12_300, "M": 45_600, "L": 78_900}[size]
    assert (quote.special_threshold_days, quote.special_multiplier_percent) == (3, 150)
    gateway = FakeGateway()
    result = await checkout.start_checkout(
        order(collectible_id=collectible_id, duration=days), gateway=gateway, uow=uow
    )
    assert result.total_centavos == total and gateway.requests[0].amount_centavos == total
    shown = uow.call(catalog.read_collectible, collectible_id)
    assert shown.daily_rate_centavos == {"S": 12_300, "M": 45_600, "L": 78_900}[size]


async def test_an_inactive_unit_or_warehouse_is_never_offered(uow):
    def retire(session) -> None:
        session.get(Unit, "col-003-wh-west").active = False  # store-a's nearest (1 day)
        session.get(Warehouse, "wh-north").active = False  # the next (5 days)

    edit(uow, retire)
    today = shop_today()
    view = uow.call(catalog.read_collectible, "col-003", "store-a")
    assert view.stock == 2 and view.eta_days == 6  # east (6 days), south (8) are left
    quote = await quotes.get_quote("col-003", "store-a", 3, uow=uow)
    assert quote.earliest_pickup_date == today + timedelta(days=6)
    gateway = FakeGateway()
    with pytest.raises(InvalidInput) as too_soon:  # only the retired west unit could do it
        await checkout.start_checkout(
            order(collectible_id="col-003", pickup_date=str(today + timedelta(days=2))),
            gateway=gateway,
            uow=uow,
        )
    assert str(today + timedelta(days=6)) in too_soon.value.message
    pickups = []
    for _ in range(4):
        result = await checkout.start_checkout(
            order(collectible_id="col-003"), gateway=gateway, uow=uow
        )
        pickups.append((result.pickup_date - today).days)
    # East, south, then each again once its first window (shipping both ways and a day's
    # turnaround) is over: never the retired ones.
    assert pickups == [6, 8, 22, 28]
    asked, nearest = today + timedelta(days=10), today + timedelta(days=38)
    with pytest.raises(Conflict) as booked:
        await checkout.start_checkout(
            order(collectible_id="col-003", pickup_date=str(asked)),
            gateway=gateway,
            uow=uow,
        )
    assert booked.value.message == (
        f"Sorry, no unit is free for a 3-day rental picked up on {asked}. "
        f"The nearest date that can be served is {nearest}."
    )
    assert len(gateway.requests) == 4


def test_the_owner_is_told_when_too_few_stores_are_open(uow):
    with uow() as session:
        check_network(session)  # the seeded network is usable
    edit(uow, lambda session: setattr(session.get(Store, "store-c"), "active", False))
    with pytest.raises(NetworkInvalid) as caught, uow() as session:
        check_network(session)
    assert caught.value.message == "At least 3 active stores are required; there are 2."
