"""Response headers, unknown API paths and methods, the Host allow-list and the API docs."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse

from mongocollectibles.api import create_api, hot_paths
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.orders import order
from tests.support.servers import free_port, run_asgi_in_thread

FRAMING = ("x-frame-options", "DENY")


def client_for(app, host: str = "test") -> httpx.AsyncClient:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{host}")


@pytest.fixture
def sandbox_settings(monkeypatch):
    monkeypatch.setenv("PAYMONGO_SECRET_KEY", "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def api(uow, sandbox_settings):
    return create_api(uow=uow, run_background_tasks=False)


@pytest.fixture
def server(db_url, monkeypatch):
    """The API on a real port (its sandbox must be reachable for checkouts)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {
        "API_BASE_URL": base,
        "PUBLIC_BASE_URL": base,
        "PAYMONGO_SECRET_KEY": "",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    uow = UnitOfWork(db_url)
    with run_asgi_in_thread(hot_paths(create_api(uow=uow), uow=uow), port=port) as url:
        yield url
    get_settings.cache_clear()


def reflex_mounted(api):  # noqa: ANN001, ANN201
    """As Reflex's api_transformer does: the UI app mounted under the API's routes."""

    async def ui(scope, receive, send):  # noqa: ANN001
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)

    api.mount("", ui)
    return api


async def test_every_answer_is_nosniff_and_unframeable(server):
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        data = (await client.post("/api/rentals/checkout", json=order())).json()["data"]
        answers = [
            await client.get("/api/stores"),
            await client.get("/api/collectibles"),  # the fast path
            await client.post(
                "/api/rentals/quote",
                json={"collectible_id": "col-001", "store_id": "store-a", "duration": 2},
            ),  # the fast path
            await client.get("/api/nope"),
            await client.get("/api/docs"),
            await client.get(data["payment_url"]),  # the sandbox's payment page
        ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.url
        assert answer.headers[FRAMING[0]] == FRAMING[1], answer.url
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], answer.url


async def test_answers_with_tokens_are_not_stored_nor_referred(server):
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        created = await client.post("/api/rentals/checkout", json=order())
        data = created.json()["data"]
        status = await client.get(
            f"/api/rentals/{data['rental_id']}", params={"token": data["token"]}
        )
        cancel = await client.post(
            f"/api/rentals/{data['rental_id']}/cancel", params={"token": data["token"]}
        )
    for answer in (created, status, cancel):
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("mounted", [False, True])
async def test_unknown_api_paths_and_methods_get_the_envelope(api, mounted):
    app = reflex_mounted(api) if mounted else api
    async with client_for(app) as client:
        missing = await client.get("/api/nope/deeper")
        wrong_method = await client.post("/api/stores", json={})
        wrong_on_param_path = await client.delete("/api/collectibles/col-001")
        ui_page = await client.get("/some-page")
    assert missing.status_code == 404
    assert missing.json() == {"success": False, "error": "No API endpoint at /api/nope/deeper."}
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    assert wrong_method.json() == {
        "success": False,
        "error": "POST is not allowed on /api/stores (allowed: GET).",
    }
    assert wrong_on_param_path.status_code == 405
    if mounted:  # everything outside /api is still the UI's
        assert ui_page.text == "Not Found"


async def test_docs_assets_are_served_here_or_with_integrity(api):
    async with client_for(api) as client:
        page = await client.get("/api/docs")
        assert page.status_code == 200
        html = page.text
        assert "https://" not in html and "http://" not in html  # nothing from other hosts
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/api/docs/assets/{asset}" in html
            fetched = await client.get(f"/api/docs/assets/{asset}")
            assert fetched.status_code == 200 and len(fetched.content) > 10_000


def production(monkeypatch, pg_url, allowed_hosts: str | None = "shop.example.ph") -> None:
    for key, value in {
        "ENVIRONMENT": "production",
        "DATABASE_URL": pg_url,
        "PAYMONGO_SECRET_KEY": "sk_test_realkey",
        "PAYMONGO_WEBHOOK_SECRET": "whsk_realsecret",
        "ADMIN_PASSWORD": "a-long-real-password",
        "PUBLIC_BASE_URL": "https://shop.example.ph",
        "API_BASE_URL": "https://shop.example.ph",
    }.items():
        monkeypatch.setenv(key, value)
    if allowed_hosts is not None:
        monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)
    get_settings.cache_clear()


@pytest.mark.postgres
async def test_production_has_no_docs(monkeypatch, pg_url):
    production(monkeypatch, pg_url)
    try:
        api = create_api(uow=UnitOfWork(pg_url), run_background_tasks=False)
        async with client_for(api, "shop.example.ph") as client:
            for path in ("/api/docs", "/api/openapi.json", "/api/docs/assets/swagger-ui.css"):
                answer = await client.get(path)
                assert answer.status_code == 404 and answer.json()["success"] is False, path
    finally:
        get_settings.cache_clear()


@pytest.mark.postgres
@pytest.mark.parametrize("allowed", ["shop.example.ph", None])  # None: from the base URLs
async def test_production_accepts_only_its_own_hosts(monkeypatch, pg_url, allowed):
    production(monkeypatch, pg_url, allowed)
    try:
        api = reflex_mounted(create_api(uow=UnitOfWork(pg_url), run_background_tasks=False))
        async with client_for(api, "shop.example.ph") as good:
            assert (await good.get("/api/stores")).status_code == 200
        async with client_for(api, "evil.example") as evil:
            for path in ("/api/stores", "/_event", "/"):
                answer = await evil.get(path)
                assert answer.status_code == 400, path
                assert "location" not in answer.headers
                assert answer.json()["error"] == "Unknown host."
        async with client_for(api, "127.0.0.1:8000") as local:  # the droplet's own checks
            assert (await local.get("/api/stores")).status_code == 200
    finally:
        get_settings.cache_clear()
