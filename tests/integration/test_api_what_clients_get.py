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
