"""What PayMongo (and the owner reading the logs) would notice from the payments package:
how often and how fast it is called again, what is never sent, and readable errors."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from mongocollectibles.payments import PayMongoClient
from mongocollectibles.payments.events import InvalidEvent, parse_paymongo_event
from mongocollectibles.payments.methods import UnknownPaymentMethod, parse_payment_method
from mongocollectibles.payments.registry import create_gateway, providers, register
from tests.support.fakes import FakeGateway

REFUND = {
    "data": {
        "id": "ref_1",
        "type": "refund",
        "attributes": {"status": "pending", "amount": 300000, "payment_id": "pay_1"},
    }
}


def client(handler, *, backoff: float) -> PayMongoClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return PayMongoClient(
        "sk_test_unit", base_url="https://pm.test", http=http, retry_backoff=backoff
    )


async def test_a_broken_connection_is_retried_after_growing_pauses():
    """PayMongo is not hammered: the n-th retry waits n x the backoff (0.2 s, then 0.4 s)."""
    calls: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=REFUND)

    async with client(flaky, backoff=0.2) as pm:
        refund = await pm.create_refund(
            payment_id="pay_1", amount_centavos=300000, reason="others", idempotency_key="r-1"
        )
    assert refund.id == "ref_1" and len(calls) == 3
    assert calls[1] - calls[0] >= 0.2
    assert calls[2] - calls[1] >= 0.4


async def test_with_no_backoff_retries_follow_at_once():
    calls: list[float] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) < 2:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=REFUND)

    async with client(flaky, backoff=0) as pm:
        await pm.create_refund(
            payment_id="pay_1", amount_centavos=300000, reason="others", idempotency_key="r-1"
        )
    assert len(calls) == 2


@pytest.mark.parametrize("amount", [1500.5, 300000.0, True, "300000", None])
async def test_a_refund_amount_that_is_not_whole_centavos_is_never_sent(amount):
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=REFUND)

    async with client(record, backoff=0) as pm:
        with pytest.raises(TypeError, match="^amount_centavos must be an int number of centavos$"):
            await pm.create_refund(
                payment_id="pay_1", amount_centavos=amount, reason="others", idempotency_key="r-1"
            )
    assert sent == []


async def test_a_refund_without_an_idempotency_key_is_never_sent():
    """Without the key a retried refund could pay the customer back twice."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=REFUND)

    async with client(record, backoff=0) as pm:
        with pytest.raises(ValueError, match="^idempotency_key must not be empty$"):
            await pm.create_refund(
                payment_id="pay_1", amount_centavos=300000, reason="others", idempotency_key=""
            )
    assert sent == []


def test_errors_read_the_same_in_logs_as_in_answers():
    with pytest.raises(InvalidEvent) as caught:
        parse_paymongo_event(b"[]")
    assert str(caught.value) == caught.value.message and caught.value.message
    with pytest.raises(UnknownPaymentMethod) as refused:
        parse_payment_method("cash")
    assert str(refused.value) == refused.value.message
    assert str(refused.value).startswith("Choose a payment method")


def test_a_provider_added_to_the_app_registry_is_created_by_name(monkeypatch):
    from mongocollectibles.payments import registry

    # The app's registry, restored afterwards.
    monkeypatch.setattr(registry._default, "_factories", dict(registry._default._factories))
    name = "test-provider-edges"
    register(name, FakeGateway)
    assert name in providers()
    assert isinstance(create_gateway(name), FakeGateway)
    with pytest.raises(ValueError, match=f"payment provider '{name}' is already registered"):
        register(name, FakeGateway)
    register(name, PayMongoClient, replace=True)  # replacing is explicit
    assert isinstance(create_gateway(name, secret_key="sk_test_x"), PayMongoClient)
    with pytest.raises(ValueError, match=r"^provider name must be a non-empty word, got ' x'$"):
        register(" x", FakeGateway)
    with pytest.raises(TypeError, match=r"^factory for 'y' is not callable$"):
        register("y", "not a factory")  # type: ignore[arg-type]


async def test_refund_request_body():
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=REFUND)

    async with client(record, backoff=0) as pm:
        refund = await pm.create_refund(
            payment_id="pay_1", amount_centavos=300000, reason="others", idempotency_key="r-1"
        )
    (request,) = sent
    assert (request.method, str(request.url)) == ("POST", "https://pm.test/v1/refunds")
    assert request.headers["Idempotency-Key"] == "r-1"
    assert json.loads(request.content) == {
        "data": {"attributes": {"amount": 300000, "payment_id": "pay_1", "reason": "others"}}
    }
    assert (refund.status, refund.amount_centavos, refund.payment_id) == (
        "pending",
        300000,
        "pay_1",
    )
