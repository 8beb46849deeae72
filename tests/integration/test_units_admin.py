"""The owner's Units page: the messages a refused maintenance block or batch of units shows
and the field the form highlights, and how units and their blocks are listed; on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mongocollectibles.domain.errors import Conflict, InvalidInput
from mongocollectibles.domain.units import shop_today
from mongocollectibles.services import audit, units_admin
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.services.units_admin import MAX_UNITS_AT_ONCE
from tests.support.bookings import book, other_shopper

OWNER = "maria"
UNIT = "col-002-wh-west"


async def blocks_of(uow: UnitOfWork, unit_id: str, today: date | None = None) -> list[tuple]:
    """The unit's blocks as its row on the Units page lists them: (first day, last day, why)."""
    units = {u.id: u for u in await units_admin.list_units(today=today, uow=uow)}
    return [(b.starts_on, b.ends_on, b.reason) for b in units[unit_id].blocks]


async def refused_block(uow: UnitOfWork, starts_on: object, ends_on: object, reason: str = ""):
    with pytest.raises(InvalidInput) as refused:
        await units_admin.block_unit(
            UNIT,
            starts_on,  # type: ignore[arg-type]
            ends_on,  # type: ignore[arg-type]
            reason=reason,
            actor=OWNER,
            uow=uow,
        )
    assert await blocks_of(uow, UNIT) == []  # nothing saved
    return str(refused.value), refused.value.field


async def test_a_block_needs_two_dates(uow):
    today = shop_today()
    for starts_on, ends_on in ((today.isoformat(), today), (today, "tomorrow"), (None, None)):
        assert await refused_block(uow, starts_on, ends_on) == (
            "Start and end must be dates.",
            "starts_on",
        )


async def test_a_block_ending_before_it_starts_or_in_the_past_names_its_end(uow):
    today = shop_today()
    assert await refused_block(uow, today + timedelta(days=2), today + timedelta(days=1)) == (
        "The block must end on or after its first day.",
        "ends_on",
    )
    assert await refused_block(uow, today - timedelta(days=3), today - timedelta(days=1)) == (
        "The block is entirely in the past.",
        "ends_on",
    )


async def test_a_blocks_reason_is_at_most_300_characters(uow):
    today = shop_today()
    assert await refused_block(uow, today, today, "x" * 301) == (
        "The reason can be at most 300 characters.",
        "reason",
    )
    await units_admin.block_unit(UNIT, today, today, reason="y" * 300, actor=OWNER, uow=uow)
    assert await blocks_of(uow, UNIT) == [(today, today, "y" * 300)]


async def test_a_long_name_is_cut_to_what_the_block_keeps(uow):
    today = shop_today()
    block = await units_admin.block_unit(UNIT, today, today, actor="a" * 120, uow=uow)
    assert block.created_by == "a" * 100


async def test_a_block_may_end_the_day_before_a_booking_and_names_every_booking_it_hits(uow):
    today = shop_today()
    with uow() as session:
        first = book(session, "col-001", "store-b", pickup=today + timedelta(days=20))
        second = book(
            session,
            "col-001",
            "store-b",
            pickup=today + timedelta(days=40),
            customer=other_shopper(1),
        )
        assert first.unit_id == second.unit_id  # the warehouse nearest to store B
        unit_id, codes = first.unit_id, (first.order_code, second.order_code)
        start = first.window_start
    day_before = start - timedelta(days=1)
    await units_admin.block_unit(unit_id, today, day_before, actor=OWNER, uow=uow)
    assert await blocks_of(uow, unit_id) == [(today, day_before, "")]

    with pytest.raises(Conflict) as refused:
        await units_admin.block_unit(
            unit_id, start, today + timedelta(days=60), actor=OWNER, uow=uow
        )
    assert str(refused.value) == (
        f"Unit {unit_id} is booked on some of those days ({codes[0]}, {codes[1]}); "
        "block other days, or move or cancel those rentals first."
    )


async def test_blocks_are_listed_by_their_first_day_until_they_are_over(uow):
    today = shop_today()
    later = (today + timedelta(days=10), today + timedelta(days=12), "later")
    sooner = (today, today + timedelta(days=1), "sooner")
    for starts_on, ends_on, reason in (later, sooner):
        await units_admin.block_unit(UNIT, starts_on, ends_on, reason=reason, actor=OWNER, uow=uow)
    assert await blocks_of(uow, UNIT) == [sooner, later]
    assert await blocks_of(uow, UNIT, today + timedelta(days=2)) == [later]  # sooner is over


@pytest.mark.parametrize("count", [0, MAX_UNITS_AT_ONCE + 1, -1, True, 2.0, "3", None])
async def test_a_bad_number_of_units_names_the_count_field(uow, count):
    with pytest.raises(InvalidInput) as refused:
        await units_admin.add_units("col-001", "wh-north", count, actor=OWNER, uow=uow)
    assert (str(refused.value), refused.value.field) == (
        f"The number of units to add must be a whole number from 1 to {MAX_UNITS_AT_ONCE}.",
        "count",
    )
    assert len(await units_admin.list_units("col-001", "wh-north", uow=uow)) == 1


async def test_the_largest_batch_of_units_is_added(uow):
    added = await units_admin.add_units(
        "col-001", "wh-north", MAX_UNITS_AT_ONCE, actor=OWNER, uow=uow
    )
    assert len(added) == MAX_UNITS_AT_ONCE
    page = await audit.list_events(action=audit.UNITS_ADDED, uow=uow)
    assert page.rows[0].detail.startswith(f"{MAX_UNITS_AT_ONCE} unit(s) in wh-north: ")


async def test_units_of_one_warehouse_are_listed_by_collectible_then_id(uow):
    await units_admin.add_units("col-001", "wh-east", 1, actor=OWNER, uow=uow)
    north = await units_admin.list_units(warehouse_id="wh-north", uow=uow)
    assert {u.warehouse_id for u in north} == {"wh-north"}
    assert [u.collectible_id for u in north] == sorted({u.collectible_id for u in north})
    ids = [u.id for u in await units_admin.list_units("col-001", uow=uow)]
    assert ids == [
        "col-001-wh-east",
        "col-001-wh-east-2",  # added last, listed next to its sibling
        "col-001-wh-north",
        "col-001-wh-south",
        "col-001-wh-west",
    ]


async def test_a_unit_held_today_names_its_rental(uow):
    with uow() as session:
        rental = book(session, "col-001", "store-b")
        unit_id, rental_id = rental.unit_id, rental.id
    units = {u.id: u for u in await units_admin.list_units("col-001", uow=uow)}
    assert (units[unit_id].state, units[unit_id].rental_id) == ("held", rental_id)
    assert {u.rental_id for u in units.values() if u.id != unit_id} == {None}
