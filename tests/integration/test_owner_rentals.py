"""What the owner console shows after releasing a hold or resolving a refund flag (the
rental's history and the Audit log page), the messages of refused actions, and paging of
the rentals list; on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

import pytest

from mongocollectibles.domain.errors import Conflict, InvalidInput
from mongocollectibles.models import Rental
from mongocollectibles.services import audit, checkout, network_admin, owner_rentals
from mongocollectibles.services.owner_rentals import PAGE_SIZE, RentalFilters
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway
from tests.support.history import history
from tests.support.orders import order
from tests.support.owner import owner_and_staff, paid_rental, session_of


async def log_of(uow: UnitOfWork, action: str) -> list[tuple[str, str, str, str]]:
    """The Audit log page's rows of one action, newest first: (who, target, detail, ip)."""
    page = await audit.list_events(action=action, uow=uow)
    return [(r.actor, r.target, r.detail, r.ip) for r in page.rows]


async def flagged_rental(uow: UnitOfWork) -> str:
    rental_id = await paid_rental(uow)
    with uow() as session:  # as a payment arriving for a cancelled rental would flag it
        rental = session.get(Rental, rental_id)
        rental.needs_refund = True
        session.add(rental)
    return rental_id


async def test_releasing_a_hold_is_in_the_history_and_the_audit_log(uow):
    await owner_and_staff(uow)
    _, staff = await session_of(uow, "staff")
    started = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    assert await owner_rentals.release_hold(started.rental_id, staff, ip="203.0.113.7", uow=uow)
    detail = await owner_rentals.rental_detail(started.rental_id, staff, uow=uow)
    assert detail.status == "cancelled"
    assert history(uow, started.rental_id)[-1] == (
        "pending_payment",
        "cancelled",
        "staff:staff",
        "Hold released.",
    )
    assert await log_of(uow, "hold_released") == [("staff", started.rental_id, "", "203.0.113.7")]

    # Released again: nothing changes, nothing more is logged.
    assert not await owner_rentals.release_hold(started.rental_id, staff, uow=uow)
    assert len(await log_of(uow, "hold_released")) == 1


async def test_a_release_without_an_address_logs_none(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    started = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    assert await owner_rentals.release_hold(started.rental_id, owner, uow=uow)
    assert await log_of(uow, "hold_released") == [("owner", started.rental_id, "", "")]


async def test_only_a_hold_waiting_for_payment_can_be_released(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    rental_id = await paid_rental(uow)
    with pytest.raises(Conflict) as refused:
        await owner_rentals.release_hold(rental_id, owner, uow=uow)
    assert str(refused.value) == "Only a hold that is waiting for payment can be released."
    assert (await owner_rentals.rental_detail(rental_id, owner, uow=uow)).status == "paid"
    assert await log_of(uow, "hold_released") == []


async def test_resolving_a_refund_flag_is_in_the_history_and_the_audit_log(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    rental_id = await flagged_rental(uow)
    assert await owner_rentals.resolve_refund_flag(
        rental_id, "  Refunded in cash at the store ", owner, ip="198.51.100.4", uow=uow
    )
    detail = await owner_rentals.rental_detail(rental_id, owner, uow=uow)
    assert not detail.needs_refund and "resolve_flag" not in detail.actions
    assert history(uow, rental_id)[-1] == (
        "paid",
        "paid",
        "owner:owner",
        "Refund flag resolved: Refunded in cash at the store",
    )
    assert await log_of(uow, "refund_flag_resolved") == [
        ("owner", rental_id, "Refunded in cash at the store", "198.51.100.4")
    ]


async def test_a_resolved_flag_without_an_address_logs_none(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    rental_id = await flagged_rental(uow)
    assert await owner_rentals.resolve_refund_flag(rental_id, "GCash", owner, uow=uow)
    assert await log_of(uow, "refund_flag_resolved") == [("owner", rental_id, "GCash", "")]


@pytest.mark.parametrize("note", ["", "   ", None])
async def test_resolving_a_flag_asks_how_it_was_settled(uow, note):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    rental_id = await flagged_rental(uow)
    with pytest.raises(InvalidInput) as refused:
        await owner_rentals.resolve_refund_flag(rental_id, note, owner, uow=uow)  # type: ignore[arg-type]
    assert (str(refused.value), refused.value.field) == ("Say how it was settled.", "note")
    assert (await owner_rentals.rental_detail(rental_id, owner, uow=uow)).needs_refund
    assert await log_of(uow, "refund_flag_resolved") == []


def _copies(uow: UnitOfWork, rental_id: str, count: int) -> None:
    """`count` more (cancelled) rentals like `rental_id`, as a busy month leaves them."""
    with uow() as session:
        source = session.get(Rental, rental_id)
        fields = source.model_dump(exclude={"id", "order_code", "idempotency_key", "payment_id"})
        for _ in range(count):
            fields.update(status="cancelled", secret_token=uuid4().hex)
            session.add(Rental(id=f"r-{uuid4().hex[:12]}", **fields))


async def test_the_rentals_list_pages_by_twenty(uow):
    await owner_and_staff(uow)
    _, owner = await session_of(uow, "owner")
    _copies(uow, await paid_rental(uow), PAGE_SIZE - 1)
    full = await owner_rentals.search_rentals(RentalFilters.parse(), owner, uow=uow)
    assert (full.total, full.page, full.pages, len(full.rows)) == (PAGE_SIZE, 1, 1, PAGE_SIZE)

    _copies(uow, full.rows[0].id, 1)
    first = await owner_rentals.search_rentals(RentalFilters.parse(), owner, uow=uow)
    assert (first.total, first.page, first.pages, len(first.rows)) == (21, 1, 2, PAGE_SIZE)
    second = await owner_rentals.search_rentals(RentalFilters.parse(), owner, page=2, uow=uow)
    assert (second.page, second.pages, len(second.rows)) == (2, 2, 1)
    assert second.rows[0].id not in {row.id for row in first.rows}
    beyond = await owner_rentals.search_rentals(RentalFilters.parse(), owner, page=9, uow=uow)
    assert [row.id for row in beyond.rows] == [row.id for row in second.rows]
    before = await owner_rentals.search_rentals(RentalFilters.parse(), owner, page=0, uow=uow)
    assert [row.id for row in before.rows] == [row.id for row in first.rows]


async def test_the_store_filter_lists_stores_by_name(uow):
    await network_admin.save_store(
        "store-z",
        name="Aurora Blvd Store",
        address="1 Aurora Blvd, Quezon City",
        distances={"wh-north": 2, "wh-south": 3, "wh-east": 4, "wh-west": 5},
        uow=uow,
    )
    choices = await owner_rentals.store_choices(uow=uow)
    assert choices[0] == ("store-z", "Aurora Blvd Store")
    assert [name for _, name in choices] == sorted(name for _, name in choices)
