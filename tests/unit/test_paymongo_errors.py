"""PayMongoClient's parsing of responses and errors, and its retry rules.

``httpx.MockTransport`` stands in for the network: these tests cover only the
wrapper's request building and response mapping. Real HTTP is exercised in
tests/integration/test_paymongo_sandbox.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import pytest

from mongocollectibles.payments import (
    Billing,
    CheckoutRequest,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    PayMongoClient,
)

KEY = "sk_test_unit"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item


def client_for(handler: Handler) -> PayMongoClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return PayMongoClient(KEY, base_url="https://pm.test", http=http, retry_backoff=0)


def errors(*items: dict, status: int) -> httpx.Response:
    return httpx.Response(status, json={"errors": list(items)})


def session_json(**attrs: object) -> dict:
    base = {
        "checkout_url": "https://pm.test/checkout/cs_1",
        "status": "active",
        "reference_number": "R-1",
        "livemode": False,
        "line_items": [{"amount": 150000, "currency": "PHP", "name": "X", "quantity": 2}],
        "payments": [],
        "payment_intent": {"id": "pi_1", "attributes": {"status": "awaiting_payment_method"}},
    }
    base.update(attrs)
    return {"data": {"id": "cs_1", "type": "checkout_session", "attributes": base}}


def request(**overrides: object) -> CheckoutRequest:
    fields: dict = {
        "reference_number": "R-1",
        "line_item_name": "Charizard (3 Days Rental)",
        "amount_centavos": 300000,
        "payment_method_types": ("gcash", "card"),
        "success_url": "http://shop.test/ok",
        "cancel_url": "http://shop.test/cancel",
        "idempotency_key": "idem-1",
    }
    fields.update(overrides)
    return CheckoutRequest(**fields)


@pytest.mark.asyncio
async def test_create_sends_envelope_auth_and_idempotency_key() -> None:
    rec = Recorder(httpx.Response(200, json=session_json()))
    billing = Billing("Ana", "ana@example.com", "+639171234567", "1 Rizal St", "Manila", "1000")
    async with client_for(rec) as client:
        assert isinstance(client, PaymentGateway)
        session = await client.create_checkout_session(
            request(billing=billing, description="Rental R-1")
        )
    sent = rec.requests[0]
    assert sent.method == "POST" and str(sent.url) == "https://pm.test/v1/checkout_sessions"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"sk_test_unit:").decode()
    assert sent.headers["Idempotency-Key"] == "idem-1"
    attrs = json.loads(sent.content)["data"]["attributes"]
    assert attrs["line_items"] == [
        {"name": "Charizard (3 Days Rental)", "amount": 300000, "currency": "PHP", "quantity": 1}
    ]
    assert attrs["payment_method_types"] == ["gcash", "card"]
    assert attrs["reference_number"] == "R-1" and attrs["description"] == "Rental R-1"
    assert attrs["send_email_receipt"] is False and attrs["show_line_items"] is True
    assert attrs["billing"]["address"] == {
        "line1": "1 Rizal St",
        "city": "Manila",
        "postal_code": "1000",
        "country": "PH",
    }
    assert session.id == "cs_1" and session.amount_centavos == 300000
    assert not session.paid and session.payment_id is None


@pytest.mark.asyncio
async def test_validation_errors_are_joined_into_one_message() -> None:
    rec = Recorder(
        errors(
            {
                "code": "parameter_invalid",
                "detail": "amount must be at least 2000.",
                "source": {"pointer": "attributes.amount"},
            },
            {
                "code": "parameter_required",
                "detail": "name is required.",
                "source": {"pointer": "attributes.line_items.0.name"},
            },
            status=400,
        )
    )
    async with client_for(rec) as client:
        with pytest.raises(GatewayRejected) as info:
            await client.create_checkout_session(request())
    err = info.value
    assert err.status_code == 400 and err.code == "parameter_invalid"
    assert err.message == "amount must be at least 2000.; name is required."
    assert err.errors[1]["source"]["pointer"] == "attributes.line_items.0.name"
    assert len(rec.requests) == 1


@pytest.mark.asyncio
async def test_401_is_rejected_and_never_retried() -> None:
    rec = Recorder(errors({"code": "api_key_invalid", "detail": "bad key"}, status=401))
    async with client_for(rec) as client:
        with pytest.raises(GatewayRejected) as info:
            await client.retrieve_checkout_session("cs_1")
    assert info.value.status_code == 401 and info.value.code == "api_key_invalid"
    assert len(rec.requests) == 1


@pytest.mark.asyncio
async def test_404_resource_not_found() -> None:
    rec = Recorder(errors({"code": "resource_not_found", "detail": "No such"}, status=404))
    async with client_for(rec) as client:
        with pytest.raises(GatewayRejected) as info:
            await client.expire_checkout_session("cs_missing")
    assert info.value.code == "resource_not_found" and str(info.value) == "No such"


@pytest.mark.asyncio
async def test_4xx_without_json_body_still_gives_a_clear_message() -> None:
    rec = Recorder(httpx.Response(404, text=""))
    async with client_for(rec) as client:
        with pytest.raises(GatewayRejected, match=r"HTTP 404 .* GET /v1/checkout_sessions/cs_1"):
            await client.retrieve_checkout_session("cs_1")


@pytest.mark.asyncio
async def test_429_plain_text_is_unavailable() -> None:
    rec = Recorder(httpx.Response(429, text="Too many requests, please try again later."))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable) as info:
            await client.create_checkout_session(request())
    assert info.value.status_code == 429 and info.value.code == "too_many_requests"
    assert "Too many requests" in info.value.message
    assert len(rec.requests) == 1


@pytest.mark.asyncio
async def test_500_on_create_is_unavailable_and_not_retried() -> None:
    rec = Recorder(errors({"code": "internal_server_error", "detail": "boom"}, status=500))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable) as info:
            await client.create_checkout_session(request())
    assert info.value.status_code == 500 and "boom" in info.value.message
    assert len(rec.requests) == 1


@pytest.mark.asyncio
async def test_5xx_html_on_get_is_retried_then_unavailable() -> None:
    rec = Recorder(httpx.Response(502, text="<html>Bad gateway</html>"))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable, match="HTTP 502"):
            await client.retrieve_checkout_session("cs_1")
    assert len(rec.requests) == 3  # first try + 2 retries


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [500, 503])
async def test_get_recovers_after_a_5xx(status: int) -> None:
    """A status read that meets a passing PayMongo error is asked again and answered."""
    rec = Recorder(httpx.Response(status), httpx.Response(200, json=session_json()))
    async with client_for(rec) as client:
        session = await client.retrieve_checkout_session("cs_1")
    assert session.id == "cs_1" and len(rec.requests) == 2
    assert "Idempotency-Key" not in rec.requests[0].headers


@pytest.mark.asyncio
async def test_create_retries_connection_errors_with_the_same_key() -> None:
    rec = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json=session_json()))
    async with client_for(rec) as client:
        session = await client.create_checkout_session(request())
    assert session.id == "cs_1"
    assert [r.headers["Idempotency-Key"] for r in rec.requests] == ["idem-1", "idem-1"]


@pytest.mark.asyncio
async def test_timeout_is_unavailable_and_not_retried() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable) as info:
            await client.create_checkout_session(request())
    assert len(rec.requests) == 1
    # What the owner reads in the rental's history: which kind of timeout, on which call.
    assert info.value.message == (
        "payment provider timed out (ReadTimeout on POST /v1/checkout_sessions)"
    )


@pytest.mark.asyncio
async def test_connection_errors_exhaust_retries() -> None:
    rec = Recorder(httpx.ConnectError("refused"))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable, match="could not reach"):
            await client.expire_checkout_session("cs_1")
    assert len(rec.requests) == 3


@pytest.mark.asyncio
@pytest.mark.parametrize("body", [b"not json", b'{"data": null}', b'{"errors": []}'])
async def test_unreadable_success_body_is_unavailable(body: bytes) -> None:
    rec = Recorder(httpx.Response(200, content=body))
    async with client_for(rec) as client:
        with pytest.raises(GatewayUnavailable, match="unreadable"):
            await client.retrieve_checkout_session("cs_1")


@pytest.mark.asyncio
async def test_paid_session_is_parsed_from_payments() -> None:
    payments = [
        {"id": "pay_failed", "attributes": {"status": "failed"}},
        {"id": "pay_ok", "attributes": {"status": "paid", "amount": 299900, "currency": "PHP"}},
    ]
    rec = Recorder(httpx.Response(200, json=session_json(payments=payments)))
    async with client_for(rec) as client:
        session = await client.retrieve_checkout_session("cs_1")
    assert session.paid and session.payment_id == "pay_ok"
    # What was paid, apart from what was asked (the line items: 2 x 150000).
    assert (session.paid_amount_centavos, session.paid_currency) == (299900, "PHP")
    assert session.amount_centavos == 300000


@pytest.mark.asyncio
async def test_unpaid_session_has_no_paid_amount() -> None:
    payments = [{"id": "pay_failed", "attributes": {"status": "failed", "amount": 300000}}]
    rec = Recorder(httpx.Response(200, json=session_json(payments=payments)))
    async with client_for(rec) as client:
        session = await client.retrieve_checkout_session("cs_1")
    assert not session.paid and session.payment_id is None
    assert (session.paid_amount_centavos, session.paid_currency) == (None, None)


@pytest.mark.asyncio
async def test_paid_session_is_parsed_from_succeeded_intent() -> None:
    intent = {
        "id": "pi_1",
        "attributes": {
            "status": "succeeded",
            "payments": [
                {
                    "id": "pay_pi",
                    "attributes": {"status": "paid", "amount": 300000, "currency": "PHP"},
                }
            ],
        },
    }
    rec = Recorder(httpx.Response(200, json=session_json(payment_intent=intent)))
    async with client_for(rec) as client:
        session = await client.retrieve_checkout_session("cs_1")
    assert session.paid and session.payment_id == "pay_pi"
    assert (session.paid_amount_centavos, session.paid_currency) == (300000, "PHP")


@pytest.mark.asyncio
async def test_refund_request_and_parsing() -> None:
    refund = {
        "data": {
            "id": "ref_1",
            "type": "refund",
            "attributes": {"amount": 5000, "payment_id": "pay_1", "status": "pending"},
        }
    }
    rec = Recorder(httpx.Response(200, json=refund))
    async with client_for(rec) as client:
        result = await client.create_refund(
            payment_id="pay_1", amount_centavos=5000, reason="others", idempotency_key="r-1"
        )
    assert (result.id, result.status, result.amount_centavos) == ("ref_1", "pending", 5000)
    sent = json.loads(rec.requests[0].content)["data"]["attributes"]
    assert sent == {"amount": 5000, "payment_id": "pay_1", "reason": "others"}
    assert rec.requests[0].headers["Idempotency-Key"] == "r-1"


def test_checkout_request_rejects_float_money() -> None:
    with pytest.raises(TypeError):
        request(amount_centavos=3000.0)
    with pytest.raises(ValueError):
        request(payment_method_types=())


@pytest.mark.asyncio
async def test_ids_cannot_escape_the_path() -> None:
    rec = Recorder(httpx.Response(200, json=session_json()))
    async with client_for(rec) as client:
        with pytest.raises(ValueError):
            await client.retrieve_checkout_session("../refunds/ref_1")
    assert rec.requests == []
