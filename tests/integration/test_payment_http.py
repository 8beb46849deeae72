"""The whole payment flow over real HTTP: the API server with its mounted PayMongo sandbox,
which redirects like PayMongo and delivers signed webhooks back to the server."""

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from mongocollectibles.api import create_api
from mongocollectibles.db import libpq_url
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental, RentalEvent
from mongocollectibles.services import catalog
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.orders import order
from tests.support.servers import free_port, run_asgi_in_thread, wait_until

SANDBOX = "/paymongo-sandbox"


def _serve(url: str, monkeypatch):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for key, value in {
        "API_BASE_URL": base,
        "PUBLIC_BASE_URL": base,
        "PAYMONGO_TIMEOUT_SECONDS": "1.5",
        "PAYMONGO_SECRET_KEY": "",
        "PAYMONGO_API_BASE": "",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return run_asgi_in_thread(create_api(uow=UnitOfWork(url)), port=port)


@pytest.fixture
def server(db_url, monkeypatch):
    with _serve(db_url, monkeypatch) as base:
        yield base, db_url
    get_settings.cache_clear()


@pytest.fixture
def pg_server(pg_url, monkeypatch):
    with _serve(pg_url, monkeypatch) as base:
        yield base, pg_url
    get_settings.cache_clear()


def stock(url: str, collectible_id: str = "col-002") -> int:
    with UnitOfWork(url)() as session:
        return catalog.read_collectible(session, collectible_id).stock


def status_in_db(url: str, rental_id: str) -> str:
    with UnitOfWork(url)() as session:
        return session.get(Rental, rental_id).status


def checkout(base: str, body: dict | None = None, **headers) -> httpx.Response:
    return httpx.post(
        f"{base}/api/rentals/checkout", json=body or order(), headers=headers, timeout=30
    )


def session_id_of(payment_url: str) -> str:
    return payment_url.rstrip("/").rsplit("/", 1)[-1]


def test_checkout_pay_signed_webhook_paid(server):
    base, url = server
    response = checkout(base)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["total_fee"] == 30000 and data["eta"] == 1
    assert data["payment_url"].startswith(f"{base}{SANDBOX}/checkout/cs_")
    page = httpx.get(data["payment_url"])
    assert "TEST MODE" in page.text and "30,000.00" in page.text
    assert status_in_db(url, data["rental_id"]) == "pending_payment"

    paid = httpx.post(f"{data['payment_url']}/pay", follow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(f"{base}/payment/success?rental_id=")
    # Only the signed webhook (not the redirect) makes it paid:
    wait_until(lambda: status_in_db(url, data["rental_id"]) == "paid", timeout=15)
    with UnitOfWork(url)() as session:
        actors = session.exec(
            select(RentalEvent.actor).where(RentalEvent.rental_id == data["rental_id"])
        ).all()
    assert any(actor.startswith("webhook:") for actor in actors)
    status = httpx.get(f"{base}/api/rentals/{data['rental_id']}", params={"token": data["token"]})
    assert status.json()["data"]["status"] == "paid" and stock(url) == 3


def test_cancel_at_the_sandbox_frees_the_unit(server):
    base, url = server
    data = checkout(base).json()["data"]
    assert stock(url) == 3
    cancel = httpx.post(f"{data['payment_url']}/cancel", follow_redirects=False)
    assert cancel.headers["location"].startswith(f"{base}/payment/failed?rental_id=")
    # The failed page cancels with the rental's secret token:
    wrong = httpx.post(f"{base}/api/rentals/{data['rental_id']}/cancel", params={"token": "x"})
    assert wrong.status_code == 404 and stock(url) == 3
    done = httpx.post(
        f"{base}/api/rentals/{data['rental_id']}/cancel", params={"token": data["token"]}
    )
    assert done.json()["data"]["status"] == "cancelled" and stock(url) == 4


def test_success_page_without_payment_stays_pending(server):
    base, _ = server
    data = checkout(base).json()["data"]
    status = httpx.get(f"{base}/api/rentals/{data['rental_id']}", params={"token": data["token"]})
    assert status.json()["data"]["status"] == "pending_payment"
    assert status.json()["data"]["payment_url"] == data["payment_url"]


def test_dropped_webhook_is_confirmed_by_retrieving_the_session(server):
    base, url = server
    httpx.post(f"{base}{SANDBOX}/_sandbox/faults", json={"webhooks": "drop"})
    data = checkout(base).json()["data"]
    httpx.post(
        f"{base}{SANDBOX}/_sandbox/checkout_sessions/{session_id_of(data['payment_url'])}/pay"
    )
    assert status_in_db(url, data["rental_id"]) == "pending_payment"
    status = httpx.get(f"{base}/api/rentals/{data['rental_id']}", params={"token": data["token"]})
    assert status.json()["data"]["status"] == "paid"


def test_duplicate_delivery_is_applied_once(server):
    base, url = server
    httpx.post(f"{base}{SANDBOX}/_sandbox/faults", json={"webhooks": "duplicate"})
    data = checkout(base).json()["data"]
    httpx.post(
        f"{base}{SANDBOX}/_sandbox/checkout_sessions/{session_id_of(data['payment_url'])}/pay"
    )
    events_url = f"{base}{SANDBOX}/_sandbox/events"
    wait_until(
        lambda: any(e["deliveries"] >= 2 for e in httpx.get(events_url).json()["data"]), timeout=15
    )
    wait_until(lambda: status_in_db(url, data["rental_id"]) == "paid", timeout=15)
    with UnitOfWork(url)() as session:
        paid_events = session.exec(
            select(RentalEvent).where(
                RentalEvent.rental_id == data["rental_id"], RentalEvent.to_status == "paid"
            )
        ).all()
    assert len(paid_events) == 1


@pytest.mark.parametrize(
    "fault",
    [{"create_checkout": "error_500"}, {"create_checkout": "timeout", "timeout_seconds": 5}],
)
def test_gateway_failure_at_checkout_frees_the_unit(server, fault):
    base, url = server
    httpx.post(f"{base}{SANDBOX}/_sandbox/faults", json=fault)
    response = checkout(base)
    assert response.status_code == 502
    assert "Nothing was charged" in response.json()["error"]
    assert stock(url) == 4


def test_unsigned_webhook_is_refused(server):
    base, _ = server
    response = httpx.post(
        f"{base}/api/webhooks/paymongo",
        content=b'{"data": {}}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 401 and response.json()["success"] is False


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (order(customer={"name": "Juan"}), 422, "Email"),
        (order(duration=1.5), 422, "fraction"),
        (order(collectible_id="col-999"), 404, "not found"),
        (order(method="bitcoin"), 422, "payment method"),
    ],
)
def test_bad_checkouts_get_4xx_and_hold_nothing(server, body, status, message):
    base, url = server
    response = checkout(base, body)
    assert response.status_code == status and message in response.json()["error"]
    assert stock(url) == 4


def test_double_submit_with_one_key_holds_one_unit(server):
    base, url = server
    first = checkout(base, **{"Idempotency-Key": "form-123"}).json()["data"]
    second = checkout(base, **{"Idempotency-Key": "form-123"}).json()["data"]
    assert first["rental_id"] == second["rental_id"] and stock(url) == 3


@pytest.mark.postgres
def test_thirty_concurrent_checkouts_for_four_units(pg_server):
    base, url = pg_server
    day = (shop_today() + timedelta(days=12)).isoformat()  # every warehouse can serve it

    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:
            responses = await asyncio.gather(
                *[
                    client.post(f"{base}/api/rentals/checkout", json=order(pickup_date=day))
                    for _ in range(30)
                ]
            )
        return [r.status_code for r in responses]

    codes = Counter(asyncio.run(run()))
    assert codes == {200: 4, 409: 26}, codes
    assert stock(url) == 4  # stock now: the units are taken only from day - distance
    with UnitOfWork(url)() as session:
        units = session.exec(select(Rental.unit_id).where(Rental.status == "pending_payment")).all()
    assert len(units) == 4 and len(set(units)) == 4


def _drop_connections(url: str) -> int:
    """What a PostgreSQL restart does to the app: every open connection to its database dies."""
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.support.databases import ADMIN_URL

    admin = libpq_url(ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (make_url(url).database,),
        ).fetchall()
    return len(rows)


@pytest.mark.postgres
def test_dropped_database_connections_lose_nothing(pg_server):
    base, url = pg_server
    first = checkout(base).json()["data"]
    assert _drop_connections(url) >= 1
    second = checkout(base)  # the pool notices the dead connections and reconnects
    assert second.status_code == 200, second.text
    httpx.post(
        f"{base}{SANDBOX}/_sandbox/checkout_sessions/{session_id_of(first['payment_url'])}/pay"
    )
    wait_until(lambda: status_in_db(url, first["rental_id"]) == "paid", timeout=15)
    assert stock(url) == 2
