"""Checkout, webhooks, expiry and refunds through the services, with a fake gateway, on
SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from mongocollectibles.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OutOfStock,
    PaymentProviderError,
)
from mongocollectibles.domain.reservations import Window
from mongocollectibles.models import OutboxMessage, Rental, RentalEvent, utcnow
from mongocollectibles.services import (
    catalog,
    checkout,
    expiry,
    refunds,
    rentals,
    reservations,
    webhooks,
)
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.fakes import DOWN, FakeGateway
from tests.support.orders import checkout_paid, event_body, order, payment, signed_headers


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def stock(uow: UnitOfWork, collectible_id="col-002") -> int:
    return uow.call(catalog.read_collectible, collectible_id).stock


def rental_row(uow: UnitOfWork, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


async def deliver(uow: UnitOfWork, body: bytes) -> str:
    signature = signed_headers(body)["Paymongo-Signature"]
    return await webhooks.handle_webhook(body, signature, uow=uow)


async def test_checkout_holds_a_unit_and_opens_a_session(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    assert result.payment_url.startswith("https://pay.example/cs_fake")
    assert result.total_centavos == 3_000_000 and result.eta_days == 1
    request = gateway.requests[0]
    assert request.amount_centavos == 3_000_000 and request.reference_number == result.rental_id
    assert request.line_item_name == "Star Wars Millennium Falcon Model (3 Days Rental)"
    assert request.payment_method_types == ("gcash",)
    assert request.success_url.startswith("https://shop.example.ph/payment/success?rental_id=")
    assert request.cancel_url.startswith("https://shop.example.ph/payment/failed?rental_id=")
    row = rental_row(shop, result.rental_id)
    assert row.status == "pending_payment" and row.unit_id == "col-002-wh-west"
    assert row.customer_phone == "+639171234567"
    assert stock(shop) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"duration": 0}, "duration"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"customer": {"name": "Juan"}}, "email"),
        ({"collectible_id": None}, "collectible_id"),
    ],
)
async def test_invalid_checkout_writes_nothing(shop, change, field):
    with pytest.raises(InvalidInput) as caught:
        await checkout.start_checkout({**order(), **change}, gateway=FakeGateway(), uow=shop)
    assert caught.value.field == field
    with shop() as session:
        assert session.exec(select(func.count()).select_from(Rental)).one() == 0
    assert stock(shop) == 4


async def test_gateway_down_releases_the_unit(shop):
    gateway = FakeGateway()
    gateway.fail_with = DOWN
    with pytest.raises(PaymentProviderError) as caught:
        await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    assert "Nothing was charged" in caught.value.message
    assert stock(shop) == 4
    with shop() as session:
        assert session.exec(select(Rental.status)).all() == ["cancelled"]


async def test_same_idempotency_key_holds_one_unit(shop):
    gateway = FakeGateway()
    gateway.delay_seconds = 0.3  # the second submit arrives while the first is at PayMongo
    first, second = await asyncio.gather(
        checkout.start_checkout(order(), gateway=gateway, idempotency_key="k1", uow=shop),
        checkout.start_checkout(order(), gateway=gateway, idempotency_key="k1", uow=shop),
    )
    assert first == second
    assert len(gateway.requests) == 1 and stock(shop) == 3


async def test_four_units_serve_one_date_then_the_fifth_is_refused(shop):
    gateway = FakeGateway()
    day = (reservations.today() + timedelta(days=10)).isoformat()
    for _ in range(4):
        await checkout.start_checkout(order(pickup_date=day), gateway=gateway, uow=shop)
    with pytest.raises(Conflict, match="nearest date that can be served"):
        await checkout.start_checkout(order(pickup_date=day), gateway=gateway, uow=shop)
    assert len(gateway.requests) == 4


async def test_fully_booked_within_the_horizon_is_out_of_stock(shop, monkeypatch):
    monkeypatch.setattr(get_settings(), "max_ahead_days", 12)
    gateway = FakeGateway()
    for _ in range(4):  # 30-day rentals: every unit taken past the horizon
        await checkout.start_checkout(order(duration=30), gateway=gateway, uow=shop)
    with pytest.raises(OutOfStock):
        await checkout.start_checkout(order(duration=30), gateway=gateway, uow=shop)


async def test_paid_webhook_then_duplicates_and_late_failure(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    row = rental_row(shop, result.rental_id)
    body = event_body(
        "checkout_session.payment.paid",
        checkout_paid(result.rental_id, row.checkout_session_id, "pay_1"),
    )
    assert await deliver(shop, body) == "paid"
    assert await deliver(shop, body) == "duplicate"
    later = event_body("payment.paid", payment(result.rental_id, "pay_1", "paid"))
    assert await deliver(shop, later) == "already"
    failed = event_body("payment.failed", payment(result.rental_id, "pay_1", "failed"))
    assert await deliver(shop, failed) == "kept"
    row = rental_row(shop, result.rental_id)
    assert row.status == "paid" and row.payment_id == "pay_1" and row.hold_expires_at is None
    assert stock(shop) == 3
    with shop() as session:
        history = session.exec(
            select(RentalEvent.from_status, RentalEvent.to_status)
            .where(RentalEvent.rental_id == result.rental_id)
            .order_by(RentalEvent.id)
        ).all()
    assert history == [(None, "pending_payment"), ("pending_payment", "paid")]


async def test_refund_event_before_paid_event(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    refunded = event_body(
        "payment.refunded", payment(result.rental_id, "pay_9", "paid", refunds=["ref_1"])
    )
    assert await deliver(shop, refunded) == "refunded"
    paid = event_body("payment.paid", payment(result.rental_id, "pay_9", "paid"))
    assert await deliver(shop, paid) == "already"
    assert rental_row(shop, result.rental_id).status == "refunded"
    assert stock(shop) == 4


async def test_failed_payment_keeps_the_hold_for_another_try(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    body = event_body("payment.failed", payment(result.rental_id, "pay_2", "failed"))
    assert await deliver(shop, body) == "payment failed; hold kept"
    row = rental_row(shop, result.rental_id)
    assert row.status == "pending_payment" and row.hold_expires_at is not None
    assert stock(shop) == 3  # still held until the hold expires
    with shop() as session:
        kinds = session.exec(
            select(OutboxMessage.kind).where(OutboxMessage.rental_id == result.rental_id)
        ).all()
    assert kinds == ["payment_failed"]
    # A later payment on the same held unit still goes through.
    paid = event_body("payment.paid", payment(result.rental_id, "pay_3", "paid"))
    assert await deliver(shop, paid) == "paid"
    assert rental_row(shop, result.rental_id).status == "paid"


@pytest.mark.parametrize("header", [None, "", "t=1,te=deadbeef,li=", "garbage", "t=abc,te=,li="])
async def test_forged_events_change_nothing(shop, header):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    body = event_body("payment.paid", payment(result.rental_id, "pay_x", "paid"))
    with pytest.raises(webhooks.BadSignature):
        await webhooks.handle_webhook(body, header, uow=shop)
    tampered = body.replace(b"pay_x", b"pay_y")
    with pytest.raises(webhooks.BadSignature):
        await webhooks.handle_webhook(
            tampered, signed_headers(body)["Paymongo-Signature"], uow=shop
        )
    wrong_secret = signed_headers(body, secret="whsk_someone_else")["Paymongo-Signature"]
    with pytest.raises(webhooks.BadSignature):
        await webhooks.handle_webhook(body, wrong_secret, uow=shop)
    assert rental_row(shop, result.rental_id).status == "pending_payment"


async def test_return_page_status_never_pays_by_itself(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=shop
    )
    assert view.status == "pending_payment" and view.payment_url == result.payment_url
    gateway.pay(rental_row(shop, result.rental_id).checkout_session_id)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=shop
    )
    assert view.status == "paid" and view.payment_url is None
    with pytest.raises(NotFound):
        await rentals.refresh_rental_status(
            result.rental_id, "wrong-token", gateway=gateway, uow=shop
        )


async def test_customer_cancel_needs_the_token(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    with pytest.raises(NotFound):
        await rentals.cancel_rental(result.rental_id, "guess", gateway=gateway, uow=shop)
    assert stock(shop) == 3
    view = await rentals.cancel_rental(
        result.rental_id, result.secret_token, gateway=gateway, uow=shop
    )
    assert view.status == "cancelled" and stock(shop) == 4
    assert gateway.expired == [rental_row(shop, result.rental_id).checkout_session_id]


async def test_expiry_sweep_frees_units_and_expires_sessions(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    assert await expiry.sweep(gateway, uow=shop) == []  # not due yet
    later = utcnow() + timedelta(minutes=get_settings().hold_minutes + 1)
    assert await expiry.sweep(gateway, now=later, uow=shop) == [result.rental_id]
    row = rental_row(shop, result.rental_id)
    assert row.status == "expired" and row.session_expired_at_gateway
    assert gateway.expired == [row.checkout_session_id] and stock(shop) == 4
    assert await expiry.sweep(gateway, now=later, uow=shop) == []  # idempotent


async def test_payment_after_expiry_reholds_the_same_unit_when_free(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=shop)
    body = event_body("payment.paid", payment(result.rental_id, "pay_3", "paid"))
    assert await deliver(shop, body) == "paid"
    row = rental_row(shop, result.rental_id)
    assert row.status == "paid"
    with shop() as session:  # its window is taken again: the unit is not free over it
        window = Window(row.window_start, row.window_end)
        assert not reservations.unit_is_free(session, row.unit_id, window)


async def test_payment_after_expiry_with_unit_gone_is_flagged_and_refunded(shop):
    gateway = FakeGateway()
    late = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=shop)
    other = await checkout.start_checkout(order(), gateway=gateway, uow=shop)  # takes the same unit
    assert rental_row(shop, other.rental_id).unit_id == rental_row(shop, late.rental_id).unit_id
    body = event_body("payment.paid", payment(late.rental_id, "pay_4", "paid"))
    assert await deliver(shop, body) == "refund_needed"
    row = rental_row(shop, late.rental_id)
    assert row.status == "expired" and row.needs_refund and row.payment_id == "pay_4"
    refund_id = await refunds.refund_rental(
        late.rental_id, gateway=gateway, actor="admin", uow=shop
    )
    row = rental_row(shop, late.rental_id)
    assert row.status == "refunded" and row.refund_id == refund_id and not row.needs_refund
    assert gateway.refunds[0].amount_centavos == 3_000_000
    assert rental_row(shop, other.rental_id).status == "pending_payment"


async def test_worker_killed_after_the_hold_leaves_nothing_held_forever(shop):
    # The hold commits before PayMongo is called; a process that dies right after it leaves a
    # pending rental without a checkout session, which the expiry sweep frees.
    with shop() as session:
        rental = checkout.create_pending_rental(session, checkout.parse_order(order()), None)
    assert stock(shop) == 3
    gateway = FakeGateway()
    assert await expiry.sweep(gateway, now=utcnow() + timedelta(hours=1), uow=shop) == [rental.id]
    assert stock(shop) == 4 and gateway.expired == []


@pytest.mark.postgres
async def test_concurrent_sweepers_expire_each_hold_once(pg_url):
    shop = UnitOfWork(pg_url)
    gateway = FakeGateway()
    ids = {
        (await checkout.start_checkout(order(), gateway=gateway, uow=shop)).rental_id
        for _ in range(4)
    }
    later = utcnow() + timedelta(hours=1)
    results = await asyncio.gather(*[expiry.sweep(gateway, now=later, uow=shop) for _ in range(4)])
    expired = [rental_id for result in results for rental_id in result]
    assert sorted(expired) == sorted(ids)  # every hold expired exactly once
    with shop() as session:
        events = session.exec(select(RentalEvent).where(RentalEvent.to_status == "expired")).all()
    assert len(events) == 4 and stock(shop) == 4


async def test_a_key_whose_checkout_ended_unpaid_starts_a_new_one(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(
        order(), gateway=gateway, idempotency_key="tab-1", uow=shop
    )
    await rentals.cancel_rental(first.rental_id, first.secret_token, gateway=gateway, uow=shop)
    again = await checkout.start_checkout(
        order(), gateway=gateway, idempotency_key="tab-1", uow=shop
    )
    assert again.rental_id != first.rental_id and stock(shop) == 3
    assert rental_row(shop, first.rental_id).status == "cancelled"
    repeat = await checkout.start_checkout(
        order(), gateway=gateway, idempotency_key="tab-1", uow=shop
    )
    assert repeat.rental_id == again.rental_id and stock(shop) == 3


@pytest.mark.parametrize(
    ("amount", "currency"),
    [(2_999_999, "PHP"), (3_000_001, "PHP"), (3_000_000, "USD"), (None, "PHP")],
)
async def test_a_payment_that_is_not_the_total_leaves_the_rental_unpaid_and_flagged(
    shop, amount, currency
):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    resource = payment(result.rental_id, "pay_odd", "paid", amount=amount, currency=currency)
    assert await deliver(shop, event_body("payment.paid", resource)) == "amount_mismatch"
    row = rental_row(shop, result.rental_id)
    assert row.status == "pending_payment" and row.paid_at is None
    assert row.owner_flag and "pay_odd" in row.owner_flag and "PHP 30,000.00 due" in row.owner_flag
    # The exact total afterwards (a second, correct payment) does pay it.
    right = payment(result.rental_id, "pay_odd", "paid")
    assert await deliver(shop, event_body("payment.paid", right)) == "paid"


async def test_the_status_refresh_checks_the_paid_amount_too(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    session_id = rental_row(shop, result.rental_id).checkout_session_id
    gateway.pay(session_id, amount_centavos=100)
    view = await rentals.refresh_rental_status(
        result.rental_id, result.secret_token, gateway=gateway, uow=shop
    )
    assert view.status == "pending_payment"
    assert "PHP 1.00" in (rental_row(shop, result.rental_id).owner_flag or "")
