"""Order codes, "Find my order", and paying again: another method after Back or a decline."""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlmodel import select

from mongocollectibles.domain.errors import InvalidInput, NotFound
from mongocollectibles.domain.order_code import is_order_code, normalize_order_code
from mongocollectibles.models import OutboxMessage, Rental
from mongocollectibles.services import (
    checkout,
    notifications,
    order_lookup,
    pay_again,
    rentals,
    webhooks,
)
from mongocollectibles.services.rate_limit import RateLimiter, TooManyAttempts
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import checkout_paid, event_body, order, payment, signed_headers


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    # Counters of this test's own (in Redis too, were REDIS_URL set).
    monkeypatch.setenv("RATE_LIMIT_PREFIX", f"test-journey-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def row(uow, rental_id: str) -> Rental:
    return uow.call(lambda s: s.get(Rental, rental_id))


async def deliver(uow, body: bytes) -> str:
    return await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=uow)


async def test_every_rental_gets_a_short_unique_code_shown_with_it(shop):
    gateway = FakeGateway()
    results = [await checkout.start_checkout(order(), gateway=gateway, uow=shop) for _ in range(3)]
    codes = {r.order_code for r in results}
    assert len(codes) == 3 and all(is_order_code(c) for c in codes)
    view = await rentals.get_rental(results[0].rental_id, results[0].secret_token, uow=shop)
    assert view.order_code == results[0].order_code
    assert normalize_order_code(" mc " + view.order_code[3:].lower()) == view.order_code
    assert normalize_order_code("MC-0O1ILS") is None


async def test_find_my_order_by_email_and_code_with_one_answer_for_any_mistake(shop):
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    found = await order_lookup.find_order(
        "JUAN@example.com ", result.order_code.lower(), client="1.2.3.4", uow=shop
    )
    assert found.path == f"/orders/{result.rental_id}?token={result.secret_token}"
    messages = set()
    for email, code in (
        ("other@example.com", result.order_code),
        ("juan@example.com", "MC-777777"),
        ("juan@example.com", "not a code"),
    ):
        with pytest.raises(NotFound) as error:
            await order_lookup.find_order(email, code, client="1.2.3.4", uow=shop)
        messages.add(error.value.message)
    assert messages == {order_lookup.NOT_FOUND}


async def test_find_my_order_is_rate_limited_per_client(shop):
    for _ in range(order_lookup.LOOKUPS_PER_CLIENT.limit):
        with pytest.raises(NotFound):
            await order_lookup.find_order("a@example.com", "MC-777777", client="5.6.7.8", uow=shop)
    with pytest.raises(TooManyAttempts):
        await order_lookup.find_order("a@example.com", "MC-777777", client="5.6.7.8", uow=shop)
    # Another client is not affected.
    with pytest.raises(NotFound):
        await order_lookup.find_order("a@example.com", "MC-777777", client="9.9.9.9", uow=shop)


REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def shared_counters(monkeypatch):
    """REDIS_URL set, as with several workers, with keys of this test's own (deleted after)."""
    prefix = f"test-lookups-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis not reachable at {REDIS_URL}: {error}")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RATE_LIMIT_PREFIX", prefix)
    get_settings.cache_clear()
    yield client
    get_settings.cache_clear()
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


async def test_two_workers_share_the_find_my_order_count_in_redis(shop, shared_counters):
    """Each worker process has its own copy of the limiter; with REDIS_URL they count
    together, and no client address is stored as such."""
    limit = order_lookup.LOOKUPS_PER_CLIENT.limit
    first = RateLimiter(order_lookup.LOOKUPS_PER_CLIENT.name, limit=limit, window_seconds=600)
    second = RateLimiter(order_lookup.LOOKUPS_PER_CLIENT.name, limit=limit, window_seconds=600)
    workers = [first, second] * limit
    assert [await worker.hit("203.0.113.7") for worker in workers[:limit]] == [True] * limit
    assert not await first.hit("203.0.113.7") and not await second.hit("203.0.113.7")
    assert await second.hit("203.0.113.8")  # another client counts apart
    keys = [
        key.decode() for key in shared_counters.scan_iter(f"{get_settings().rate_limit_prefix}*")
    ]
    assert keys and not any("203.0.113" in key for key in keys)

    # Find my order, in this worker, counts there too: wrong email or wrong code alike.
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    wrong_email = ("other@example.com", result.order_code)
    wrong_code = ("juan@example.com", "MC-777777")
    answers = []
    for number in range(limit):
        email, code = wrong_email if number % 2 else wrong_code
        with pytest.raises(NotFound) as missed:
            await order_lookup.find_order(email, code, client="198.51.100.4", uow=shop)
        answers.append((missed.value.status_code, missed.value.message))
    assert set(answers) == {(404, order_lookup.NOT_FOUND)}
    refused = []
    for email, code in (wrong_email, wrong_code, ("juan@example.com", result.order_code)):
        with pytest.raises(TooManyAttempts) as stopped:
            await order_lookup.find_order(email, code, client="198.51.100.4", uow=shop)
        refused.append((stopped.value.status_code, stopped.value.message))
    assert set(refused) == {(429, order_lookup.TOO_MANY)}
    # ... and another worker's copy sees that count.
    assert not await second.hit("198.51.100.4")


