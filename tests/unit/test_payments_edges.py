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


def test_a_paymongo_gateway_without_a_secret_key_says_what_is_missing():
    """What the operator reads when PayMongo's key was left out of the configuration."""
    with pytest.raises(ValueError) as caught:
        create_gateway("paymongo", secret_key="")
    assert str(caught.value) == "secret_key is required"


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


async def test_a_refund_event_without_a_refund_list_is_still_a_refund():
    """PayMongo must get its 2xx (no crash, no retries for hours) and the rental its refund."""
    from tests.support.orders import event_body, payment

    resource = payment("R-1", "pay_1", "paid")
    del resource["attributes"]["refunds"]
    event = parse_paymongo_event(event_body("payment.refunded", resource))
    assert (event.reference, event.payment_id, event.refund_id) == ("R-1", "pay_1", None)
    listed = parse_paymongo_event(
        event_body("payment.refunded", payment("R-1", "pay_1", "paid", refunds=["r1", "r2"]))
    )
    assert listed.refund_id == "r2"  # the latest refund


def errors_from(*items: dict, status: int, text: str | None = None) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text)
    return httpx.Response(status, json={"errors": list(items)})


@pytest.mark.parametrize(
    ("response", "kind", "message"),
    [
        (
            errors_from({"code": "resource_failed_state"}, status=400),
            "GatewayRejected",
            "resource_failed_state",  # a code without a detail still says what happened
        ),
        (
            errors_from({"detail": "  amount is too low.  "}, {"code": "x"}, status=400),
            "GatewayRejected",
            "amount is too low.; x",
        ),
        (
            errors_from({"code": "a", "detail": "slow down"}, {"detail": "later"}, status=429),
            "GatewayUnavailable",
            "payment provider rate limit hit on POST /v1/refunds: slow down; later",
        ),
        (
            errors_from(status=429, text="  busy  "),
            "GatewayUnavailable",
            "payment provider rate limit hit on POST /v1/refunds: busy",
        ),
        (
            errors_from(status=429, text=""),
            "GatewayUnavailable",
            "payment provider rate limit hit on POST /v1/refunds: Too many requests",
        ),
    ],
)
async def test_what_the_owner_reads_when_paymongo_refuses_a_refund(response, kind, message):
    async with client(lambda request: response, backoff=0) as pm:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - the kind is checked below
            await pm.create_refund(
                payment_id="pay_1", amount_centavos=300000, reason="others", idempotency_key="r-1"
            )
    assert type(caught.value).__name__ == kind
    assert caught.value.message == message
    assert repr(caught.value).startswith(f"{kind}({message!r}, status_code=")


@pytest.mark.parametrize("session_id", ["", "cs/1", "cs_1?expand=x", "cs_1#x", "../v1/refunds"])
async def test_an_odd_session_id_never_reaches_another_paymongo_url(session_id):
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(404, json={"errors": [{"code": "resource_not_found"}]})

    async with client(record, backoff=0) as pm:
        for call in (pm.retrieve_checkout_session, pm.expire_checkout_session):
            with pytest.raises(ValueError, match="^invalid resource id: "):
                await call(session_id)
    assert sent == []


async def test_closing_a_gateway_releases_what_it_holds():
    from mongocollectibles.payments.registry import GatewayRegistry, UnknownProvider, aclose_gateway

    closed: list[str] = []

    class AsyncClose:
        async def aclose(self) -> None:
            closed.append("async")

    class SyncClose:
        def aclose(self) -> None:
            closed.append("sync")

    await aclose_gateway(AsyncClose())
    await aclose_gateway(SyncClose())
    await aclose_gateway(object())  # nothing to close: fine
    assert closed == ["async", "sync"]

    empty = GatewayRegistry()
    with pytest.raises(
        UnknownProvider, match=r"^unknown payment provider 'x' \(registered: none\)$"
    ):
        empty.create("x")
    empty.register("b", FakeGateway)
    empty.register("a", FakeGateway)
    with pytest.raises(UnknownProvider, match=r"\(registered: a, b\)$"):
        empty.create("x")


def test_a_forged_header_of_the_wrong_type_is_refused_not_accepted():
    from mongocollectibles.payments.signature import verify_signature

    body = b'{"data":{}}'
    assert not verify_signature(b"t=1,te=00,li=", body, "whsk_x", livemode=False)  # type: ignore[arg-type]
    # A secret read from an environment with undecodable bytes (a lone surrogate) never verifies.
    assert not verify_signature("t=1,te=00,li=", body, "whsk_\udcff", livemode=False)
