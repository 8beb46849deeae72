"""The JSON a customer's client gets from the rental routes, field by field, and clear 4xx for
what it gets wrong. Through the ASGI app (httpx) with a fake gateway, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from mongocollectibles.domain.reservations import shop_today
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


def day(offset: int) -> str:
    """The shop's date (Asia/Manila) `offset` days from today, as the JSON writes it."""
    return (shop_today() + timedelta(days=offset)).isoformat()


async def test_a_quote_as_the_client_reads_it(api):
    response = await api.post(
        "/api/rentals/quote",
        json={"collectible_id": "col-001", "store_id": "store-b", "duration": 2},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()["data"]
    assert response.json() == {
        "success": True,
        "data": {
            "collectible_id": "col-001",
            "collectible_name": "Vintage Batman Action Figure",
            "size": "S",
            "store_id": "store-b",
            "duration": 2,
            "daily_rate": 2000,  # PHP 1,000 a day, doubled for a rental under 7 days
            "total_fee": 4000,
            "daily_rate_centavos": 200000,
            "total_fee_centavos": 400000,
            "is_special_rate": True,
            "stock": 4,
            "available": True,
            "eta": 1,  # the nearest warehouse is 1 day from store-b
            "pickup_date": day(1),  # no date asked for: the earliest possible one
            "return_date": day(3),
            "earliest_pickup_date": day(1),
            "latest_pickup_date": day(365),
        },
    }, data


async def test_a_quote_for_a_chosen_date_returns_that_many_days_later(api):
    response = await api.post(
        "/api/rentals/quote",
        json={
            "collectible_id": "col-002",
            "store_id": "store-a",
            "duration": 7,
            "pickup_date": day(20),
        },
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["pickup_date"], data["return_date"]) == (day(20), day(27))
    assert (data["total_fee"], data["is_special_rate"], data["available"]) == (
        35000,
        False,
        True,
    )  # 7 days: the base PHP 5,000 a day


async def test_checkout_status_and_cancel_as_the_client_reads_them(api):
    created = await api.post("/api/rentals/checkout", json=order())
    assert created.status_code == 200
    data = created.json()["data"]
    rid, token, code = data["rental_id"], data["token"], data["order_code"]
    assert re.fullmatch(r"MC-[34679ACDEFGHJKMNPQRTWXY]{6}", code)
    assert len(token) >= 20 and token not in (rid, code)
    assert data == {
        "rental_id": rid,
        "order_code": code,
        "token": token,
        "total_fee": 30000,  # col-002 for 3 days at twice its PHP 5,000 a day
        "total_fee_centavos": 3_000_000,
        "eta": 1,
        "pickup_date": day(1),
        "return_date": day(4),
        "payment_url": "https://pay.example/cs_fake1",
        "message": "Rental created successfully. Please complete payment.",
    }

    status = await api.get(f"/api/rentals/{rid}", params={"token": token})
    assert status.status_code == 200
    assert status.json()["data"] == {
        "rental_id": rid,
        "order_code": code,
        "status": "pending_payment",
        "status_label": "Waiting for payment",
        "collectible_id": "col-002",
        "collectible_name": "Star Wars Millennium Falcon Model",
        "store_id": "store-a",
        "store_name": "MongoCollectibles Store A",
        "duration": 3,
        "daily_rate": 10000,
        "total_fee": 30000,
        "total_fee_centavos": 3_000_000,
        "is_special_rate": True,
        "eta": 1,
        "pickup_date": day(1),
        "return_date": day(4),
        "payment_method": "gcash",
        "needs_refund": False,
        "payment_url": "https://pay.example/cs_fake1",
    }

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
    assert (body["order_code"], body["pickup_date"], body["return_date"]) == (
        code,
        day(1),
        day(4),
    )
    assert api.gateway.expired == ["cs_fake1"]  # the payment page is closed too
    again = await api.get(f"/api/rentals/{rid}", params={"token": token})
    assert again.json()["data"]["status"] == "cancelled"


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
