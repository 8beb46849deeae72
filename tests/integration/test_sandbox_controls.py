"""The sandbox's test controls (`/_sandbox/...`): only from this machine (loopback, not
forwarded by a proxy) or with the controls secret; never mounted in production; its event
log shows no tokens and no customer details."""

from __future__ import annotations

import httpx
import pytest

from mongocollectibles.api import create_api
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.orders import order
from tests.support.servers import free_port, run_asgi_in_thread

CONTROLS = "/paymongo-sandbox/_sandbox"


@pytest.fixture
def server(db_url, monkeypatch):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {
        "API_BASE_URL": base,
        "PUBLIC_BASE_URL": base,
        "PAYMONGO_SECRET_KEY": "",
        "SANDBOX_CONTROLS_SECRET": "let-me-in-please",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    api = create_api(uow=UnitOfWork(db_url))
    with run_asgi_in_thread(api, port=port) as url:
        yield url, api
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/events"),
        ("GET", "/faults"),
        ("POST", "/faults"),
        ("POST", "/reset"),
        ("POST", "/checkout_sessions/cs_x/pay"),
        ("POST", "/events/evt_x/resend"),
    ],
)
def test_controls_refuse_forwarded_requests_without_the_secret(server, method, path):
    base, _ = server
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    refused = httpx.request(method, f"{base}{CONTROLS}{path}", headers=forwarded, json={})
    assert refused.status_code == 403, refused.text
    assert "loopback" in refused.json()["errors"][0]["detail"]
    wrong = httpx.request(
        method,
        f"{base}{CONTROLS}{path}",
        headers={**forwarded, "X-Sandbox-Secret": "guess"},
        json={},
    )
    assert wrong.status_code == 403
    allowed = httpx.request(
        method,
        f"{base}{CONTROLS}{path}",
        headers={**forwarded, "X-Sandbox-Secret": "let-me-in-please"},
        json={},
    )
    assert allowed.status_code != 403


async def test_controls_refuse_a_remote_client(server):
    _, api = server
    transport = httpx.ASGITransport(app=api, client=("198.51.100.20", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as remote:
        assert (await remote.get(f"{CONTROLS}/events")).status_code == 403
        assert (await remote.post(f"{CONTROLS}/reset")).status_code == 403
    local = httpx.ASGITransport(app=api, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=local, base_url="http://shop.test") as here:
        assert (await here.get(f"{CONTROLS}/events")).status_code == 200


def test_event_log_holds_no_tokens_and_no_customer_details(server):
    base, _ = server
    data = httpx.post(f"{base}/api/rentals/checkout", json=order(), timeout=30).json()["data"]
    session_id = data["payment_url"].rstrip("/").rsplit("/", 1)[-1]
    httpx.post(f"{base}{CONTROLS}/checkout_sessions/{session_id}/pay").raise_for_status()
    log = httpx.get(f"{base}{CONTROLS}/events")
    assert log.status_code == 200 and log.json()["data"], log.text
    for secret in (data["token"], "juan@example.com", "Juan dela Cruz", "Mabini", "9171234567"):
        assert secret not in log.text
    one = httpx.get(f"{base}{CONTROLS}/events/{log.json()['data'][0]['id']}")
    assert one.status_code == 200 and data["token"] not in one.text


async def test_no_sandbox_in_production(monkeypatch, pg_url):
    for key, value in {
        "ENVIRONMENT": "production",
        "DATABASE_URL": pg_url,
        "PAYMONGO_SECRET_KEY": "sk_test_realkey",
        "PAYMONGO_WEBHOOK_SECRET": "whsk_realsecret",
        "ADMIN_PASSWORD": "a-long-real-password",
        "ALLOWED_HOSTS": "testserver",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        api = create_api(uow=UnitOfWork(pg_url), run_background_tasks=False)
        assert not hasattr(api.state, "sandbox_app")
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as here:
            assert (await here.get(f"{CONTROLS}/events")).status_code == 404
    finally:
        get_settings.cache_clear()
