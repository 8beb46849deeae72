"""Real-PostgreSQL races around one rental: a customer's cancel against the paid webhook,
many cancels at once, many submits of one checkout form, holds that meet rows locked by
transactions that then roll back. Each racer has its own thread, event loop and connection."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from sqlalchemy import update
from sqlmodel import select

from mongocollectibles.domain.errors import Conflict, OutOfStock
from mongocollectibles.models import Rental, RentalEvent, Unit
from mongocollectibles.services import checkout, inventory, rentals, webhooks
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.fakes import FakeGateway
from tests.support.orders import checkout_paid, event_body, order, signed_headers

pytestmark = pytest.mark.postgres


def race(*tasks) -> list:  # noqa: ANN002
    """Run each coroutine function in its own thread and event loop, released together."""
    barrier = threading.Barrier(len(tasks))
    results: list = [None] * len(tasks)

    def run(index: int, task) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            results[index] = asyncio.run(task())
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def close_round(uow: UnitOfWork, rental_id: str) -> None:
    """Return the rental (as the owner would, later) so the next round finds its unit free."""
    with uow() as session:
        session.execute(update(Rental).where(Rental.id == rental_id).values(status="returned"))
        session.execute(
            update(Unit).where(Unit.current_rental_id == rental_id).values(current_rental_id=None)
        )


def test_cancel_racing_the_paid_webhook_never_loses_the_payment(pg_url):
    uow = UnitOfWork(pg_url)
    gateway = FakeGateway()
    outcomes = Counter()
    for round_number in range(100):
        result = asyncio.run(checkout.start_checkout(order(), gateway=gateway, uow=uow))
        session_id = uow.call(lambda s, r=result.rental_id: s.get(Rental, r).checkout_session_id)
        payment_id = f"pay_race{round_number}"
        # Odd rounds: the gateway already says paid when the cancel asks; even rounds: the
        # webhook is the only one to know (the customer's cancel sees an unpaid session).
        if round_number % 2:
            gateway.sessions[session_id] = type(gateway.sessions[session_id])(
                **{**gateway.sessions[session_id].__dict__, "paid": True, "payment_id": payment_id}
            )
        body = event_body(
            "checkout_session.payment.paid", checkout_paid(result.rental_id, session_id, payment_id)
        )
        signature = signed_headers(body)["Paymongo-Signature"]

        async def cancel(rental_id=result.rental_id, token=result.secret_token):  # noqa: ANN001, ANN202
            return await rentals.cancel_rental(rental_id, token, gateway=gateway, uow=uow)

        async def webhook(body=body, signature=signature):  # noqa: ANN001, ANN202
            return await webhooks.handle_webhook(body, signature, uow=uow)

        cancelled, delivered = race(cancel, webhook)
        assert not isinstance(delivered, Exception), delivered
        assert not isinstance(cancelled, Exception) or isinstance(cancelled, Conflict), cancelled
        with uow() as session:
            rental = session.get(Rental, result.rental_id)
            unit = session.get(Unit, rental.unit_id)
            transitions = session.exec(
                select(RentalEvent.to_status).where(RentalEvent.rental_id == rental.id)
            ).all()
        assert rental.payment_id == payment_id
        if rental.status == "paid":
            assert unit.current_rental_id == rental.id  # paid and still holding its unit
        else:  # cancelled: the payment must be flagged for refund, never kept silently
            assert rental.status == "cancelled" and rental.needs_refund, (
                rental.status,
                rental.needs_refund,
            )
        assert transitions.count("paid") <= 1 and transitions.count("cancelled") <= 1
        outcomes[rental.status] += 1
        close_round(uow, result.rental_id)
    assert sum(outcomes.values()) == 100, outcomes


def test_twenty_concurrent_cancels_record_one_transition(pg_url):
    uow = UnitOfWork(pg_url)
    gateway = FakeGateway()
    result = asyncio.run(checkout.start_checkout(order(), gateway=gateway, uow=uow))

    async def cancel():  # noqa: ANN202
        return await rentals.cancel_rental(
            result.rental_id, result.secret_token, gateway=gateway, uow=uow
        )

    answers = race(*[cancel] * 20)
    assert all(getattr(a, "status", None) == "cancelled" for a in answers), answers
    with uow() as session:
        cancels = session.exec(
            select(RentalEvent).where(
                RentalEvent.rental_id == result.rental_id, RentalEvent.to_status == "cancelled"
            )
        ).all()
    assert len(cancels) == 1


def test_same_key_submits_never_report_false_out_of_stock(pg_url):
    uow = UnitOfWork(pg_url)
    gateway = FakeGateway()
    gateway.delay_seconds = 0.2  # the first submit is still talking to PayMongo

    async def submit():  # noqa: ANN202
        return await checkout.start_checkout(
            order(collectible_id="col-005", store_id="store-c"),
            gateway=gateway,
            idempotency_key="one-form",
            uow=uow,
        )

    answers = race(*[submit] * 20)
    errors = [a for a in answers if isinstance(a, Exception)]
    assert not [e for e in errors if isinstance(e, OutOfStock)], errors
    assert not errors, errors
    assert len({a.rental_id for a in answers}) == 1
    with uow() as session:
        held = session.exec(
            select(Unit).where(
                Unit.collectible_id == "col-005", Unit.current_rental_id.is_not(None)
            )
        ).all()
    assert len(held) == 1


def test_a_hold_waits_for_a_row_locked_by_a_transaction_that_rolls_back(pg_url):
    """The last free unit is locked by a transaction that then rolls back: the hold must get
    it, not answer "out of stock"."""
    uow = UnitOfWork(pg_url)
    with uow() as session:
        units = session.exec(
            select(Unit.id).where(Unit.collectible_id == "col-005").order_by(Unit.id)
        ).all()
        for number, unit_id in enumerate(units[:-1]):
            session.execute(
                update(Unit).where(Unit.id == unit_id).values(current_rental_id=f"other-{number}")
            )
    locker = uow.engine.connect()
    transaction = locker.begin()
    locker.execute(select(Unit.id).where(Unit.id == units[-1]).with_for_update())
    outcome: list = []

    def hold() -> None:
        try:
            with uow() as session:
                outcome.append(
                    inventory.hold_unit(
                        session, collectible_id="col-005", store_id="store-c", rental_id="r-wait"
                    ).unit_id
                )
        except OutOfStock as error:
            outcome.append(error)

    thread = threading.Thread(target=hold)
    thread.start()
    thread.join(timeout=0.5)
    transaction.rollback()
    locker.close()
    thread.join(timeout=10)
    assert outcome == [units[-1]]
