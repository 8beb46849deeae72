"""Breakages a customer, the owner or PayMongo would notice, each checked from the outside:
through the services and the HTTP API, on SQLite and PostgreSQL, with a fake gateway.

Each test names what someone would see if the rule broke."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from mongocollectibles.domain.errors import Conflict
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.services import (
    catalog,
    checkout,
    expiry,
    owner_actions,
    refunds,
    rentals,
    webhooks,
)
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


@pytest.fixture
def shop(uow, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example.ph")
    get_settings.cache_clear()
    yield uow
    get_settings.cache_clear()


def stock(uow, collectible_id="col-002") -> int:
    return uow.call(catalog.read_collectible, collectible_id).stock


def row(uow, rental_id) -> Rental:
    return uow.call(lambda session: session.get(Rental, rental_id))


async def paid_rental(uow, gateway):
    result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
    body = event_body("payment.paid", payment(result.rental_id, "pay_1", "paid"))
    signature = signed_headers(body)["Paymongo-Signature"]
    assert await webhooks.handle_webhook(body, signature, uow=uow) == "paid"
    return result


# --- the customer ---------------------------------------------------------------------------


async def test_a_customer_cannot_cancel_a_paid_rental(shop):
    gateway = FakeGateway()
    result = await paid_rental(shop, gateway)
    with pytest.raises(Conflict) as caught:
        await rentals.cancel_rental(
            result.rental_id, result.secret_token, gateway=gateway, uow=shop
        )
    assert caught.value.message == "This rental is paid; it can no longer be cancelled here."
    assert row(shop, result.rental_id).status == "paid" and stock(shop) == 3
    assert gateway.expired == []


async def test_cancelling_twice_is_one_cancel(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    for _ in range(2):
        view = await rentals.cancel_rental(
            result.rental_id, result.secret_token, gateway=gateway, uow=shop
        )
        assert view.status == "cancelled" and view.status_label == "Cancelled"
    assert len(gateway.expired) == 1 and stock(shop) == 4
    assert row(shop, result.rental_id).session_expired_at_gateway


async def test_the_hold_lasts_hold_minutes(uow, monkeypatch):
    monkeypatch.setenv("HOLD_MINUTES", "5")
    get_settings.cache_clear()
    try:
        gateway = FakeGateway()
        before = utcnow()
        result = await checkout.start_checkout(order(), gateway=gateway, uow=uow)
        held_until = row(uow, result.rental_id).hold_expires_at
        assert held_until is not None
        hold = held_until.replace(tzinfo=None) - before.replace(tzinfo=None)
        assert timedelta(minutes=5) <= hold < timedelta(minutes=5, seconds=30)
        assert await expiry.sweep(gateway, now=before + timedelta(minutes=4), uow=uow) == []
        later = before + timedelta(minutes=6)
        assert await expiry.sweep(gateway, now=later, uow=uow) == [result.rental_id]
    finally:
        get_settings.cache_clear()


# --- the owner ------------------------------------------------------------------------------


async def test_a_picked_up_rental_cannot_be_refunded(shop):
    gateway = FakeGateway()
    result = await paid_rental(shop, gateway)
    for step in ("ready_for_pickup", "picked_up"):
        assert await owner_actions.advance_rental(result.rental_id, step, actor="admin", uow=shop)
    with pytest.raises(Conflict) as caught:
        await refunds.refund_rental(result.rental_id, gateway=gateway, actor="admin", uow=shop)
    assert caught.value.message == (
        "Only a paid rental that has not been picked up can be refunded."
    )
    assert gateway.refunds == [] and row(shop, result.rental_id).status == "picked_up"


@pytest.mark.parametrize("steps", [(), ("ready_for_pickup",)])
async def test_a_paid_or_ready_rental_is_refunded_once_in_full(shop, steps):
    gateway = FakeGateway()
    result = await paid_rental(shop, gateway)
    for step in steps:
        await owner_actions.advance_rental(result.rental_id, step, actor="admin", uow=shop)
    refund_id = await refunds.refund_rental(
        result.rental_id, gateway=gateway, actor="admin", uow=shop
    )
    (sent,) = gateway.refunds
    assert (sent.payment_id, sent.amount_centavos) == ("pay_1", 3_000_000)
    assert row(shop, result.rental_id).status == "refunded" and stock(shop) == 4
    assert row(shop, result.rental_id).refund_id == refund_id
    with pytest.raises(Conflict) as caught:
        await refunds.refund_rental(result.rental_id, gateway=gateway, actor="admin", uow=shop)
    assert caught.value.message == "This rental is already refunded."
    assert len(gateway.refunds) == 1


async def test_an_unpaid_rental_cannot_be_refunded(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    with pytest.raises(Conflict):
        await refunds.refund_rental(result.rental_id, gateway=gateway, actor="admin", uow=shop)
    assert gateway.refunds == [] and row(shop, result.rental_id).status == "pending_payment"


# --- PayMongo -------------------------------------------------------------------------------


async def test_an_event_of_the_other_mode_changes_nothing(shop):
    gateway = FakeGateway()
    result = await checkout.start_checkout(order(), gateway=gateway, uow=shop)
    event = json.loads(event_body("payment.paid", payment(result.rental_id, "pay_l", "paid")))
    event["data"]["attributes"]["livemode"] = True  # a live event sent to a test-mode shop
    body = json.dumps(event).encode()
    signature = signed_headers(body)["Paymongo-Signature"]
    assert await webhooks.handle_webhook(body, signature, uow=shop) == "ignored (other mode)"
    assert row(shop, result.rental_id).status == "pending_payment" and stock(shop) == 3


# --- the HTTP API ---------------------------------------------------------------------------


@pytest.fixture
async def api(shop):
    fake = FakeGateway()
    app = create_api(uow=shop, run_background_tasks=False)
    app.dependency_overrides[gateway_dependency] = lambda: fake
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.gateway = fake  # type: ignore[attr-defined]
        yield client


async def test_a_reused_idempotency_key_with_another_order_is_refused(api, shop):
    key = {"Idempotency-Key": "tab-7"}
    first = await api.post("/api/rentals/checkout", json=order(), headers=key)
    assert first.status_code == 200
    again = await api.post("/api/rentals/checkout", json=order(), headers=key)
    assert again.json()["data"]["rental_id"] == first.json()["data"]["rental_id"]
    for change in ({"duration": 4}, {"store_id": "store-b"}, {"collectible_id": "col-001"}):
        other = await api.post("/api/rentals/checkout", json=order(**change), headers=key)
        assert other.status_code == 409
        assert other.json() == {
            "success": False,
            "error": "This checkout was already submitted with different details.",
        }
    assert stock(shop) == 3 and len(api.gateway.requests) == 1
    assert stock(shop, "col-001") == 4


async def test_a_chunked_body_over_the_cap_is_refused(api, shop):
    big = json.dumps({**order(), "note": "x" * 20_000}).encode()

    async def chunks():
        for start in range(0, len(big), 1024):
            yield big[start : start + 1024]

    response = await api.post(
        "/api/rentals/checkout", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "success": False,
        "error": "Request body is too large (at most 16384 bytes).",
    }
    assert stock(shop) == 4 and api.gateway.requests == []


async def test_a_body_just_under_the_cap_is_read(api, shop):
    padded = {**order(), "note": ""}
    padded["note"] = "x" * (16_384 - len(json.dumps(padded).encode()))
    body = json.dumps(padded).encode()
    assert len(body) == 16_384

    async def one_chunk():
        yield body

    response = await api.post(
        "/api/rentals/checkout", content=one_chunk(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200 and stock(shop) == 3


async def test_an_unexpected_error_is_a_500_that_holds_nothing(api, shop):
    async def broken(_request):
        raise RuntimeError("bug")

    api.gateway.create_checkout_session = broken
    response = await api.post("/api/rentals/checkout", json=order())
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": "Something went wrong on our side; nothing was charged. Please try again.",
    }
    assert stock(shop) == 4


async def test_a_live_event_through_the_api_is_acknowledged_and_ignored(api, shop):
    created = (await api.post("/api/rentals/checkout", json=order())).json()["data"]
    event = json.loads(event_body("payment.paid", payment(created["rental_id"], "pay_9", "paid")))
    event["data"]["attributes"]["livemode"] = True
    body = json.dumps(event).encode()
    response = await api.post("/api/webhooks/paymongo", content=body, headers=signed_headers(body))
    assert response.status_code == 200  # acknowledged, so PayMongo stops retrying
    assert response.json()["data"] == {"received": True, "outcome": "ignored (other mode)"}
    assert row(shop, created["rental_id"]).status == "pending_payment"
