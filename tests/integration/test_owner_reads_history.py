"""What the owner reads about a rental: its history (who, from, to, why), the flag on a payment
that is not the total, and a PayMongo page left open after a hold ended. Through the services,
on SQLite and PostgreSQL, with a fake gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import GatewayRejected, GatewayUnavailable
from mongocollectibles.services import (
    catalog,
    checkout,
    expiry,
    owner_actions,
    rentals,
    webhooks,
)
from tests.support.fakes import FakeGateway, PageAlreadyClosed
from tests.support.history import history
from tests.support.orders import event_body, order, payment, signed_headers


def stock(uow, collectible_id="col-002") -> int:
    return uow.call(catalog.read_collectible, collectible_id).stock


def row(uow, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


async def deliver(uow, kind: str, resource: dict) -> str:
    body = event_body(kind, resource)
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


def started(pickup_in_days: int = 1) -> tuple:
    """The first line of every history: the checkout and the day its pickup was booked for
    (store-a's nearest warehouse is a day away, so its unit is picked up tomorrow)."""
    pickup = shop_today() + timedelta(days=pickup_in_days)
    return (None, "pending_payment", "customer", f"Checkout started; unit booked from {pickup}.")


async def test_the_whole_life_of_a_rental_as_the_owner_reads_it(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    rid = result.rental_id
    assert stock(uow) == 3
    assert await deliver(uow, "payment.paid", payment(rid, "pay_1", "paid")) == "paid"
    for step in ("ready_for_pickup", "picked_up", "returned"):
        assert await owner_actions.advance_rental(rid, step, actor="owner:ana", uow=uow)
    assert history(uow, rid) == [
        started(),
        ("pending_payment", "paid", "webhook:payment.paid", ""),
        ("paid", "ready_for_pickup", "owner:ana", ""),
        ("ready_for_pickup", "picked_up", "owner:ana", ""),
        ("picked_up", "returned", "owner:ana", ""),
    ]
    rental = row(uow, rid)
    assert rental.paid_at is not None and rental.hold_expires_at is None
    assert rental.payment_id == "pay_1" and stock(uow) == 4  # back on the shelf


async def test_why_a_rental_ended_unpaid(uow):
    gateway = FakeGateway()
    cancelled = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await rentals.cancel_rental(
        cancelled.rental_id, cancelled.secret_token, gateway=gateway, uow=uow
    )
    assert stock(uow) == 4
    declined = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    assert await deliver(uow, "payment.failed", payment(declined.rental_id, "p", "failed")) == (
        "payment failed; hold kept"
    )
    assert row(uow, declined.rental_id).status == "pending_payment"
    assert stock(uow) == 3  # a declined card keeps the unit: the customer may try again
    # Store-a's nearest unit is still held for the declined one: the next shopper's comes
    # from the next warehouse out, five days away.
    unpaid = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    assert unpaid.eta_days == 5
    swept = await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow)
    assert sorted(swept) == sorted([declined.rental_id, unpaid.rental_id])
    assert history(uow, cancelled.rental_id) == [
        started(),
        ("pending_payment", "cancelled", "customer", "Cancelled by customer."),
    ]
    assert history(uow, declined.rental_id) == [
        started(),
        (
            "pending_payment",
            "pending_payment",
            "webhook:payment.failed",
            "Payment failed; the hold is kept.",
        ),
        ("pending_payment", "expired", "expiry-sweep", "Hold expired."),
    ]
    assert history(uow, unpaid.rental_id) == [
        started(5),
        ("pending_payment", "expired", "expiry-sweep", "Hold expired."),
    ]
    assert stock(uow) == 4


async def test_a_payment_page_already_closed_at_paymongo_is_not_closed_again(uow):
    gateway = PageAlreadyClosed()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    later = utcnow() + timedelta(hours=1)
    assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.session_expired_at_gateway) == ("expired", True)
    assert rental.owner_flag is None and rental.payment_id is None  # nothing was paid
    assert await expiry.sweep(gateway, now=later, uow=uow) == []
    assert gateway.expired == [] and row(uow, result.rental_id).status == "expired"
    assert history(uow, result.rental_id) == [
        started(),
        ("pending_payment", "expired", "expiry-sweep", "Hold expired."),
    ]


