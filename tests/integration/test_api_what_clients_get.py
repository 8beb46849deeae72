"""The JSON a customer's client gets from the rental routes, field by field, and clear 4xx for
what it gets wrong. Through the ASGI app (httpx) with a fake gateway, on SQLite and
PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from tests.support.fakes import FakeGateway
from tests.support.orders import order


@pytest.fixture
async def api(uow):
    fake = FakeGateway()
    app = create_api(uow=uow, run_background_tasks=False)
    app.dependency_overrides[gateway_dependency] = lambda: fake
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.gateway = fake  # type: ignore[attr-defined]
        yield client


async def test_a_quote_as_the_client_reads_it(api):
    response = await api.post(
        "/api/rentals/quote",
        json={"collectible_id": "col-001", "store_id": "store-b", "duration": 2},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "success": True,
        "data": {
            "collectible_id": "col-001",
            "collectible_name": response.json()["data"]["collectible_name"],
            "size": "S",
            "store_id": "store-b",
            "duration": 2,
            "daily_rate": 2000,
            "total_fee": 4000,
            "daily_rate_centavos": 200000,
            "total_fee_centavos": 400000,
            "is_special_rate": True,
            "stock": 4,
            "available": True,
            "eta": 1,
        },
    }
    assert response.json()["data"]["collectible_name"]


async def test_checkout_status_and_cancel_as_the_client_reads_them(api):
    created = await api.post("/api/rentals/checkout", json=order())
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["total_fee"] == 30000 and data["total_fee_centavos"] == 3_000_000
    assert data["eta"] == 1 and data["payment_url"] == "https://pay.example/cs_fake1"
    assert data["message"] == "Rental created successfully. Please complete payment."
    rid, token = data["rental_id"], data["token"]

    status = await api.get(f"/api/rentals/{rid}", params={"token": token})
    assert status.status_code == 200
    assert status.json()["data"] == {
        "rental_id": rid,
        "status": "pending_payment",
        "status_label": "Waiting for payment",
        "collectible_id": "col-002",
        "collectible_name": "Star Wars Millennium Falcon Model",
        "store_id": "store-a",
        "store_name": status.json()["data"]["store_name"],
        "duration": 3,
        "daily_rate": 10000,
        "total_fee": 30000,
        "total_fee_centavos": 3_000_000,
        "is_special_rate": True,
        "eta": 1,
        "payment_method": "gcash",
        "needs_refund": False,
        "payment_url": "https://pay.example/cs_fake1",
    }
    assert status.json()["data"]["store_name"]

    wrong = await api.get(f"/api/rentals/{rid}", params={"token": "guess"})
    assert wrong.status_code == 404
    assert wrong.json() == {
        "success": False,
        "error": "No rental matches this link. Check the link in your confirmation.",
    }

    cancelled = await api.post(f"/api/rentals/{rid}/cancel", params={"token": token})
    assert cancelled.status_code == 200
    body = cancelled.json()["data"]
    assert (body["status"], body["status_label"], body["payment_url"]) == (
        "cancelled",
        "Cancelled",
        None,
    )
    assert api.gateway.expired == ["cs_fake1"]


@pytest.mark.parametrize("duration", ["--3", "\u00b2", "3.5", ""])
async def test_odd_durations_are_a_clear_422_never_a_500(api, duration):
    for path in ("/api/rentals/quote", "/api/rentals/checkout"):
        response = await api.post(path, json=order(duration=duration))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["success"] is False
        assert response.json()["error"].startswith("Duration ")


async def test_pesos_with_centavos_are_json_numbers(api, uow):
    from mongocollectibles.models import PricingSettings
    from mongocollectibles.services import catalog_snapshot

    with uow() as session:  # the owner sets a small-size rate of PHP 1,000.50 a day
        session.get(PricingSettings, 1).rate_s_centavos = 100_050
        session.flush()
        catalog_snapshot.invalidate(session)
    response = await api.post(
        "/api/rentals/quote",
        json={"collectible_id": "col-001", "store_id": "store-a", "duration": 7},
    )
    assert response.status_code == 200
    assert '"daily_rate":1000.5,' in response.text and '"total_fee":7003.5,' in response.text
    data = response.json()["data"]
    assert (data["daily_rate_centavos"], data["total_fee_centavos"]) == (100_050, 700_350)
