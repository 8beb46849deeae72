"""Another payment method for a checkout that waits for payment: what the customer is told and
sent to, what PayMongo is asked (one page per switch, the old page closed) and what the owner
reads in the rental's history. Through the services, on SQLite and PostgreSQL, with the fake
gateway, and with the local PayMongo sandbox where PayMongo's idempotency keys matter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from mongocollectibles.domain.errors import Conflict, InvalidInput, PaymentProviderError
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import PayMongoClient
from mongocollectibles.payments.sandbox import create_sandbox_app
from mongocollectibles.services import (
    checkout,
    expiry,
    pay_again,
    payment_switch,
    rentals,
    webhooks,
)
from mongocollectibles.services.checkout import CheckoutResult
from mongocollectibles.settings import get_settings
from tests.support.fakes import DOWN, FakeGateway
from tests.support.history import history
from tests.support.orders import event_body, order, payment, signed_headers
from tests.support.servers import free_port, run_asgi_in_thread

PROVIDER_DOWN = (
    "The payment provider is not responding right now; your item is still held. "
    "Please try again in a minute."
)
CHECKOUT_ENDED = "This checkout has ended; it can no longer be paid."
HOLD_ENDED = "The hold on this item has ended; please start a new checkout."
UNKNOWN_METHOD = (
    "Choose a payment method: one of card, gcash, paymaya, grab_pay, qrph, dob, dob_ubp."
)


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def row(uow, rental_id: str) -> Rental:
    return uow.call(lambda s: s.get(Rental, rental_id))


def switched(from_method: str, to_method: str) -> tuple:
    return (
        "pending_payment",
        "pending_payment",
        "customer",
        f"Payment method changed from {from_method} to {to_method}.",
    )


async def pay_with(uow, result: CheckoutResult, method: object, gateway) -> payment_switch.Switch:
    return await pay_again.pay_with_method(
        result.rental_id, result.secret_token, method, gateway=gateway, uow=uow
    )


# -- with the fake gateway ---------------------------------------------------------------------


async def test_each_switch_opens_a_new_page_closes_the_last_and_is_in_the_history(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    rid = first.rental_id
    assert first.payment_url == "https://pay.example/cs_fake1"

    to_card = await pay_with(shop, first, "card", gateway)
    assert to_card == payment_switch.Switch(rid, "https://pay.example/cs_fake2", changed=True)
    assert gateway.expired == ["cs_fake1"]
    view = await rentals.get_rental(rid, first.secret_token, uow=shop)
    assert (view.payment_method, view.payment_url, view.status) == (
        "card",
        to_card.payment_url,
        "pending_payment",
    )

    to_maya = await pay_with(shop, first, "paymaya", gateway)
    assert to_maya == payment_switch.Switch(rid, "https://pay.example/cs_fake3", changed=True)
    assert gateway.expired == ["cs_fake1", "cs_fake2"]  # the card page is closed in turn

    # PayMongo: the same order each time, with the method chosen, under a key of its own per
    # switch (a retried switch reuses its key, so PayMongo answers with the page it opened).
    assert [(r.reference_number, r.amount_centavos) for r in gateway.requests] == [
        (rid, 3_000_000)
    ] * 3
    assert [r.payment_method_types for r in gateway.requests] == [
        ("gcash",),
        ("card",),
        ("paymaya",),
    ]
    assert [r.idempotency_key for r in gateway.requests] == [
        f"checkout-{rid}",
        f"checkout-{rid}-m1",
        f"checkout-{rid}-m2",
    ]
    # The owner reads who changed what, the rental still waiting for payment.
    assert history(shop, rid)[1:] == [switched("gcash", "card"), switched("card", "paymaya")]


async def test_switches_of_another_rental_do_not_count_for_this_one(shop):
    gateway = FakeGateway()
    other = await checkout.start_checkout(order("col-001"), gateway=gateway, uow=shop)
    await pay_with(shop, other, "card", gateway)
    await pay_with(shop, other, "gcash", gateway)
    mine = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await pay_with(shop, mine, "card", gateway)
    assert gateway.requests[-1].idempotency_key == f"checkout-{mine.rental_id}-m1"
    assert history(shop, mine.rental_id)[1:] == [switched("gcash", "card")]


async def test_the_page_of_the_new_method_is_closed_when_the_hold_runs_out(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await pay_with(shop, first, "card", gateway)
    assert gateway.expired == ["cs_fake1"]
    later = utcnow() + timedelta(minutes=get_settings().hold_minutes + 1)
    assert await expiry.sweep(gateway, now=later, uow=shop) == [first.rental_id]
    # The card page can no longer take a payment for a unit that is no longer held.
    assert gateway.expired == ["cs_fake1", "cs_fake2"]
    assert row(shop, first.rental_id).session_expired_at_gateway


async def test_cancelling_after_a_switch_closes_the_page_of_the_new_method(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    await pay_with(shop, first, "card", gateway)
    view = await rentals.cancel_rental(
        first.rental_id, first.secret_token, gateway=gateway, uow=shop
    )
    assert view.status == "cancelled"
    assert gateway.expired == ["cs_fake1", "cs_fake2"]


async def test_choosing_the_method_in_use_keeps_the_page_and_asks_paymongo_nothing(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    same = await pay_with(shop, first, "gcash", gateway)
    assert same == payment_switch.Switch(first.rental_id, first.payment_url, changed=False)
    assert len(gateway.requests) == 1 and gateway.expired == []
    assert len(history(shop, first.rental_id)) == 1  # only the checkout itself


async def test_a_method_the_shop_does_not_offer_is_refused_naming_the_field(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    for method in ("bitcoin", "GCash", "", None):
        with pytest.raises(InvalidInput) as refused:
            await pay_with(shop, first, method, gateway)
        assert (refused.value.message, refused.value.field) == (UNKNOWN_METHOD, "payment_method")
    assert len(gateway.requests) == 1 and row(shop, first.rental_id).payment_method == "gcash"


async def test_a_checkout_that_has_ended_cannot_switch(shop):
    gateway = FakeGateway()
    cancelled = await checkout.start_checkout(order("col-001"), gateway=gateway, uow=shop)
    await rentals.cancel_rental(
        cancelled.rental_id, cancelled.secret_token, gateway=gateway, uow=shop
    )
    paid = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    body = event_body("payment.paid", payment(paid.rental_id, "pay_1", "paid"))
    await webhooks.handle_webhook(body, signed_headers(body)["Paymongo-Signature"], uow=shop)
    assert row(shop, paid.rental_id).status == "paid"
    asked = len(gateway.requests)
    for ended in (cancelled, paid):
        with pytest.raises(Conflict) as refused:
            await pay_with(shop, ended, "card", gateway)
        assert (refused.value.message, refused.value.status_code) == (CHECKOUT_ENDED, 409)
    assert len(gateway.requests) == asked


async def test_the_hold_has_ended_at_its_very_moment(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    ends = row(shop, first.rental_id).hold_expires_at
    assert ends is not None

    async def switch_at(moment) -> payment_switch.Switch:
        return await payment_switch.change_payment_method(
            first.rental_id,
            "card",
            gateway=gateway,
            request_for=checkout.checkout_request,
            uow=shop,
            now=moment,
        )

    for moment in (ends, ends + timedelta(seconds=1)):
        with pytest.raises(Conflict) as refused:
            await switch_at(moment)
        assert refused.value.message == HOLD_ENDED
    assert len(gateway.requests) == 1 and gateway.expired == []
    assert (await switch_at(ends - timedelta(seconds=1))).changed


async def test_a_hold_that_ran_out_before_the_sweep_cannot_switch(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    with shop() as session:
        session.get_one(Rental, first.rental_id).hold_expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(Conflict) as refused:
        await pay_with(shop, first, "card", gateway)
    assert (refused.value.message, refused.value.status_code) == (HOLD_ENDED, 409)
    assert len(gateway.requests) == 1


async def test_paymongo_down_keeps_the_old_page_and_the_next_try_opens_the_new_one(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    gateway.fail_with = DOWN
    with pytest.raises(PaymentProviderError) as down:
        await pay_with(shop, first, "card", gateway)
    assert (down.value.message, down.value.status_code) == (PROVIDER_DOWN, 502)
    view = await rentals.get_rental(first.rental_id, first.secret_token, uow=shop)
    assert (view.status, view.payment_method, view.payment_url) == (
        "pending_payment",
        "gcash",
        first.payment_url,
    )
    assert gateway.expired == [] and len(history(shop, first.rental_id)) == 1
    gateway.fail_with = None
    again = await pay_with(shop, first, "card", gateway)
    assert again.changed and gateway.expired == ["cs_fake1"]
    # The failed try changed nothing: the same key as that try, so PayMongo would answer with
    # the page it may have opened for it.
    assert [r.idempotency_key for r in gateway.requests[1:]] == [
        f"checkout-{first.rental_id}-m1"
    ] * 2


async def test_a_checkout_cancelled_while_paymongo_opens_the_new_page_is_not_switched(shop):
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    gateway.delay_seconds = 2.0  # PayMongo is slow to open the card page ...
    switching = asyncio.create_task(pay_with(shop, first, "card", gateway))
    await eventually(lambda: len(gateway.requests) == 2)
    # ... and meanwhile the customer cancels in another tab.
    await rentals.cancel_rental(first.rental_id, first.secret_token, gateway=gateway, uow=shop)
    with pytest.raises(Conflict) as refused:
        await switching
    assert refused.value.message == CHECKOUT_ENDED
    rental = row(shop, first.rental_id)
    assert (rental.status, rental.payment_method, rental.checkout_url) == (
        "cancelled",
        "gcash",
        first.payment_url,
    )
    assert [event[3] for event in history(shop, first.rental_id)][1:] == ["Cancelled by customer."]


async def eventually(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


# -- with the local PayMongo sandbox (it keeps a page per idempotency key, as PayMongo does) ---

SANDBOX_KEY = "sk_test_payment_switch"


@pytest.fixture
def paymongo() -> Iterator[tuple[Any, str]]:
    """A fresh sandbox over real HTTP: (its in-process state, its base URL)."""
    port = free_port()
    app = create_sandbox_app(
        secret_key=SANDBOX_KEY,
        webhook_secret="whsk_payment_switch",
        webhook_url=f"http://127.0.0.1:{free_port()}/unused",  # nothing here is paid
        public_url=f"http://127.0.0.1:{port}",
    )
    with run_asgi_in_thread(app, port=port) as url:
        yield app.state.sandbox, url


async def set_faults(base_url: str, **faults: object) -> None:
    async with httpx.AsyncClient() as http:
        (await http.post(f"{base_url}/_sandbox/faults", json=faults)).raise_for_status()


def session_of(payment_url: str) -> str:
    return payment_url.rstrip("/").rsplit("/", 1)[-1]


async def test_a_retried_switch_gets_the_page_paymongo_opened_for_the_first_try(shop, paymongo):
    sandbox, url = paymongo
    async with PayMongoClient(SANDBOX_KEY, base_url=url, timeout=0.5, max_retries=0) as gateway:
        mine = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
        other = await checkout.start_checkout(order("col-001"), gateway=gateway, uow=shop)
        await set_faults(url, create_checkout="timeout", timeout_seconds=1.0)
        with pytest.raises(PaymentProviderError) as slow:
            await pay_with(shop, mine, "card", gateway)
        assert slow.value.message == PROVIDER_DOWN
        await set_faults(url, create_checkout="ok")
        # PayMongo opens that page after the shop stopped waiting for it.
        await eventually(lambda: len(sandbox.store.sessions) == 3)
        (late,) = set(sandbox.store.sessions) - {
            session_of(mine.payment_url),
            session_of(other.payment_url),
        }
        # Another customer switches meanwhile: that counts for their checkout only.
        await pay_with(shop, other, "card", gateway)
        assert len(sandbox.store.sessions) == 4

        retried = await pay_with(shop, mine, "card", gateway)
        assert len(sandbox.store.sessions) == 4  # no second card page for one switch
        assert session_of(retried.payment_url) == late
        assert (await gateway.retrieve_checkout_session(late)).status == "active"
        first_page = await gateway.retrieve_checkout_session(session_of(mine.payment_url))
        assert first_page.status == "expired"

        # The next switch is a new one: a new page, and the card page closed.
        to_maya = await pay_with(shop, mine, "paymaya", gateway)
        assert len(sandbox.store.sessions) == 5 and session_of(to_maya.payment_url) != late
        assert (await gateway.retrieve_checkout_session(late)).status == "expired"


async def test_two_switches_at_once_leave_the_customer_one_open_page(shop, paymongo):
    """Pay another way pressed in a second tab while the first tab's switch waits for
    PayMongo: to PayMongo both are the same switch (one key), so it opens one page; the
    second answer must not close the page the first one has just handed out."""
    sandbox, url = paymongo
    async with PayMongoClient(SANDBOX_KEY, base_url=url, timeout=5.0, max_retries=0) as gateway:
        first = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
        await set_faults(url, create_checkout="timeout", timeout_seconds=1.5)
        tab_one = asyncio.create_task(pay_with(shop, first, "card", gateway))
        await asyncio.sleep(0.5)  # the second press while the first is still at PayMongo
        tab_two = asyncio.create_task(pay_with(shop, first, "card", gateway))
        one, two = await tab_one, await tab_two
        assert one.payment_url == two.payment_url and len(sandbox.store.sessions) == 2
        card_page = await gateway.retrieve_checkout_session(session_of(one.payment_url))
        assert card_page.status == "active"
        gcash_page = await gateway.retrieve_checkout_session(session_of(first.payment_url))
        assert gcash_page.status == "expired"
        view = await rentals.get_rental(first.rental_id, first.secret_token, uow=shop)
        assert (view.payment_method, view.payment_url) == ("card", one.payment_url)
        # One switch for the owner too: not a second "changed from card to card".
        assert history(shop, first.rental_id)[1:] == [switched("gcash", "card")]
