"""Real-PostgreSQL races around one rental: a customer's cancel against the paid webhook,
many cancels at once, many submits of one checkout form, holds that meet rows locked by
transactions that then roll back, one paid event delivered twice at once, the paid event
against another transaction's email to the customer, the paid event against the customer's
status refresh, two owners refunding one rental at once. Each racer has its own thread,
event loop and connection."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mongocollectibles.domain.errors import Conflict, OutOfStock
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.domain.status import LIVE_STATUSES
from mongocollectibles.models import (
    AuditEvent,
    OutboxMessage,
    Rental,
    RentalEvent,
    Unit,
    WebhookEvent,
)
from mongocollectibles.services import (
    admin_accounts,
    admin_sessions,
    checkout,
    lifecycle,
    owner_rentals,
    rentals,
    webhooks,
)
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.bookings import book
from tests.support.fakes import FakeGateway
from tests.support.orders import checkout_paid, event_body, order, payment, signed_headers
from tests.support.owner import OWNER_PASSWORD, owner_and_staff, paid_rental

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


def live_on_unit(session: Session, unit_id: str) -> list[str]:
    """The live rentals booked on a unit (any window)."""
    return list(
        session.exec(
            select(Rental.id).where(Rental.unit_id == unit_id, Rental.status.in_(LIVE_STATUSES))
        ).all()
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
            holders = live_on_unit(session, rental.unit_id)
            transitions = session.exec(
                select(RentalEvent.to_status).where(RentalEvent.rental_id == rental.id)
            ).all()
        assert rental.payment_id == payment_id
        if rental.status == "paid":
            assert holders == [rental.id]  # paid and still holding its unit's window
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
            select(Rental).where(
                Rental.collectible_id == "col-005", Rental.status.in_(LIVE_STATUSES)
            )
        ).all()
    assert len(held) == 1


def test_a_booking_waits_for_a_unit_locked_by_a_transaction_that_rolls_back(pg_url):
    """The last unit free for a date is being booked by a transaction that then rolls back:
    the booking must get it, not answer "booked" or "out of stock"."""
    uow = UnitOfWork(pg_url)
    pickup = shop_today() + timedelta(days=20)  # every warehouse reaches store C by then
    units = uow.call(
        lambda session: session.exec(select(Unit.id).where(Unit.collectible_id == "col-005")).all()
    )
    for _ in units[:-1]:
        with uow() as session:
            book(session, "col-005", "store-c", 3, pickup)
    locker = Session(uow.engine)
    last = book(locker, "col-005", "store-c", 3, pickup)  # uncommitted: its unit stays locked
    outcome: list = []

    def booking() -> None:
        try:
            with uow() as session:
                outcome.append(book(session, "col-005", "store-c", 3, pickup).unit_id)
        except (Conflict, OutOfStock) as error:
            outcome.append(error)

    thread = threading.Thread(target=booking)
    thread.start()
    thread.join(timeout=0.5)
    assert outcome == []  # waiting for the locked unit, not refused
    locker.rollback()
    locker.close()
    thread.join(timeout=10)
    assert outcome == [last.unit_id]


def waiting_on_locks(uow: UnitOfWork) -> int:
    """How many connections to this test's database are waiting for a lock."""
    with uow() as session:
        return session.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()


