"""What the owner reads about a rental: its history (who, from, to, why), the flag on a payment
that is not the total, and a PayMongo page left open after a hold ended. Through the services,
on SQLite and PostgreSQL, with a fake gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.models import Rental, RentalEvent, utcnow
from mongocollectibles.services import (
    catalog,
    checkout,
    expiry,
    owner_actions,
    rentals,
    webhooks,
)
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


def stock(uow, collectible_id="col-002") -> int:
    return uow.call(catalog.read_collectible, collectible_id).stock


def row(uow, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


def history(uow, rental_id) -> list[tuple]:
    with uow() as session:
        return [
            tuple(r)
            for r in session.exec(
                select(
                    RentalEvent.from_status,
                    RentalEvent.to_status,
                    RentalEvent.actor,
                    RentalEvent.note,
                )
                .where(RentalEvent.rental_id == rental_id)
                .order_by(RentalEvent.id)
            ).all()
        ]


async def deliver(uow, kind: str, resource: dict) -> str:
    body = event_body(kind, resource)
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


STARTED = (None, "pending_payment", "customer", "Checkout started; unit held.")


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