async def test_without_redis_each_worker_counts_alone(shop):
    """Without REDIS_URL (one worker) the count is this process's: the test above could fail."""
    first = RateLimiter("order-lookups-per-client", limit=2, window_seconds=600)
    second = RateLimiter("order-lookups-per-client", limit=2, window_seconds=600)
    assert [await first.hit("c"), await first.hit("c"), await first.hit("c")] == [
        True,
        True,
        False,
    ]
    assert await second.hit("c")


async def test_order_links_are_emailed_through_the_outbox_and_the_answer_never_differs(shop):
    first = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=shop)
    second = await checkout.start_checkout(order("col-001"), gateway=FakeGateway(), uow=shop)
    known = await order_lookup.email_order_links("juan@example.com", client="c1", uow=shop)
    unknown = await order_lookup.email_order_links("nobody@example.com", client="c1", uow=shop)
    assert known == unknown == order_lookup.LINKS_SENT
    (message,) = shop.call(lambda s: list(s.exec(select(OutboxMessage)).all()))
    assert message.kind == "order_links" and message.to_address == "juan@example.com"
    for result in (first, second):
        assert result.order_code in message.text_body
        assert f"/orders/{result.rental_id}?token={result.secret_token}" in message.html_body
        booked = row(shop, result.rental_id)  # each order with its booked days
        dates = (
            f"pickup {notifications.day_text(booked.pickup_date)}, "
            f"return by {notifications.day_text(booked.return_date)}"
        )
        assert dates in message.text_body and dates in message.html_body


async def test_another_method_after_back_opens_a_new_session_for_the_same_unit(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, idempotency_key="k1", uow=shop)
    old_session = row(shop, first.rental_id).checkout_session_id
    again = await checkout.start_checkout(
        order(method="card"), gateway=gateway, idempotency_key="k1", uow=shop
    )
    assert again.rental_id == first.rental_id and again.payment_url != first.payment_url
    assert [r.payment_method_types for r in gateway.requests] == [("gcash",), ("card",)]
    assert len({r.idempotency_key for r in gateway.requests}) == 2
    rental = row(shop, first.rental_id)
    assert rental.payment_method == "card" and rental.unit_id == "col-002-wh-west"
    assert rental.checkout_session_id != old_session and gateway.expired == [old_session]
    # The same method again changes nothing.
    same = await checkout.start_checkout(
        order(method="card"), gateway=gateway, idempotency_key="k1", uow=shop
    )
    assert same.payment_url == again.payment_url and len(gateway.requests) == 2
    # Paid: pressing Pay again leads to the order, not to "checkout ended".
    paid = checkout_paid(first.rental_id, rental.checkout_session_id, "pay_1", 3_000_000)
    assert await deliver(shop, event_body("checkout_session.payment.paid", paid)) == "paid"
    after = await checkout.start_checkout(
        order(method="card"), gateway=gateway, idempotency_key="k1", uow=shop
    )
    assert after.payment_url == (
        f"https://shop.example.ph/orders/{first.rental_id}?token={first.secret_token}"
    )


