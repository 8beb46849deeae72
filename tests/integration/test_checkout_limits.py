"""Checkout limits: rates per IP and per customer (memory with one worker, Redis shared by
several), the cap on live unpaid holds, and the 429 with Retry-After that says why."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
import redis

from mongocollectibles.api import create_api
from mongocollectibles.api.deps import gateway
from mongocollectibles.domain.errors import TooManyRequests
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.services import checkout, rentals
from mongocollectibles.services.limits import CheckoutLimiter, HoldCaps, default_limiter
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings
from tests.support.fakes import FakeGateway
from tests.support.orders import CUSTOMER, order
from tests.support.servers import free_port, run_asgi_in_thread

REDIS_URL = "redis://127.0.0.1:6379/7"


def customer(number: int) -> dict:
    return {
        **CUSTOMER,
        "email": f"buyer{number}@example.com",
        "phone": f"0917 555 {number:04d}",
    }


def redis_or_fail() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis not reachable at {REDIS_URL}: {error}")


@pytest.fixture
def prefix():
    """A key prefix of this test's own in the shared Redis; its keys are deleted after."""
    name = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


async def test_rate_per_customer_then_429_with_the_wait(uow):
    limiter = CheckoutLimiter(per_customer="2/10 minutes")
    gateway = FakeGateway()
    for _ in range(2):
        await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)
    with pytest.raises(TooManyRequests) as caught:
        await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)
    assert "Too many checkouts for this email or phone" in caught.value.message
    assert 590 <= caught.value.retry_after <= 600
    # Another customer is not affected; the same phone with another email is.
    await checkout.start_checkout(
        order(customer=customer(1)), gateway=gateway, limiter=limiter, uow=uow
    )
    with pytest.raises(TooManyRequests):
        await checkout.start_checkout(
            order(customer={**CUSTOMER, "email": "other@example.com"}),
            gateway=gateway,
            limiter=limiter,
            uow=uow,
        )


async def test_rate_per_ip(uow):
    limiter = CheckoutLimiter(per_ip="3/1 minute")
    gateway = FakeGateway()
    for number in range(3):
        await checkout.start_checkout(
            order(customer=customer(number)),
            gateway=gateway,
            client_ip="203.0.113.9",
            limiter=limiter,
            uow=uow,
        )
    with pytest.raises(TooManyRequests, match="from your connection"):
        await checkout.start_checkout(
            order(customer=customer(9)),
            gateway=gateway,
            client_ip="203.0.113.9",
            limiter=limiter,
            uow=uow,
        )
    await checkout.start_checkout(  # another address
        order(customer=customer(9)),
        gateway=gateway,
        client_ip="203.0.113.10",
        limiter=limiter,
        uow=uow,
    )


async def test_cap_on_live_unpaid_holds_per_customer_and_per_ip(uow):
    limiter = CheckoutLimiter(holds=HoldCaps(per_customer=2, per_ip=3))
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)
    await checkout.start_checkout(
        order(collectible_id="col-001"), gateway=gateway, limiter=limiter, uow=uow
    )
    with pytest.raises(TooManyRequests, match="already have 2 rentals waiting") as caught:
        await checkout.start_checkout(
            order(collectible_id="col-003"), gateway=gateway, limiter=limiter, uow=uow
        )
    hold_seconds = get_settings().hold_minutes * 60
    assert hold_seconds - 10 <= caught.value.retry_after <= hold_seconds
    # Cancelling one frees a place under the cap.
    await rentals.cancel_rental(first.rental_id, first.secret_token, gateway=gateway, uow=uow)
    await checkout.start_checkout(
        order(collectible_id="col-003"), gateway=gateway, limiter=limiter, uow=uow
    )
    # Per IP: three customers from one address, the fourth is refused.
    for number in range(3):
        await checkout.start_checkout(
            order(customer=customer(number)),
            gateway=gateway,
            client_ip="198.51.100.7",
            limiter=limiter,
            uow=uow,
        )
    with pytest.raises(TooManyRequests, match="Your connection already has 3"):
        await checkout.start_checkout(
            order(customer=customer(4)),
            gateway=gateway,
            client_ip="198.51.100.7",
            limiter=limiter,
            uow=uow,
        )


@pytest.mark.postgres
async def test_hold_cap_holds_under_concurrent_checkouts(pg_url):
    uow = UnitOfWork(pg_url)
    limiter = CheckoutLimiter(holds=HoldCaps(per_customer=2))
    gateway = FakeGateway()
    outcomes = await asyncio.gather(
        *[
            checkout.start_checkout(
                order(collectible_id=f"col-00{n % 5 + 1}"),
                gateway=gateway,
                limiter=limiter,
                uow=uow,
            )
            for n in range(12)
        ],
        return_exceptions=True,
    )
    made = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, TooManyRequests)]
    assert len(made) == 2 and len(refused) == 10, outcomes


