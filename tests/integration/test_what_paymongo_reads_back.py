"""What PayMongo reads back from the shop's webhook endpoint (its delivery log shows the
answer) and what each delivery changed. Through the ASGI app (httpx) with a fake gateway, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from mongocollectibles.models import Rental
from mongocollectibles.payments import sign_header
from mongocollectibles.services import catalog, checkout, webhooks
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import event_body, order, payment, signed_headers


@pytest.fixture
async def api(uow):
    fake = FakeGateway()
    app = create_api(uow=uow, run_background_tasks=False)
    app.dependency_overrides[gateway_dependency] = lambda: fake
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.gateway = fake  # type: ignore[attr-defined]
        yield client


async def deliver(api, kind: str, resource: dict, event_id: str | None = None) -> str:
    body = event_body(kind, resource, event_id)
    response = await api.post("/api/webhooks/paymongo", content=body, headers=signed_headers(body))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["received"] is True
    return response.json()["data"]["outcome"]


def status_of(uow, rental_id: str) -> str:
    return uow.call(lambda session: session.get_one(Rental, rental_id).status)


async def test_an_event_the_shop_does_not_act_on_is_acknowledged_and_changes_nothing(api, uow):
    result = await checkout.start_checkout(order(), gateway=api.gateway, uow=uow)
    chargeable = payment(result.rental_id, "pay_1", "chargeable")
    assert await deliver(api, "source.chargeable", chargeable, "evt_other_1") == "ignored"
    assert await deliver(api, "source.chargeable", chargeable, "evt_other_1") == "duplicate"
    assert status_of(uow, result.rental_id) == "pending_payment"


async def test_a_payment_for_a_rental_the_shop_does_not_know_changes_nothing(api, uow):
    result = await checkout.start_checkout(order(), gateway=api.gateway, uow=uow)
    stranger = payment("no-such-rental", "pay_9", "paid")
    assert await deliver(api, "payment.paid", stranger, "evt_stranger") == "unknown rental"
    assert await deliver(api, "payment.paid", stranger, "evt_stranger") == "duplicate"
    assert status_of(uow, result.rental_id) == "pending_payment"
    assert uow.call(catalog.read_collectible, "col-002").stock == 3  # only the real hold


async def test_a_paid_event_delivered_twice_is_applied_once(api, uow):
    result = await checkout.start_checkout(order(), gateway=api.gateway, uow=uow)
    paid = payment(result.rental_id, "pay_1", "paid")
    assert await deliver(api, "payment.paid", paid, "evt_paid_1") == "paid"
    assert await deliver(api, "payment.paid", paid, "evt_paid_1") == "duplicate"
    assert status_of(uow, result.rental_id) == "paid"


async def test_a_signed_body_that_is_not_an_event_is_refused_saying_so(api):
    body = b'{"data": {"id": "evt_1"}}'
    response = await api.post("/api/webhooks/paymongo", content=body, headers=signed_headers(body))
    assert response.status_code == 400
    assert response.json() == {"success": False, "error": "Webhook body is not a PayMongo event."}


async def test_a_live_shop_takes_paymongos_live_signature_only(uow, monkeypatch):
    """Once the owner switches to live keys, PayMongo signs with the live field (li=)."""
    result = await checkout.start_checkout(order(), gateway=FakeGateway(), uow=uow)
    monkeypatch.setenv("PAYMONGO_SECRET_KEY", "sk_live_" + "k" * 24)
    monkeypatch.setenv("PAYMONGO_WEBHOOK_SECRET", "whsk_live_" + "w" * 24)
    get_settings.cache_clear()
    secret = get_settings().webhook_secret
    event = json.loads(event_body("payment.paid", payment(result.rental_id, "pay_1", "paid")))
    event["data"]["attributes"]["livemode"] = True
    body = json.dumps(event).encode()
    now = int(time.time())
    with pytest.raises(webhooks.BadSignature):  # a test-mode signature (te=) is not enough
        await webhooks.handle_webhook(body, sign_header(secret, body, now, False), uow=uow)
    assert status_of(uow, result.rental_id) == "pending_payment"
    live = sign_header(secret, body, now, True)
    assert await webhooks.handle_webhook(body, live, uow=uow) == "paid"
    assert status_of(uow, result.rental_id) == "paid"


@pytest.mark.parametrize("secret", ["whsk_someone_else", None])  # forged; unsigned
async def test_a_delivery_not_signed_with_the_shops_secret_is_refused(api, uow, secret):
    result = await checkout.start_checkout(order(), gateway=api.gateway, uow=uow)
    body = event_body("payment.paid", payment(result.rental_id, "pay_1", "paid"))
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["Paymongo-Signature"] = signed_headers(body, secret)["Paymongo-Signature"]
    response = await api.post("/api/webhooks/paymongo", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": "Invalid or missing Paymongo-Signature.",
    }
    assert status_of(uow, result.rental_id) == "pending_payment"