@contextmanager
def rental_locked_until_both_wait(uow: UnitOfWork, rental_id: str) -> Iterator[object]:
    """Hold the rental's row lock (as a slow first transaction would) and yield a racer that
    lets go once two others are waiting for a lock; it answers whether they both did. So both
    racers have read what they check before either can write: no luck of timing involved."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with uow() as session:
            lifecycle.load_for_update(session, rental_id)
            locked.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)

    async def release_when_both_wait() -> bool:
        deadline = time.monotonic() + 20
        while waiting_on_locks(uow) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        both = waiting_on_locks(uow) == 2
        release.set()
        return both

    try:
        yield release_when_both_wait
    finally:
        release.set()
        holder.join(timeout=10)


def paid_once(uow: UnitOfWork, rental_id: str) -> tuple[list[str], Counter[str]]:
    """Who marked the rental paid (each time), and the emails queued for it by kind."""
    with uow() as session:
        paid_by = session.exec(
            select(RentalEvent.actor).where(
                RentalEvent.rental_id == rental_id, RentalEvent.to_status == "paid"
            )
        ).all()
        kinds = session.exec(
            select(OutboxMessage.kind).where(OutboxMessage.rental_id == rental_id)
        ).all()
    return list(paid_by), Counter(kinds)


def test_one_paid_event_delivered_twice_at_once_is_applied_once(pg_url):
    """PayMongo retries a delivery it thinks was lost while the first is still being applied:
    both find the event new; one applies it, the other is answered as a duplicate."""
    uow = UnitOfWork(pg_url)
    result = asyncio.run(checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow))
    body = event_body("payment.paid", payment(result.rental_id, "pay_twice", "paid"))
    signature = signed_headers(body)["Paymongo-Signature"]

    async def deliver() -> str:  # each delivery is its own request, with its own transaction
        return await webhooks.handle_webhook(body, signature, uow=UnitOfWork(pg_url))

    with rental_locked_until_both_wait(uow, result.rental_id) as release_when_both_wait:
        first, second, both_waited = race(deliver, deliver, release_when_both_wait)
    assert both_waited
    assert Counter([first, second]) == {"paid": 1, "duplicate": 1}, (first, second)
    paid_by, emails = paid_once(uow, result.rental_id)
    assert paid_by == ["webhook:payment.paid"]
    assert emails["order_confirmed"] == 1 and set(emails.values()) == {1}, emails
    with uow() as session:
        rental = session.get(Rental, result.rental_id)
        seen = session.exec(select(WebhookEvent.id)).all()
    assert (rental.status, rental.payment_id) == ("paid", "pay_twice")
    assert len(seen) == 1


def test_a_paid_event_failing_on_another_unique_row_is_not_answered_as_a_duplicate(pg_url):
    """While the paid event is applied, another transaction queues the same receipt email
    (same dedupe key) and commits first: the event fails on the outbox's unique key. That is
    a fault, not a second delivery: PayMongo must get an error and send it again, and the
    payment must then be recorded."""
    uow = UnitOfWork(pg_url)
    result = asyncio.run(checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow))
    body = event_body("payment.paid", payment(result.rental_id, "pay_clash", "paid"))
    signature = signed_headers(body)["Paymongo-Signature"]
    other = Session(uow.engine)
    other.add(
        OutboxMessage(
            kind="order_confirmed",
            dedupe_key=f"order_confirmed:{result.rental_id}",
            rental_id=result.rental_id,
            to_address="juan@example.com",
            subject="Receipt",
            text_body="",
            html_body="",
        )
    )
    other.flush()  # uncommitted: the event's own insert of that key waits for it

    async def deliver() -> str:
        return await webhooks.handle_webhook(body, signature, uow=UnitOfWork(pg_url))

    async def commit_once_it_waits() -> bool:
        deadline = time.monotonic() + 20
        while waiting_on_locks(uow) < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        waited = waiting_on_locks(uow) == 1
        other.commit()
        return waited

    try:
        delivered, waited = race(deliver, commit_once_it_waits)
    finally:
        other.close()
    assert waited
    assert isinstance(delivered, IntegrityError), delivered  # an error answer, not "duplicate"
    with uow() as session:
        assert session.exec(select(WebhookEvent.id)).all() == []  # not marked as seen
        assert session.get(Rental, result.rental_id).status == "pending_payment"
    assert asyncio.run(deliver()) == "paid"  # PayMongo's next attempt records the payment
    paid_by, emails = paid_once(uow, result.rental_id)
    assert paid_by == ["webhook:payment.paid"] and emails["order_confirmed"] == 1


def test_the_paid_event_and_the_status_refresh_at_once_mark_it_paid_once(pg_url):
    """The customer's return page asks PayMongo while the paid webhook arrives: both see an
    unpaid rental, one marks it paid, the other finds it paid already."""
    uow = UnitOfWork(pg_url)
    gateway = FakeGateway()
    result = asyncio.run(checkout.start_checkout(order(), gateway=gateway, uow=uow))
    session_id = uow.call(lambda s: s.get(Rental, result.rental_id).checkout_session_id)
    payment_id = gateway.pay(session_id)
    body = event_body(
        "checkout_session.payment.paid", checkout_paid(result.rental_id, session_id, payment_id)
    )
    signature = signed_headers(body)["Paymongo-Signature"]

    async def webhook() -> str:
        return await webhooks.handle_webhook(body, signature, uow=UnitOfWork(pg_url))

    async def refresh() -> str:
        view = await rentals.refresh_rental_status(
            result.rental_id, result.secret_token, gateway=gateway, uow=UnitOfWork(pg_url)
        )
        return view.status

    with rental_locked_until_both_wait(uow, result.rental_id) as release_when_both_wait:
        delivered, shown, both_waited = race(webhook, refresh, release_when_both_wait)
    assert both_waited
    assert delivered in ("paid", "already") and shown == "paid", (delivered, shown)
    paid_by, emails = paid_once(uow, result.rental_id)
    # Whichever came first marked it paid; the answer PayMongo got says which.
    assert paid_by == (
        ["webhook:checkout_session.payment.paid"] if delivered == "paid" else ["paymongo-retrieve"]
    )
    assert emails["order_confirmed"] == 1 and set(emails.values()) == {1}, emails


class SlowRefunds(FakeGateway):
    """PayMongo taking a moment over each refund; keeps what each call sent."""

    def __init__(self) -> None:
        super().__init__()
        self.refund_calls: list[dict] = []

    async def create_refund(self, **kwargs):  # noqa: ANN003, ANN201
        self.refund_calls.append(kwargs)
        await asyncio.sleep(0.3)
        return await super().create_refund(**kwargs)


def test_two_owners_refunding_different_parts_at_once_send_one_refund(pg_url):
    """Two owners (or two tabs) refund one rental at once, each keeping a different fee: the
    keys differ, so PayMongo would pay both out. One reaches PayMongo; the other is told."""
    uow = UnitOfWork(pg_url)
    gateway = SlowRefunds()
    rental_id = asyncio.run(paid_rental(uow, gateway))
    asyncio.run(owner_and_staff(uow))
    asyncio.run(admin_accounts.create_account("ben", OWNER_PASSWORD, "owner", uow=uow))
    owners = [
        asyncio.run(admin_sessions.sign_in(name, OWNER_PASSWORD, uow=uow))[1]
        for name in ("owner", "ben")
    ]

    def refund_by(owner, amount):  # noqa: ANN001, ANN202
        async def refund() -> str:
            return await owner_rentals.refund(
                rental_id, owner, gateway=gateway, amount_centavos=amount, uow=UnitOfWork(pg_url)
            )

        return refund

    with rental_locked_until_both_wait(uow, rental_id) as release_when_both_wait:
        first, second, both_waited = race(
            refund_by(owners[0], 2_000_000), refund_by(owners[1], 2_500_000), release_when_both_wait
        )
    assert both_waited
    refused = [answer for answer in (first, second) if isinstance(answer, Exception)]
    sent = [answer for answer in (first, second) if not isinstance(answer, Exception)]
    (made,) = gateway.refunds
    assert len(gateway.refund_calls) == 1 and sent == [made.id], (first, second)
    (error,) = refused
    assert isinstance(error, Conflict), error
    assert error.message == (
        f"A refund of this rental is already being sent to PayMongo "
        f"({format_php(made.amount_centavos)}). Reload the rental in a few minutes to see it; "
        "until then only that same amount can be sent again."
    )
    with uow() as session:
        rental = session.get(Rental, rental_id)
        refunded = session.exec(
            select(RentalEvent.id).where(
                RentalEvent.rental_id == rental_id, RentalEvent.to_status == "refunded"
            )
        ).all()
        audited = session.exec(
            select(AuditEvent.actor).where(AuditEvent.action == "rental_refunded")
        ).all()
    assert (rental.status, rental.refund_id, rental.refunded_centavos) == (
        "refunded",
        made.id,
        made.amount_centavos,
    )
    assert len(refunded) == 1 and len(audited) == 1