def test_settings_describe_the_default_limits(monkeypatch):
    monkeypatch.setenv("CHECKOUT_LIMITS_ENABLED", "true")
    monkeypatch.setenv("CHECKOUT_RATE_PER_IP", "7/5 minutes")
    monkeypatch.setenv("MAX_UNPAID_HOLDS_PER_CUSTOMER", "2")
    get_settings.cache_clear()
    try:
        limiter = default_limiter()
        assert limiter.per_ip == "7/5 minutes" and limiter.holds.per_customer == 2
        assert limiter.storage_url is None  # no REDIS_URL: memory, one worker
        monkeypatch.setenv("REDIS_URL", REDIS_URL)
        get_settings.cache_clear()
        assert default_limiter().storage_url == REDIS_URL
    finally:
        get_settings.cache_clear()


def test_two_workers_sharing_redis_share_the_limits(db_url, prefix, monkeypatch):
    """Two API servers (own app, own limiter, own Redis connections) on one database: the
    checkouts one accepted count at the other."""
    redis_or_fail()
    monkeypatch.setenv("PAYMONGO_SECRET_KEY", "")
    get_settings.cache_clear()
    uow = UnitOfWork(db_url)

    def worker():  # noqa: ANN202
        limiter = CheckoutLimiter(
            per_ip="3/10 minutes",
            per_customer="100/10 minutes",
            storage_url=REDIS_URL,
            prefix=prefix,
        )
        port = free_port()
        monkeypatch.setenv("API_BASE_URL", f"http://127.0.0.1:{port}")
        return run_asgi_in_thread(create_api(uow=uow, limiter=limiter), port=port)

    with worker() as first, worker() as second:
        answers = []
        for number, base in enumerate([first, second, first, second, first]):
            answers.append(
                httpx.post(
                    f"{base}/api/rentals/checkout",
                    json=order(collectible_id=f"col-00{number + 1}", customer=customer(number)),
                    timeout=30,
                )
            )
        assert [a.status_code for a in answers] == [200, 200, 200, 429, 429], [
            a.text for a in answers
        ]
        refused = answers[3]
        assert (
            refused.json()
            == {
                "success": False,
                "error": refused.json()["error"],
            }
            and "Too many checkouts from your connection" in refused.json()["error"]
        )
        assert 1 <= int(refused.headers["retry-after"]) <= 600
    get_settings.cache_clear()


@pytest.mark.parametrize("hops", [0, 1])
async def test_the_client_address_behind_a_trusted_proxy(uow, monkeypatch, hops):
    """Behind the proxy (TRUSTED_PROXY_HOPS=1) the per-IP limit counts the address the proxy
    saw; without it, X-Forwarded-For is the client's own claim and ignored."""
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", str(hops))
    monkeypatch.setenv("PAYMONGO_SECRET_KEY", "")
    get_settings.cache_clear()
    try:
        api = create_api(
            uow=uow, run_background_tasks=False, limiter=CheckoutLimiter(per_ip="1/10 minutes")
        )
        fake = FakeGateway()
        api.dependency_overrides[gateway] = lambda: fake
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:

            async def from_address(address: str, number: int) -> int:
                answer = await client.post(
                    "/api/rentals/checkout",
                    json=order(collectible_id=f"col-00{number}", customer=customer(number)),
                    headers={"X-Forwarded-For": f"198.51.100.1, {address}"},
                )
                return answer.status_code

            first = await from_address("203.0.113.1", 1)
            other = await from_address("203.0.113.2", 2)
        assert first == 200
        assert other == (200 if hops else 429)  # one proxy: two customers; none: one peer
    finally:
        get_settings.cache_clear()


async def test_holds_past_their_end_do_not_count(uow):
    limiter = CheckoutLimiter(holds=HoldCaps(per_customer=1))
    gateway = FakeGateway()
    first = await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)
    with pytest.raises(TooManyRequests):
        await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)

    def end_the_hold(session) -> None:  # noqa: ANN001
        rental = session.get(Rental, first.rental_id)
        rental.hold_expires_at = utcnow() - timedelta(seconds=1)
        session.add(rental)

    uow.call(end_the_hold)  # not swept yet: about to be
    await checkout.start_checkout(order(), gateway=gateway, limiter=limiter, uow=uow)
