"""The hot paths in front of the API answer a client exactly as the routes would, also for
bodies sent in pieces, at the size cap, or to the routes next to them. Through the ASGI app,
called the way a server calls it, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway as gateway_dependency
from mongocollectibles.api.envelope import MAX_BODY_BYTES
from mongocollectibles.api.fast_path import hot_paths
from tests.support.fakes import FakeGateway
from tests.support.orders import order

QUOTE = {"collectible_id": "col-002", "store_id": "store-a", "duration": 3}


@pytest.fixture
def apps(uow):
    plain = create_api(uow=uow, run_background_tasks=False)
    fake = FakeGateway()
    plain.dependency_overrides[gateway_dependency] = lambda: fake
    return plain, hot_paths(plain, uow=uow)


async def call(
    app,
    method: str,
    path: str,
    pieces: list[bytes],
    *,
    length: int | None = None,
    query: bytes = b"",
    disconnect: bool = False,
):
    """Drive the ASGI app as a server does: the body in `pieces`, then (optionally) a
    disconnect; returns (status, headers, body)."""
    messages = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    if disconnect:
        messages[-1]["more_body"] = True
        messages.append({"type": "http.disconnect"})
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # a server waits for more: nothing more comes

    async def send(message):
        sent.append(message)

    size = sum(len(p) for p in pieces) if length is None else length
    headers = [(b"content-type", b"application/json"), (b"host", b"shop")]
    if size >= 0:
        headers.append((b"content-length", str(size).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("shop", 80),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def split(data: bytes, n: int) -> list[bytes]:
    step = max(1, len(data) // n)
    return [data[i : i + step] for i in range(0, len(data), step)]


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(QUOTE).encode(),
        json.dumps({**QUOTE, "duration": 0}).encode(),
        json.dumps({**QUOTE, "pad": "x" * (MAX_BODY_BYTES - 70)}).encode(),  # just under the cap
        json.dumps({**QUOTE, "pad": "x" * MAX_BODY_BYTES}).encode(),  # over it
    ],
)
@pytest.mark.parametrize("pieces", [1, 3, 7])
async def test_a_quote_sent_in_pieces_gets_the_routes_answer(apps, body, pieces):
    plain, hot = apps
    expected = await call(plain, "POST", "/api/rentals/quote", split(body, pieces))
    got = await call(hot, "POST", "/api/rentals/quote", split(body, pieces))
    assert got[0] == expected[0] and json.loads(got[2]) == json.loads(expected[2])
    assert got[1][b"content-type"] == b"application/json"
    assert int(got[1][b"content-length"]) == len(got[2])


async def test_a_quote_at_exactly_the_cap_is_answered(apps):
    plain, hot = apps
    body = json.dumps({**QUOTE, "pad": ""}).encode()
    body = json.dumps({**QUOTE, "pad": "x" * (MAX_BODY_BYTES - len(body))}).encode()
    assert len(body) == MAX_BODY_BYTES
    status, _, answer = await call(hot, "POST", "/api/rentals/quote", split(body, 4))
    assert status == 200 and json.loads(answer)["data"]["total_fee"] == 30000


async def test_a_quote_whose_client_goes_away_is_closed_as_the_route_closes_it(apps):
    plain, hot = apps
    body = json.dumps(QUOTE).encode()
    ends = []
    for app in (plain, hot):  # the body never completes: the client hung up
        ends.append(
            await asyncio.wait_for(
                call(app, "POST", "/api/rentals/quote", [body], disconnect=True), 5
            )
        )
    assert ends[0] == ends[1]
    status, headers, answer = ends[1]
    assert status == 400 and answer == b"" and headers[b"connection"] == b"close"


async def test_a_checkout_whose_client_goes_away_holds_nothing(apps, uow):
    from mongocollectibles.services import catalog

    plain, hot = apps
    body = json.dumps(order()).encode()
    for app in (plain, hot):
        status, _, _ = await asyncio.wait_for(
            call(app, "POST", "/api/rentals/checkout", [body], disconnect=True), 5
        )
        assert status == 400
    assert plain.dependency_overrides[gateway_dependency]().requests == []  # no payment page
    assert uow.call(catalog.read_collectible, "col-002", "store-a").stock == 4


@pytest.mark.parametrize("length", [-1, 99_999])  # no Content-Length; a lying one
async def test_a_quote_without_a_usable_length_goes_to_the_route(apps, length):
    plain, hot = apps
    body = json.dumps(QUOTE).encode()
    expected = await call(plain, "POST", "/api/rentals/quote", [body], length=length)
    got = await call(hot, "POST", "/api/rentals/quote", [body], length=length)
    assert got[0] == expected[0] and got[2] == expected[2]


async def test_a_checkout_behind_the_hot_paths_is_a_checkout(apps, uow):
    _, hot = apps
    status, _, answer = await call(
        hot, "POST", "/api/rentals/checkout", [json.dumps(order()).encode()]
    )
    assert status == 200, answer
    data = json.loads(answer)["data"]
    assert data["payment_url"] and data["rental_id"] and json.loads(answer)["success"] is True


@pytest.mark.parametrize("query", [b"", b"store_id=store-b"])
async def test_the_catalog_behind_the_hot_paths(apps, query):
    plain, hot = apps
    expected = await call(plain, "GET", "/api/collectibles", [b""], query=query)
    got = await call(hot, "GET", "/api/collectibles", [b""], query=query)
    assert got[0] == 200 and json.loads(got[2]) == json.loads(expected[2])
    first = json.loads(got[2])["data"][0]
    assert first["daily_rate_centavos"] == first["daily_rate"] * 100
    assert (first["eta_days"] is None) is (query == b"")


async def test_the_api_docs_say_which_body_each_route_takes():
    from mongocollectibles.api import create_api as make

    transport = httpx.ASGITransport(app=make(run_background_tasks=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        spec = (await client.get("/api/openapi.json")).json()
    for path, required in (
        ("/api/rentals/quote", {"collectible_id", "store_id", "duration"}),
        ("/api/rentals/checkout", {"collectible_id", "store_id", "duration", "payment_method"}),
    ):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["required"] is True
        schema = body["content"]["application/json"]["schema"]
        assert required <= set(schema["required"])
