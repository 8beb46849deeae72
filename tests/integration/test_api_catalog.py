"""REST API routes and bad input, through the ASGI app (httpx), on SQLite and PostgreSQL."""

import httpx
import pytest

from mongocollectibles.api import create_api


@pytest.fixture
async def client(uow):
    transport = httpx.ASGITransport(app=create_api(uow=uow, run_background_tasks=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_list_collectibles_envelope_and_fields(client):
    response = await client.get("/api/collectibles", params={"store_id": "store-b"})
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert [c["id"] for c in body["data"]] == [f"col-00{i}" for i in range(1, 7)]
    first = body["data"][0]
    assert set(first) >= {
        "id",
        "name",
        "description",
        "size",
        "image_url",
        "stock",
        "available",
        "daily_rate",
        "eta_days",
    }
    assert first["daily_rate"] == 1000 and first["stock"] == 4 and first["available"] is True
    assert first["eta_days"] == 1  # Warehouse North is 1 km from store B


async def test_list_without_store_has_no_eta(client):
    body = (await client.get("/api/collectibles")).json()
    assert len(body["data"]) == 6  # the seeded catalog: an empty list must not pass
    assert [c["eta_days"] for c in body["data"]] == [None] * 6


async def test_one_collectible_and_unknown_ids(client):
    ok = await client.get("/api/collectibles/col-003", params={"store_id": "store-c"})
    assert ok.json()["data"]["daily_rate"] == 10000 and ok.json()["data"]["eta_days"] == 1
    missing = await client.get("/api/collectibles/col-999")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "Collectible 'col-999' not found."}
    bad_store = await client.get("/api/collectibles", params={"store_id": "store-z"})
    assert bad_store.status_code == 404 and "store-z" in bad_store.json()["error"]


async def test_stores(client):
    body = (await client.get("/api/stores")).json()
    assert body["data"][0] == {
        "id": "store-a",
        "name": "MongoCollectibles Store A",
        "address": "123 Main Street, Manila",
        "opening_hours": "Mon-Sat 10:00-20:00, Sun 11:00-18:00",
    }
    assert len(body["data"]) == 3


@pytest.mark.parametrize(
    ("size_id", "days", "total", "special"),
    [
        ("col-002", 3, 30000, True),
        ("col-002", 7, 35000, False),
        ("col-001", 7, 7000, False),
        ("col-003", 14, 140000, False),
    ],
)
async def test_quote(client, size_id, days, total, special):
    response = await client.post(
        "/api/rentals/quote",
        json={"collectible_id": size_id, "store_id": "store-a", "duration": days},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["total_fee"] == total and data["is_special_rate"] is special
    assert data["total_fee_centavos"] == total * 100
    assert data["duration"] == days and data["stock"] == 4 and data["eta"] == 1


BAD_QUOTES = [
    ({"collectible_id": "col-001", "store_id": "store-a", "duration": 0}, 422, "at least 1"),
    ({"collectible_id": "col-001", "store_id": "store-a", "duration": -5}, 422, "at least 1"),
    ({"collectible_id": "col-001", "store_id": "store-a", "duration": 1.5}, 422, "fraction"),
    ({"collectible_id": "col-001", "store_id": "store-a", "duration": "x"}, 422, "whole number"),
    ({"collectible_id": "col-001", "store_id": "store-a", "duration": 10**9}, 422, "at most"),
    ({"collectible_id": "col-001", "store_id": "store-a"}, 422, "required"),
    ({"store_id": "store-a", "duration": 3}, 422, "collectible_id is required"),
    ({"collectible_id": "col-001", "duration": 3}, 422, "store_id is required"),
    ({"collectible_id": 7, "store_id": "store-a", "duration": 3}, 422, "string"),
    ({"collectible_id": "col-999", "store_id": "store-a", "duration": 3}, 404, "not found"),
    ({"collectible_id": "col-001", "store_id": "store-z", "duration": 3}, 404, "not found"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_QUOTES)
async def test_bad_quotes_get_clear_4xx(client, body, status, message):
    response = await client.post("/api/rentals/quote", json=body)
    assert response.status_code == status
    assert response.json()["success"] is False
    assert message in response.json()["error"]


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b"", 400, "empty"),
        (b'{"a": "' + b"x" * 20000 + b'"}', 413, "too large"),
        (b"[" * 100000, 413, "too large"),
    ],
)
async def test_malformed_bodies(client, content, status, message):
    response = await client.post(
        "/api/rentals/quote", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert message in response.json()["error"]


async def test_unknown_route_and_docs(client):
    assert (await client.get("/api/nope")).status_code == 404
    assert (await client.get("/api/docs")).status_code == 200
    spec = (await client.get("/api/openapi.json")).json()
    assert (
        "/api/rentals/quote" in spec["paths"]
        and "/api/collectibles/{collectible_id}" in spec["paths"]
    )


def test_the_standalone_entry_point_serves_by_its_import_string(db_url, monkeypatch):
    from uvicorn.importer import import_from_string

    from mongocollectibles.settings import get_settings
    from tests.support.servers import run_asgi_in_thread

    # The standalone app is configured by the environment, as in production.
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()

    app = import_from_string("mongocollectibles.api:app")
    assert callable(app)
    with run_asgi_in_thread(app) as base:
        listed = httpx.get(f"{base}/api/collectibles", params={"store_id": "store-a"})
        quoted = httpx.post(
            f"{base}/api/rentals/quote",
            json={"collectible_id": "col-002", "store_id": "store-a", "duration": 3},
        )
    assert listed.status_code == 200 and len(listed.json()["data"]) == 6
    assert quoted.json()["data"]["total_fee"] == 30000
    monkeypatch.undo()
    get_settings.cache_clear()
