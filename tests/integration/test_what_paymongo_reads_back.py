"""What PayMongo reads back from the shop's webhook endpoint (its delivery log shows the
answer) and what each delivery changed. Through the ASGI app (httpx) with a fake gateway, on
SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from mongocollectibles.models import Rental
from mongocollectibles.services import catalog, checkout
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