async def test_a_payment_whose_webhook_never_came_is_found_when_its_hold_ends(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    paid = gateway.pay(row(uow, result.rental_id).checkout_session_id)  # no webhook follows
    later = utcnow() + timedelta(hours=1)
    assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    rental = row(uow, result.rental_id)
    assert (rental.status, rental.payment_id, rental.session_expired_at_gateway) == (
        "paid",
        paid,
        True,
    )
    assert history(uow, result.rental_id)[1:] == [
        ("pending_payment", "expired", "expiry-sweep", "Hold expired."),
        ("expired", "paid", "paymongo-retrieve", ""),
    ]
    assert stock(uow) == 3  # the unit is held again for the customer who paid


class CannotCloseNorRead(FakeGateway):
    """PayMongo refusing to close a page (400) and then failing to show it (503)."""

    async def expire_checkout_session(self, session_id: str):  # noqa: ANN201
        raise GatewayRejected("Checkout session cannot be expired.", status_code=400)

    async def retrieve_checkout_session(self, session_id: str):  # noqa: ANN201
        raise GatewayUnavailable("PayMongo answered 503", status_code=503)


async def test_a_page_paymongo_cannot_show_is_logged_and_asked_about_again(uow, caplog):
    gateway = CannotCloseNorRead()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    session_id = row(uow, result.rental_id).checkout_session_id
    later = utcnow() + timedelta(hours=1)
    with caplog.at_level("WARNING", logger="mongocollectibles.services.expiry"):
        assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    assert f"could not read checkout session {session_id}: PayMongo answered 503" in (
        caplog.messages
    )
    assert row(uow, result.rental_id).session_expired_at_gateway is False  # asked again later


async def test_a_payment_page_paymongo_could_not_close_is_closed_on_a_later_pass(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    gateway.fail_with = GatewayUnavailable("PayMongo answered 503", status_code=503)
    later = utcnow() + timedelta(hours=1)
    assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    assert row(uow, result.rental_id).session_expired_at_gateway is False  # try again
    assert stock(uow) == 4  # the unit is free all the same
    gateway.fail_with = None
    await expiry.sweep(gateway, now=later, uow=uow)
    assert row(uow, result.rental_id).session_expired_at_gateway is True
    assert gateway.expired == [row(uow, result.rental_id).checkout_session_id]


@pytest.mark.parametrize(
    ("amount", "currency", "reads"),
    [
        (2_999_999, "PHP", "Payment pay_odd was PHP 29,999.99, not the PHP 30,000.00 due."),
        (
            3_000_000,
            "usd",
            "Payment pay_odd was 3000000 usd (centavos), not the PHP 30,000.00 due.",
        ),
        (None, "PHP", "Payment pay_odd was None PHP (centavos), not the PHP 30,000.00 due."),
    ],
)
async def test_the_flag_on_a_payment_that_is_not_the_total(uow, amount, currency, reads):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    odd = payment(result.rental_id, "pay_odd", "paid", amount=amount, currency=currency)
    for _ in range(2):  # PayMongo retries: one flag, one line in the history
        assert await deliver(uow, "payment.paid", odd) == "amount_mismatch"
    assert row(uow, result.rental_id).owner_flag == reads
    assert history(uow, result.rental_id)[1:] == [
        (
            "pending_payment",
            "pending_payment",
            "webhook:payment.paid",
            reads + " Left unpaid for the owner.",
        )
    ]
    assert stock(uow) == 3  # still held for the customer


async def test_a_late_payment_for_a_unit_rented_again_is_flagged_once(uow):
    gateway = FakeGateway()
    late = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=uow)
    for _ in range(3):  # three other customers take the other units, one takes this one
        await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    paid = payment(late.rental_id, "pay_late", "paid")
    for _ in range(2):
        assert await deliver(uow, "payment.paid", paid) == "refund_needed"
    assert row(uow, late.rental_id).needs_refund
    assert history(uow, late.rental_id)[2:] == [
        (
            "expired",
            "expired",
            "webhook:payment.paid",
            "Paid after the hold ended and the unit is rented to someone else: refund due.",
        )
    ]


async def test_a_late_payment_after_a_cancel_takes_the_unit_back(uow):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    await rentals.cancel_rental(result.rental_id, result.secret_token, gateway=gateway, uow=uow)
    assert stock(uow) == 4
    assert await deliver(uow, "payment.paid", payment(result.rental_id, "pay_5", "paid")) == "paid"
    assert row(uow, result.rental_id).status == "paid" and stock(uow) == 3


async def test_a_refund_from_paymongo_frees_the_unit_and_is_recorded(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    rid = result.rental_id
    await deliver(uow, "payment.paid", payment(rid, "pay_1", "paid"))
    refunded = payment(rid, "pay_1", "paid", refunds=["ref_7"])
    assert await deliver(uow, "payment.refunded", refunded) == "refunded"
    assert await deliver(uow, "payment.refunded", refunded) == "already"
    rental = row(uow, rid)
    assert (rental.status, rental.refund_id, rental.needs_refund) == ("refunded", "ref_7", False)
    assert stock(uow) == 4
    assert history(uow, rid)[-1] == ("paid", "refunded", "webhook:payment.refunded", "")


async def test_owner_steps_out_of_order_say_what_is_wrong(uow):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    with pytest.raises(Conflict) as caught:
        await owner_actions.advance_rental(result.rental_id, "picked_up", actor="o", uow=uow)
    assert caught.value.message == ("A rental that is waiting for payment cannot become picked up.")
    with pytest.raises(InvalidInput) as bad:
        await owner_actions.advance_rental(result.rental_id, "lost", actor="o", uow=uow)
    assert bad.value.message == (
        "Unknown step 'lost'; one of ready_for_pickup, picked_up, returned."
    )
    with pytest.raises(NotFound) as missing:
        await owner_actions.advance_rental("no-such-rental", "picked_up", actor="o", uow=uow)
    assert missing.value.message == "Rental 'no-such-rental' not found."
    assert row(uow, result.rental_id).status == "pending_payment"
