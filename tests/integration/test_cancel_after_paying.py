"""A customer's cancel asks PayMongo first: a rental paid on the hosted page, whose webhook has
not arrived yet, is not cancelled but marked paid (SQLite and PostgreSQL, fake gateway)."""

import logging
from datetime import timedelta

import pytest

from mongocollectibles.domain.errors import Conflict, PaymentProviderError
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.services import catalog, checkout, expiry, rentals, reservations
from tests.support.fakes import DOWN, FakeGateway, PageAlreadyClosed
from tests.support.orders import order


def stock(uow) -> int:  # noqa: ANN001
    return uow.call(catalog.read_collectible, "col-002").stock


def row(uow, rental_id) -> Rental:  # noqa: ANN001
    return uow.call(lambda session: session.get(Rental, rental_id))


def unit_holder(uow, unit_id) -> str | None:  # noqa: ANN001
    """The live rental whose window holds the unit today (the earliest pickup's window
    starts today)."""
    found = uow.call(reservations.live_rentals_on, [unit_id], shop_today())
    return found[unit_id][0] if unit_id in found else None


async def test_cancel_of_a_rental_paid_at_paymongo_applies_the_payment(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    payment_id = gateway.pay(row(uow, result.rental_id).checkout_session_id)  # no webhook yet
    with pytest.raises(Conflict, match="already paid"):
        await rentals.cancel_rental(result.rental_id, result.secret_token, gateway=gateway, uow=uow)
    rental = row(uow, result.rental_id)
    assert rental.status == "paid" and rental.payment_id == payment_id
    assert unit_holder(uow, rental.unit_id) == rental.id and stock(uow) == 3
    assert gateway.expired == []


class PaysDuringTheCancel(FakeGateway):
    """The customer's payment goes through between the cancel's check and its expiry call."""

    async def retrieve_checkout_session(self, session_id):  # noqa: ANN001, ANN201
        answer = await super().retrieve_checkout_session(session_id)
        if not answer.paid and not getattr(self, "paid_once", False):
            self.paid_once = True
            self.pay(session_id)
        return answer


async def test_already_paid_answer_to_the_expiry_is_not_swallowed(uow):
    gateway = PaysDuringTheCancel()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    with pytest.raises(Conflict, match="already paid"):
        await rentals.cancel_rental(result.rental_id, result.secret_token, gateway=gateway, uow=uow)
    rental = row(uow, result.rental_id)
    # The unit was still free, so the payment takes it back; otherwise it is flagged.
    assert rental.status == "paid" and rental.payment_id is not None
    assert unit_holder(uow, rental.unit_id) == rental.id


async def test_already_paid_after_the_unit_went_to_someone_else_is_flagged(uow):
    gateway = PaysDuringTheCancel()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    original = gateway.expire_checkout_session
    taken: list = []

    async def expire_after_someone_took_the_unit(session_id):  # noqa: ANN001, ANN202
        for _ in range(3):  # the three other units, then the one just freed
            taken.append(await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow))
        taken.append(await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow))
        return await original(session_id)

    gateway.expire_checkout_session = expire_after_someone_took_the_unit
    with pytest.raises(Conflict, match="already paid"):
        await rentals.cancel_rental(result.rental_id, result.secret_token, gateway=gateway, uow=uow)
    rental = row(uow, result.rental_id)
    assert rental.status == "cancelled" and rental.needs_refund and rental.payment_id


async def test_cancel_while_paymongo_is_down_changes_nothing(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    gateway.fail_with = DOWN
    with pytest.raises(PaymentProviderError, match="not cancelled"):
        await rentals.cancel_rental(result.rental_id, result.secret_token, gateway=gateway, uow=uow)
    assert row(uow, result.rental_id).status == "pending_payment" and stock(uow) == 3
    gateway.fail_with = None
    view = await rentals.cancel_rental(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "cancelled" and stock(uow) == 4


async def test_expiry_sweep_applies_a_payment_paymongo_reports_instead_of_dropping_it(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    payment_id = gateway.pay(row(uow, result.rental_id).checkout_session_id)  # webhook lost
    later = utcnow() + timedelta(hours=1)
    assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    rental = row(uow, result.rental_id)
    assert rental.status == "paid" and rental.payment_id == payment_id
    assert unit_holder(uow, rental.unit_id) == rental.id


async def test_cancel_of_a_page_paymongo_had_already_closed_goes_through(uow):
    """PayMongo refuses to expire a page it closed itself: nothing was paid, so the cancel
    goes through and the page is not asked to close again."""
    gateway = PageAlreadyClosed()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    session_id = row(uow, result.rental_id).checkout_session_id
    view = await rentals.cancel_rental(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "cancelled" and stock(uow) == 4
    assert await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow) == []
    assert gateway.expire_attempts == [session_id]  # the cancel's only


class RefusesThenGoesDown(PageAlreadyClosed):
    """PayMongo refuses the cancel's expiry, then is out of reach when asked whether the page
    was paid (once)."""

    async def expire_checkout_session(self, session_id: str):  # noqa: ANN201
        if not self.expire_attempts:
            self.fail_with = DOWN
        return await super().expire_checkout_session(session_id)


async def test_cancel_goes_through_when_paymongo_cannot_say_why_it_refused_the_expiry(uow, caplog):
    gateway = RefusesThenGoesDown()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    session_id = row(uow, result.rental_id).checkout_session_id
    caplog.set_level(logging.WARNING, logger="mongocollectibles.services.rentals")
    view = await rentals.cancel_rental(
        result.rental_id, result.secret_token, gateway=gateway, uow=uow
    )
    assert view.status == "cancelled" and stock(uow) == 4
    # The log says which page is left open and why.
    assert (
        f"expiry of {session_id} refused (Checkout session is already expired.); session unreadable"
    ) in caplog.messages
    # Once PayMongo answers again, the expiry sweep asks about that page again.
    gateway.fail_with = None
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow)
    assert gateway.expire_attempts == [session_id, session_id]
    assert row(uow, result.rental_id).session_expired_at_gateway
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow)
    assert gateway.expire_attempts == [session_id, session_id]  # closed for good
