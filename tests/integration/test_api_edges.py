"""The API's edges: client disconnects and slow bodies, body caps (webhook too), content type,
control characters, over real HTTP or the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import socket
import time

import httpx
import pytest

from mongocollectibles.api import create_api, hot_paths
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.orders import CUSTOMER, order
from tests.support.servers import free_port, run_asgi_in_thread

QUOTE = {"collectible_id": "col-002", "store_id": "store-a", "duration": 3}


@pytest.fixture
def server(db_url, monkeypatch):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {
        "API_BASE_URL": base,
        "PUBLIC_BASE_URL": base,
        "PAYMONGO_SECRET_KEY": "",
        "BODY_READ_TIMEOUT_SECONDS": "1",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    uow = UnitOfWork(db_url)
    with run_asgi_in_thread(hot_paths(create_api(uow=uow), uow=uow), port=port) as url:
        yield url
    get_settings.cache_clear()


@pytest.fixture
async def client(uow):
    app = hot_paths(create_api(uow=uow, run_background_tasks=False), uow=uow)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def read_all(sock: socket.socket) -> str:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(5)
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    sock.close()
    return received.decode()


def partial_post(base: str, path: str, declared: int, sent: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n".encode()
        + sent
    )
    return sock


# 5. Client disconnects and slow bodies


@pytest.mark.parametrize("path", ["/api/rentals/quote", "/api/rentals/checkout"])
def test_aborted_bodies_are_quiet_and_the_api_keeps_answering(server, path, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(20):
        partial_post(server, path, 5000, b'{"collectible_id": "col').close()
    time.sleep(0.5)
    assert httpx.get(f"{server}/api/stores").status_code == 200
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert noisy == [], [r.getMessage() for r in noisy[:3]]


@pytest.mark.parametrize("path", ["/api/rentals/quote", "/api/rentals/checkout"])
def test_a_slow_body_is_timed_out(server, path):
    sock = partial_post(server, path, 5000, b'{"collectible_id": ')
    started = time.monotonic()
    answer = read_all(sock)
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "took too long" in answer and time.monotonic() - started < 4


# 6. The webhook's body cap


def test_webhook_refuses_a_large_body_before_reading_it(server):
    declared = partial_post(server, "/api/webhooks/paymongo", 100_000_000, b"{}")
    answer = read_all(declared)
    assert answer.startswith("HTTP/1.1 413"), answer

    def chunks():  # noqa: ANN202
        for _ in range(100):
            yield b"x" * 10_000

    streamed = httpx.post(
        f"{server}/api/webhooks/paymongo",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413 and "too large" in streamed.json()["error"]


# 8. Content type


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/rentals/quote", QUOTE),
        ("/api/rentals/checkout", order()),
        ("/api/webhooks/paymongo", {"data": {}}),
    ],
)
async def test_posts_other_than_json_get_415(client, path, body, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(path, content=json.dumps(body), headers=headers)
    assert response.status_code == 415, response.text
    assert response.json() == {
        "success": False,
        "error": "Send the request body as JSON (Content-Type: application/json).",
    }


async def test_json_with_a_charset_is_json(client):
    response = await client.post(
        "/api/rentals/quote",
        content=json.dumps(QUOTE),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


async def test_cancel_refuses_a_form_post(client):
    response = await client.post(
        "/api/rentals/some-id/cancel",
        params={"token": "x"},
        content="a=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


# 7. Control characters, bidi overrides, lone surrogates


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Juan\x00 dela Cruz"),
        ("address", "12 Mabini\x1b[31m Street"),
        ("city", "Manila\u202e"),
        ("email", "juan\u200f@example.com"),
        ("phone", "0917\x7f1234567"),
        ("postal_code", "10\x0000"),
    ],
)
async def test_control_characters_in_customer_fields_get_400_naming_the_field(client, field, value):
    body = order(customer={**CUSTOMER, field: value})
    response = await client.post("/api/rentals/checkout", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(f"customer.{field} contains")


async def test_lone_surrogates_get_400_naming_the_field(client):
    raw = json.dumps(order()).replace('"Manila"', '"Mani\\ud800la"')
    response = await client.post(
        "/api/rentals/checkout", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "customer.city" in response.json()["error"]


@pytest.mark.parametrize("path", ["/api/rentals/quote", "/api/rentals/checkout"])
@pytest.mark.parametrize("field", ["collectible_id", "store_id"])
async def test_control_characters_in_body_ids(client, path, field):
    body = {**order(), field: "col\x00-002"}
    response = await client.post(path, json=body)
    assert response.status_code == 400 and response.json()["error"].startswith(field)


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        ("/api/collectibles/col%00-001", {}, "collectible_id"),
        ("/api/collectibles", {"store_id": "store\x00"}, "store_id"),
        ("/api/collectibles/col-001", {"store_id": "a\u202eb"}, "store_id"),
        ("/api/rentals/r%00x", {"token": "abc"}, "rental_id"),
        ("/api/rentals/abc", {"token": "t\x01"}, "token"),
    ],
)
async def test_control_characters_in_paths_and_queries(client, url, params, name):
    response = await client.get(url, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith(name)


async def test_cancel_with_control_characters(client):
    response = await client.post("/api/rentals/a%00b/cancel", params={"token": "x"})
    assert response.status_code == 400 and response.json()["error"].startswith("rental_id")