async def test_after_a_decline_the_customer_can_pay_with_another_method(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    failed = event_body("payment.failed", payment(first.rental_id, "pay_2", "failed"))
    await deliver(shop, failed)
    view = await rentals.get_rental(first.rental_id, first.secret_token, uow=shop)
    assert view.status == "pending_payment" and view.payment_failed
    switch = await pay_again.pay_with_method(
        first.rental_id, first.secret_token, "card", gateway=gateway, uow=shop
    )
    assert switch.changed and gateway.requests[-1].payment_method_types == ("card",)
    view = await rentals.get_rental(first.rental_id, first.secret_token, uow=shop)
    assert view.payment_url == switch.payment_url and view.payment_method == "card"
    assert not view.payment_failed  # a fresh attempt


def test_migration_gives_existing_rentals_codes_and_stores_hours(tmp_path):
    from sqlalchemy import text

    from alembic import command
    from mongocollectibles import migrations
    from mongocollectibles.db import get_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = migrations.alembic_config(url)
    command.upgrade(config, "0003_rental_owner_flag")
    engine = get_engine(url)
    columns = (
        "id, secret_token, status, collectible_id, collectible_name, store_id, unit_id, "
        "warehouse_id, duration_days, daily_rate_centavos, total_centavos, is_special_rate, "
        "eta_days, payment_method, customer_name, customer_email, customer_phone, "
        "customer_address, customer_city, customer_postal_code, needs_refund, "
        "session_expired_at_gateway, created_at, updated_at"
    )
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO store (id, name, address, active) VALUES "
                "('store-a', 'A', '123 Main Street', 1)"
            )
        )
        db.execute(
            text(
                "INSERT INTO collectible (id, name, description, size, image_url, "
                "active, created_at) VALUES ('col-1', 'X', '', 'S', '', 1, '2026-01-01')"
            )
        )
        db.execute(text("INSERT INTO warehouse (id, name, active) VALUES ('wh', 'W', 1)"))
        db.execute(
            text(
                "INSERT INTO unit (id, collectible_id, warehouse_id, active) VALUES "
                "('u1', 'col-1', 'wh', 1), ('u2', 'col-1', 'wh', 1)"
            )
        )
        for number, unit in ((1, "u1"), (2, "u2")):
            db.execute(
                text(
                    f"INSERT INTO rental ({columns}) VALUES (:id, 't', 'returned', 'col-1', "
                    "'X', 'store-a', :unit, 'wh', 7, 100, 700, 0, 1, 'gcash', 'N', "
                    "'n@example.com', '+639171234567', 'a', 'c', '1000', 0, 0, "
                    "'2026-01-01', '2026-01-01')"
                ),
                {"id": f"r{number}", "unit": unit},
            )
    migrations.upgrade(url)
    with engine.connect() as db:
        codes = db.execute(text("SELECT order_code FROM rental")).scalars().all()
        hours = db.execute(text("SELECT opening_hours FROM store")).scalar_one()
    assert len(set(codes)) == 2 and all(is_order_code(code) for code in codes)
    assert hours.startswith("Mon-Sat")
    assert migrations.schema_drift(url) == []
    engine.dispose()


async def test_back_in_stock_alert_is_emailed_once_when_a_unit_is_free(shop):
    from mongocollectibles.services import stock_alerts

    gateway = FakeGateway()
    held = [
        await checkout.start_checkout(order("col-003", duration=7), gateway=gateway, uow=shop)
        for _ in range(4)
    ]
    help_ = await stock_alerts.out_of_stock_help("col-003", "store-a", uow=shop)
    assert help_.other_stores == [] and help_.next_date is None
    answer = await stock_alerts.subscribe(
        " Maria@Example.com", "col-003", "store-a", client="c", uow=shop
    )
    assert answer == stock_alerts.SUBSCRIBED
    with pytest.raises(InvalidInput):
        await stock_alerts.subscribe("maria@", "col-003", "store-a", client="c", uow=shop)
    assert await stock_alerts.send_back_in_stock(uow=shop) == 0  # still out of stock
    await rentals.cancel_rental(held[0].rental_id, held[0].secret_token, gateway=gateway, uow=shop)
    assert await stock_alerts.send_back_in_stock(uow=shop) == 1
    assert await stock_alerts.send_back_in_stock(uow=shop) == 0
    (message,) = shop.call(
        lambda s: list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "back_in_stock")))
    )
    assert message.to_address == "maria@example.com"
    assert "Life-Size Iron Man Suit" in message.subject
