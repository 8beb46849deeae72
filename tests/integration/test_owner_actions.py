"""The owner's lifecycle steps, on SQLite and PostgreSQL."""

import pytest
from sqlmodel import select

from mongocollectibles.domain.errors import Conflict, InvalidInput
from mongocollectibles.models import Rental, RentalEvent
from mongocollectibles.services import catalog, checkout, webhooks
from mongocollectibles.services.owner_actions import advance_rental
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


async def paid_rental(uow: UnitOfWork) -> str:
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    body = event_body("payment.paid", payment(result.rental_id, "pay_1", "paid"))
    await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)
    return result.rental_id


async def step(uow: UnitOfWork, rental_id: str, to_status: str) -> bool:
    return await advance_rental(rental_id, to_status, actor="owner:admin", uow=uow)


async def test_ready_picked_up_returned_frees_the_unit(uow):
    rental_id = await paid_rental(uow)
    assert await step(uow, rental_id, "ready_for_pickup")
    assert not await step(uow, rental_id, "ready_for_pickup")  # twice: no change
    assert await step(uow, rental_id, "picked_up")
    with uow() as session:
        assert catalog.read_collectible(session, "col-002").stock == 3
    assert await step(uow, rental_id, "returned")
    with uow() as session:
        assert catalog.read_collectible(session, "col-002").stock == 4
        assert session.get(Rental, rental_id).status == "returned"
        history = session.exec(
            select(RentalEvent.to_status, RentalEvent.actor)
            .where(RentalEvent.rental_id == rental_id)
            .order_by(RentalEvent.id)
        ).all()
    assert [h[0] for h in history] == [
        "pending_payment",
        "paid",
        "ready_for_pickup",
        "picked_up",
        "returned",
    ]
    assert history[-1][1] == "owner:admin"


async def test_steps_must_follow_the_lifecycle(uow):
    rental_id = await paid_rental(uow)
    with pytest.raises(Conflict, match="cannot become returned"):
        await step(uow, rental_id, "returned")
    with pytest.raises(InvalidInput):
        await step(uow, rental_id, "paid")
