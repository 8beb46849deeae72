"""What the customer's rental page reads, and a catalog that catches up with edits made
elsewhere. Through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from mongocollectibles.domain.errors import NotFound
from mongocollectibles.models import Rental, RentalEvent, Unit
from mongocollectibles.services import catalog, checkout, rentals, webhooks
from mongocollectibles.services.catalog_snapshot import CACHE_SECONDS
from tests.support.fakes import DOWN, FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


def row(uow, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


async def deliver(uow, kind, resource) -> str:
    body = event_body(kind, resource)
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


async def test_the_rental_page_shows_what_was_rented_where_and_when(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    view = await rentals.get_rental(result.rental_id, result.secret_token, uow=uow)
    assert view.image_url == "/collectibles/col-002.svg"
    assert view.store_name == "MongoCollectibles Store A" and view.store_address
    assert (view.customer_name, view.customer_email) == ("Juan dela Cruz", "juan@example.com")
    assert view.created_at is not None and view.hold_expires_at is not None
    assert view.paid_at is None
    assert await deliver(uow, "payment.paid", payment(result.rental_id, "pay_1", "paid")) == "paid"
    view = await rentals.get_rental(result.rental_id, result.secret_token, uow=uow)
    assert view.paid_at is not None and view.hold_expires_at is None
    assert view.status_label == "Paid" and view.payment_url is None


@pytest.mark.parametrize("token", [None, 123, ""])
async def test_a_missing_or_odd_token_finds_nothing(uow, token):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    with pytest.raises(NotFound):
        await rentals.get_rental(result.rental_id, token, uow=uow)
    with pytest.raises(NotFound):
        await rentals.get_rental("no-such-rental", result.secret_token, uow=uow)


async def test_the_status_refresh_does_not_pay_an_unpaid_or_someone_elses_session(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "pending_payment"
    assert row(uow, result.rental_id).owner_flag is None  # nothing to flag: nothing was paid
    session_id = row(uow, result.rental_id).checkout_session_id
    payment_id = gateway.pay(session_id)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "paid" and row(uow, result.rental_id).payment_id == payment_id


async def test_a_refund_before_the_paid_event_is_explained_and_keeps_the_first_refund(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    rid = result.rental_id
    first = payment(rid, "pay_1", "paid", refunds=["ref_1"])
    assert await deliver(uow, "payment.refunded", first) == "refunded"
    later = payment(rid, "pay_1", "paid", refunds=["ref_2"])
    assert await deliver(uow, "payment.refunded", later) == "already"
    assert row(uow, rid).refund_id == "ref_1"
    with uow() as session:
        notes = session.exec(
            select(RentalEvent.to_status, RentalEvent.actor, RentalEvent.note)
            .where(RentalEvent.rental_id == rid)
            .order_by(RentalEvent.id)
        ).all()
    assert [tuple(n) for n in notes][1:] == [
        ("cancelled", "webhook:payment.refunded", "Refunded before paid event."),
        ("refunded", "webhook:payment.refunded", ""),
    ]


async def test_a_checkout_paymongo_could_not_open_is_explained_in_the_history(uow):
    gateway = FakeGateway()
    gateway.fail_with = DOWN
    with pytest.raises(Exception):  # noqa: B017, PT011 - the customer's message is tested elsewhere
        await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    with uow() as session:
        (event,) = session.exec(
            select(RentalEvent.to_status, RentalEvent.actor, RentalEvent.note).where(
                RentalEvent.to_status == "cancelled"
            )
        ).all()
    assert tuple(event) == ("cancelled", "system", f"Payment provider failed: {DOWN}")


async def test_the_catalog_catches_up_with_an_edit_made_elsewhere(uow):
    assert (await catalog.get_collectible("col-001", uow=uow)).stock == 4
    before = {c.id: c.stock for c in await catalog.list_collectibles(uow=uow)}
    assert before["col-001"] == 4
    # Another process retires a unit: no change is announced to this one.
    with uow() as session:
        session.get(Unit, "col-001-wh-west").active = False
    deadline = asyncio.get_running_loop().time() + CACHE_SECONDS + 5
    while True:
        stock = {c.id: c.stock for c in await catalog.list_collectibles(uow=uow)}["col-001"]
        if stock == 3 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    assert stock == 3  # seen within about CACHE_SECONDS, without a restart


async def test_the_running_sweeper_frees_an_overdue_hold_without_anyone_asking(uow):
    from datetime import timedelta

    from mongocollectibles.models import utcnow
    from mongocollectibles.services import expiry

    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    with uow() as session:  # the customer walked away long ago
        session.get(Rental, result.rental_id).hold_expires_at = utcnow() - timedelta(minutes=1)
    sweeper = asyncio.ensure_future(expiry.run_sweeper(lambda: gateway, 0.05, uow=uow))
    try:
        for _ in range(100):
            if row(uow, result.rental_id).status == "expired":
                break
            await asyncio.sleep(0.05)
    finally:
        sweeper.cancel()
    assert row(uow, result.rental_id).status == "expired"
    assert (await catalog.get_collectible("col-002", uow=uow)).stock == 4
