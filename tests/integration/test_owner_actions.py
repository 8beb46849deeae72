"""The owner's lifecycle steps, on SQLite and PostgreSQL."""

import pytest
from sqlmodel import select

from mongocollectibles.db import session_scope
from mongocollectibles.domain.errors import Conflict, InvalidInput
from mongocollectibles.models import Rental, RentalEvent
from mongocollectibles.services import catalog, checkout, webhooks
from mongocollectibles.services.owner_actions import advance_rental
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


async def paid_rental() -> str:
    result = await checkout.start_checkout(order(), gateway=FakeGateway())
    body = event_body("payment.paid", payment(result.rental_id, "pay_1", "paid"))
    await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"])
    return result.rental_id


def step(url: str, rental_id: str, to_status: str) -> bool:
    with session_scope(url) as session:
        return advance_rental(session, rental_id, to_status, "owner:admin")


async def test_ready_picked_up_returned_frees_the_unit(app_database):
    rental_id = await paid_rental()
    assert step(app_database, rental_id, "ready_for_pickup")
    assert not step(app_database, rental_id, "ready_for_pickup")  # twice: no change
    assert step(app_database, rental_id, "picked_up")
    with session_scope(app_database) as session:
        assert catalog.get_collectible(session, "col-002").stock == 3
    assert step(app_database, rental_id, "returned")
    with session_scope(app_database) as session:
        assert catalog.get_collectible(session, "col-002").stock == 4
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


async def test_steps_must_follow_the_lifecycle(app_database):
    rental_id = await paid_rental()
    with pytest.raises(Conflict, match="cannot become returned"):
        step(app_database, rental_id, "returned")
    with pytest.raises(InvalidInput):
        step(app_database, rental_id, "paid")
