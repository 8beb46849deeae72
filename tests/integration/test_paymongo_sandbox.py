"""The real PayMongoClient against the local PayMongo sandbox, over real HTTP.

The sandbox and a webhook receiver each run under uvicorn in a background
thread; the tests drive the sandbox with PayMongoClient and its /_sandbox
controls and check the signed webhooks the receiver gets.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mongocollectibles.payments import (
    CheckoutRequest,
    GatewayRejected,
    GatewayUnavailable,
    PayMongoClient,
    verify_signature,
)
from mongocollectibles.payments.events import EventKind, PaymentEvent, parse_paymongo_event
from mongocollectibles.payments.paymongo import build_checkout_attributes
from mongocollectibles.payments.registry import aclose_gateway, create_gateway
from mongocollectibles.payments.sandbox import create_sandbox_app
from tests.support.servers import free_port, run_asgi_in_thread

SECRET_KEY = "sk_test_sandbox_integration"
WEBHOOK_SECRET = "whsk_sandbox_integration"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)["data"]


class Receiver:
    """A webhook endpoint that records every delivery; can fail the next N."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.fail_next = 0
        self.url = ""
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> JSONResponse:
        body = await request.body()
        with self._lock:
            status = 500 if self.fail_next > 0 else 200
            self.fail_next = max(0, self.fail_next - 1)
            self.deliveries.append(Delivery(dict(request.headers), body, status))
        return JSONResponse({"received": status == 200}, status_code=status)

    def reset(self) -> None:
        with self._lock:
            self.deliveries.clear()
            self.fail_next = 0

    def ok(self, event_type: str | None = None) -> list[Delivery]:
        return [
            d
            for d in list(self.deliveries)
            if d.status == 200 and event_type in (None, d.event["attributes"]["type"])
        ]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    with run_asgi_in_thread(rec.app) as url:
        rec.url = f"{url}/hook"
        yield rec


@pytest.fixture(scope="module")
def sandbox_server(receiver: Receiver) -> Iterator[str]:
    port = free_port()
    app = create_sandbox_app(
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        webhook_url=receiver.url,
        public_url=f"http://127.0.0.1:{port}",
        webhook_retry_delays=(0.05, 0.1, 0.1, 0.1),
        webhook_timeout=5.0,
    )
    with run_asgi_in_thread(app, port=port) as url:
        yield url


@pytest.fixture
def sandbox(sandbox_server: str, receiver: Receiver) -> str:
    httpx.post(f"{sandbox_server}/_sandbox/reset").raise_for_status()
    receiver.reset()
    return sandbox_server


def checkout_request(key: str = "idem-1", amount: int = 3_000_000, **kw: Any) -> CheckoutRequest:
    fields: dict[str, Any] = {
        "reference_number": "RENT-42",
        "line_item_name": "Mewtwo Holo (3 Days Rental)",
        "amount_centavos": amount,
        "payment_method_types": ("gcash", "card", "paymaya"),
        "success_url": "http://shop.test/rentals/42/success",
        "cancel_url": "http://shop.test/rentals/42/cancel",
        "idempotency_key": key,
        "description": "Rental #42",
    }
    fields.update(kw)
    return CheckoutRequest(**fields)


def client(base_url: str, key: str = SECRET_KEY, timeout: float = 5.0) -> PayMongoClient:
    return PayMongoClient(key, base_url=base_url, timeout=timeout, retry_backoff=0.01)


async def control(base_url: str, path: str, body: dict | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{base_url}/_sandbox/{path}", json=body or {})
    response.raise_for_status()
    return response.json()


async def eventually(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return result


async def events(base_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        return (await http.get(f"{base_url}/_sandbox/events")).json()["data"]


@pytest.mark.asyncio
async def test_registry_gateway_talks_to_the_sandbox(sandbox: str) -> None:
    gateway = create_gateway("paymongo", secret_key=SECRET_KEY, base_url=sandbox, timeout=5.0)
    wrong_key = create_gateway("paymongo", secret_key="sk_test_wrong", base_url=sandbox)
    try:
        created = await gateway.create_checkout_session(checkout_request())
        assert created.checkout_url == f"{sandbox}/checkout/{created.id}"
        assert await gateway.retrieve_checkout_session(created.id) == created
        with pytest.raises(GatewayRejected) as info:
            await wrong_key.retrieve_checkout_session(created.id)
        assert info.value.status_code == 401
    finally:
        await aclose_gateway(gateway)
        await aclose_gateway(wrong_key)


@pytest.mark.asyncio
async def test_create_retrieve_expire(sandbox: str) -> None:
    async with client(sandbox) as pm:
        created = await pm.create_checkout_session(checkout_request())
        assert created.id.startswith("cs_") and created.status == "active"
        assert created.checkout_url == f"{sandbox}/checkout/{created.id}"
        assert (created.paid, created.payment_id, created.livemode) == (False, None, False)
        assert (created.amount_centavos, created.reference_number) == (3_000_000, "RENT-42")
        assert await pm.retrieve_checkout_session(created.id) == created
        expired = await pm.expire_checkout_session(created.id)
        assert expired.status == "expired" and not expired.paid
        assert (await pm.expire_checkout_session(created.id)).status == "expired"  # idempotent
        assert (await pm.retrieve_checkout_session(created.id)).status == "expired"
        with pytest.raises(GatewayRejected) as info:
            await pm.retrieve_checkout_session("cs_doesnotexist")
    assert info.value.status_code == 404 and info.value.code == "resource_not_found"
    async with httpx.AsyncClient() as http:
        page = await http.get(created.checkout_url)
    assert "expired" in page.text and 'id="sandbox-pay"' not in page.text


@pytest.mark.asyncio
async def test_a_base_url_ending_in_a_slash_still_reaches_paymongos_paths(sandbox: str) -> None:
    async with client(f"{sandbox}/") as pm:
        created = await pm.create_checkout_session(checkout_request())
        assert (await pm.retrieve_checkout_session(created.id)).id == created.id
        assert (await pm.expire_checkout_session(created.id)).status == "expired"


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_create_whose_body_is_not_declared_json_is_refused(
    sandbox: str, content_type: str | None
) -> None:
    """Like PayMongo, the sandbox reads a create's body only when it is sent as JSON."""
    body = json.dumps({"data": {"attributes": build_checkout_attributes(checkout_request())}})
    headers = {"Content-Type": content_type} if content_type else {}
    async with httpx.AsyncClient(auth=(SECRET_KEY, "")) as http:
        refused = await http.post(f"{sandbox}/v1/checkout_sessions", content=body, headers=headers)
        declared = await http.post(
            f"{sandbox}/v1/checkout_sessions",
            content=body,
            headers={"Content-Type": "Application/JSON; charset=utf-8"},
        )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "invalid_payload_format"
    assert declared.status_code == 200 and declared.json()["data"]["id"].startswith("cs_")


@pytest.mark.asyncio
async def test_raw_resource_shape(sandbox: str) -> None:
    async with client(sandbox) as pm:
        created = await pm.create_checkout_session(checkout_request())
    async with httpx.AsyncClient(auth=(SECRET_KEY, "")) as http:
        response = await http.get(f"{sandbox}/v1/checkout_sessions/{created.id}")
    assert response.status_code == 200
    data = response.json()["data"]
    attrs = data["attributes"]
    assert data["type"] == "checkout_session" and attrs["payments"] == []
    assert attrs["payment_intent"]["id"].startswith("pi_")
    assert attrs["payment_intent"]["attributes"]["status"] == "awaiting_payment_method"
    assert attrs["line_items"][0] == {
        "amount": 3_000_000,
        "currency": "PHP",
        "description": None,
        "images": [],
        "name": "Mewtwo Holo (3 Days Rental)",
        "quantity": 1,
    }
    assert attrs["send_email_receipt"] is False and attrs["show_line_items"] is True


@pytest.mark.asyncio
async def test_bad_key_is_rejected_with_401(sandbox: str) -> None:
    async with client(sandbox, key="sk_test_wrong") as pm:
        with pytest.raises(GatewayRejected) as info:
            await pm.create_checkout_session(checkout_request())
    assert info.value.status_code == 401 and info.value.code == "api_key_invalid"
    async with httpx.AsyncClient() as http:
        missing = await http.get(f"{sandbox}/v1/checkout_sessions/cs_x")
        token = base64.b64encode(SECRET_KEY.encode()).decode()  # no trailing colon
        no_colon = await http.get(
            f"{sandbox}/v1/checkout_sessions/cs_x", headers={"Authorization": f"Basic {token}"}
        )
    assert missing.status_code == 401 and missing.json()["errors"][0]["code"]
    assert no_colon.status_code == 404  # authenticated; the session just does not exist


@pytest.mark.asyncio
async def test_validation_errors(sandbox: str) -> None:
    async with client(sandbox) as pm:
        with pytest.raises(GatewayRejected) as low:
            await pm.create_checkout_session(checkout_request(amount=1999))
        with pytest.raises(GatewayRejected) as method:
            await pm.create_checkout_session(
                checkout_request(key="idem-2", payment_method_types=("bitcoin",))
            )
    assert low.value.status_code == 400 and "at least 2000" in low.value.message
    assert low.value.errors[0]["source"]["pointer"] == "attributes.line_items"
    assert method.value.code == "parameter_invalid" and "bitcoin" in method.value.message


@pytest.mark.asyncio
async def test_500_fault_is_unavailable(sandbox: str) -> None:
    await control(sandbox, "faults", {"create_checkout": "error_500"})
    async with client(sandbox) as pm:
        with pytest.raises(GatewayUnavailable) as info:
            await pm.create_checkout_session(checkout_request())
    assert info.value.status_code == 500


@pytest.mark.asyncio
async def test_429_fault_is_unavailable(sandbox: str) -> None:
    await control(sandbox, "faults", {"create_checkout": "error_429"})
    async with client(sandbox) as pm:
        with pytest.raises(GatewayUnavailable) as info:
            await pm.create_checkout_session(checkout_request())
    assert info.value.status_code == 429 and info.value.code == "too_many_requests"


@pytest.mark.asyncio
async def test_timeout_fault_is_unavailable_within_the_client_timeout(sandbox: str) -> None:
    await control(sandbox, "faults", {"create_checkout": "timeout", "timeout_seconds": 1.5})
    started = time.monotonic()
    async with client(sandbox, timeout=0.5) as pm:
        with pytest.raises(GatewayUnavailable, match="timed out"):
            await pm.create_checkout_session(checkout_request(key="slow-1"))
    assert time.monotonic() - started < 1.3
    # The slow request still completes server-side; a retry with the same key replays it.
    await control(sandbox, "faults", {"create_checkout": "ok"})
    await asyncio.sleep(1.3)
    async with client(sandbox) as pm:
        first = await pm.create_checkout_session(checkout_request(key="slow-1"))
        again = await pm.create_checkout_session(checkout_request(key="slow-1"))
    assert first.id == again.id


@pytest.mark.asyncio
async def test_idempotent_create_replays_the_same_session(sandbox: str) -> None:
    async with client(sandbox) as pm:
        first = await pm.create_checkout_session(checkout_request(key="same-key"))
        second = await pm.create_checkout_session(checkout_request(key="same-key"))
        other = await pm.create_checkout_session(checkout_request(key="other-key"))
        with pytest.raises(GatewayRejected) as info:
            await pm.create_checkout_session(checkout_request(key="same-key", amount=5000))
    assert first == second and other.id != first.id
    assert info.value.status_code == 400 and info.value.code == "idempotency_key_reused"


@pytest.mark.asyncio
async def test_unreachable_provider_is_unavailable() -> None:
    async with client(f"http://127.0.0.1:{free_port()}") as pm:
        with pytest.raises(GatewayUnavailable) as info:
            await pm.retrieve_checkout_session("cs_1")
    # What the owner reads in the rental's history and the logs: the kind of failure first.
    assert info.value.message.startswith("could not reach payment provider (ConnectError: ")


@contextmanager
def provider_that_never_connects() -> Iterator[str]:
    """An address where the TCP connection is never completed, as behind a firewall that
    drops packets: the listener's queue is full and it never accepts, so the kernel drops
    every further SYN."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers: list[socket.socket] = []
        try:
            for _ in range(8):
                filler = socket.socket()
                fillers.append(filler)
                filler.settimeout(0.3)
                try:
                    filler.connect(address)
                except TimeoutError:
                    break  # the queue is full: connections now hang
            else:
                pytest.fail("could not fill the listener's queue")
            yield f"http://127.0.0.1:{address[1]}"
        finally:
            for filler in fillers:
                filler.close()


@contextmanager
def provider_that_never_answers() -> Iterator[str]:
    """An address that takes the connection and the request and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.asyncio
async def test_a_provider_that_never_takes_the_connection_is_given_up_on_in_time() -> None:
    """A customer's status read waits at most the configured timeout, not for ever."""
    with provider_that_never_connects() as url:
        started = time.monotonic()
        async with client(url, timeout=0.5) as pm:
            with pytest.raises(GatewayUnavailable) as info:
                await asyncio.wait_for(pm.retrieve_checkout_session("cs_1"), 5)
    assert time.monotonic() - started < 2.5
    assert info.value.message == (
        "payment provider timed out (ConnectTimeout on GET /v1/checkout_sessions/cs_1)"
    )


@pytest.mark.asyncio
async def test_the_timeout_holds_over_an_http_client_passed_in() -> None:
    """A caller's own httpx client (a shared pool, a proxy) does not lift the gateway's
    timeout: PayMongo not answering is still given up on after it."""
    with provider_that_never_answers() as url:
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=30.0) as http:
            pm = PayMongoClient(SECRET_KEY, base_url=url, timeout=0.5, http=http)
            with pytest.raises(GatewayUnavailable) as info:
                await asyncio.wait_for(pm.retrieve_checkout_session("cs_1"), 5)
    assert time.monotonic() - started < 2.5
    assert info.value.message == (
        "payment provider timed out (ReadTimeout on GET /v1/checkout_sessions/cs_1)"
    )


@pytest.mark.asyncio
async def test_pay_sends_signed_webhooks(sandbox: str, receiver: Receiver) -> None:
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
        await control(sandbox, f"checkout_sessions/{session.id}/pay", {"method": "card"})
        paid = await pm.retrieve_checkout_session(session.id)
    assert paid.paid and paid.payment_id and paid.payment_id.startswith("pay_")
    assert paid.status == "active"
    assert (paid.paid_amount_centavos, paid.paid_currency) == (3_000_000, "PHP")

    hook = (await eventually(lambda: receiver.ok("checkout_session.payment.paid")))[0]
    assert hook.headers["content-type"] == "application/json"
    signature = hook.headers["paymongo-signature"]
    assert re.fullmatch(r"t=\d+,te=[0-9a-f]{64},li=", signature)
    assert verify_signature(signature, hook.body, WEBHOOK_SECRET, livemode=False)
    assert not verify_signature(signature, hook.body, "whsk_wrong", livemode=False)
    assert not verify_signature(signature, hook.body, WEBHOOK_SECRET, livemode=True)
    event = hook.event
    assert event["id"].startswith("evt_") and event["type"] == "event"
    assert event["attributes"]["livemode"] is False and event["attributes"]["previous_data"] == {}
    cs = event["attributes"]["data"]
    assert cs["id"] == session.id and cs["attributes"]["reference_number"] == "RENT-42"
    payment = cs["attributes"]["payments"][0]
    assert payment["id"] == paid.payment_id and payment["attributes"]["status"] == "paid"
    assert payment["attributes"]["source"]["type"] == "card"
    assert cs["attributes"]["payment_intent"]["attributes"]["status"] == "succeeded"
    assert parse_paymongo_event(hook.body) == PaymentEvent(
        id=event["id"],
        provider_type="checkout_session.payment.paid",
        kind=EventKind.PAID,
        livemode=False,
        reference="RENT-42",
        checkout_session_id=session.id,
        payment_id=paid.payment_id,
        amount_centavos=3_000_000,
        currency="PHP",
    )

    pay_hook = (await eventually(lambda: receiver.ok("payment.paid")))[0]
    assert verify_signature(
        pay_hook.headers["paymongo-signature"], pay_hook.body, WEBHOOK_SECRET, livemode=False
    )
    pay_data = pay_hook.event["attributes"]["data"]
    assert pay_data["id"] == paid.payment_id
    assert pay_data["attributes"]["metadata"]["reference_number"] == "RENT-42"
    assert pay_data["attributes"]["payment_intent_id"].startswith("pi_")
    assert parse_paymongo_event(pay_hook.body) == PaymentEvent(
        id=pay_hook.event["id"],
        provider_type="payment.paid",
        kind=EventKind.PAID,
        livemode=False,
        reference="RENT-42",
        payment_id=paid.payment_id,
        amount_centavos=3_000_000,
        currency="PHP",
    )

    # Paying again does not pay twice or send more events; a paid session cannot expire.
    again = await control(sandbox, f"checkout_sessions/{session.id}/pay")
    assert [p["id"] for p in again["data"]["attributes"]["payments"]] == [paid.payment_id]
    async with client(sandbox) as pm:
        with pytest.raises(GatewayRejected) as info:
            await pm.expire_checkout_session(session.id)
    assert info.value.status_code == 400
    await asyncio.sleep(0.3)
    assert len(receiver.ok()) == 2 and len(await events(sandbox)) == 2


@pytest.mark.asyncio
async def test_expired_session_cannot_be_paid(sandbox: str, receiver: Receiver) -> None:
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
        await pm.expire_checkout_session(session.id)
    async with httpx.AsyncClient() as http:
        api = await http.post(f"{sandbox}/_sandbox/checkout_sessions/{session.id}/pay")
        button = await http.post(f"{session.checkout_url}/pay")
    assert api.status_code == 400 and "expired" in api.json()["errors"][0]["detail"]
    assert button.status_code == 400 and "expired" in button.text
    await asyncio.sleep(0.2)
    assert receiver.deliveries == [] and await events(sandbox) == []


@pytest.mark.asyncio
async def test_failing_receiver_is_retried_until_delivered(
    sandbox: str, receiver: Receiver
) -> None:
    receiver.fail_next = 2
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
    await control(sandbox, f"checkout_sessions/{session.id}/fail")
    await eventually(lambda: receiver.ok("payment.failed"))
    statuses = [d.status for d in receiver.deliveries]
    assert statuses == [500, 500, 200]
    assert len({d.event["id"] for d in receiver.deliveries}) == 1
    for delivery in receiver.deliveries:
        assert verify_signature(
            delivery.headers["paymongo-signature"], delivery.body, WEBHOOK_SECRET, livemode=False
        )
    (record,) = await events(sandbox)
    assert record["state"] == "delivered" and record["attempt_count"] == 3
    assert record["last_status"] == 200 and record["deliveries"] == 1
    failed = receiver.deliveries[-1].event["attributes"]["data"]["attributes"]
    assert failed["status"] == "failed" and failed["metadata"]["reference_number"] == "RENT-42"
    parsed = parse_paymongo_event(receiver.deliveries[-1].body)
    assert (parsed.kind, parsed.provider_type) == (EventKind.FAILED, "payment.failed")
    assert (parsed.reference, parsed.checkout_session_id) == ("RENT-42", None)
    assert parsed.payment_id == receiver.deliveries[-1].event["attributes"]["data"]["id"]


@pytest.mark.asyncio
async def test_duplicate_fault_delivers_each_event_twice(sandbox: str, receiver: Receiver) -> None:
    await control(sandbox, "faults", {"webhooks": "duplicate"})
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
    await control(sandbox, f"checkout_sessions/{session.id}/fail")
    twice = await eventually(lambda: len(receiver.ok()) == 2 and receiver.ok())
    assert twice[0].event["id"] == twice[1].event["id"]
    assert twice[0].body == twice[1].body
    await asyncio.sleep(0.2)
    assert len(receiver.deliveries) == 2


@pytest.mark.asyncio
async def test_drop_fault_never_delivers_until_resent(sandbox: str, receiver: Receiver) -> None:
    await control(sandbox, "faults", {"webhooks": "drop"})
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
    await control(sandbox, f"checkout_sessions/{session.id}/fail")
    await asyncio.sleep(0.5)
    assert receiver.deliveries == []
    (record,) = await events(sandbox)
    assert record["state"] == "dropped" and record["attempt_count"] == 0
    await control(sandbox, f"events/{record['id']}/resend")
    delivered = await eventually(lambda: receiver.ok("payment.failed"))
    assert delivered[0].event["id"] == record["id"]


@pytest.mark.asyncio
async def test_refund_sends_payment_refunded(sandbox: str, receiver: Receiver) -> None:
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
        await control(sandbox, f"checkout_sessions/{session.id}/pay")
        paid = await pm.retrieve_checkout_session(session.id)
        assert paid.payment_id is not None
        refund = await pm.create_refund(
            payment_id=paid.payment_id,
            amount_centavos=1_000_000,
            reason="requested_by_customer",
            idempotency_key="refund-1",
        )
        replay = await pm.create_refund(
            payment_id=paid.payment_id,
            amount_centavos=1_000_000,
            reason="requested_by_customer",
            idempotency_key="refund-1",
        )
        with pytest.raises(GatewayRejected, match="refundable amount of 2000000"):
            await pm.create_refund(
                payment_id=paid.payment_id,
                amount_centavos=2_000_001,
                reason="others",
                idempotency_key="refund-2",
            )
        with pytest.raises(GatewayRejected) as bad_reason:
            await pm.create_refund(
                payment_id=paid.payment_id,
                amount_centavos=500,
                reason="changed_mind",
                idempotency_key="refund-3",
            )
        with pytest.raises(GatewayRejected) as tiny:
            await pm.create_refund(
                payment_id=paid.payment_id,
                amount_centavos=99,
                reason="others",
                idempotency_key="refund-4",
            )
    assert refund.id.startswith("ref_") and refund.status == "succeeded"
    assert (refund.amount_centavos, refund.payment_id) == (1_000_000, paid.payment_id)
    assert replay == refund
    assert bad_reason.value.errors[0]["source"]["pointer"] == "attributes.reason"
    assert tiny.value.errors[0]["source"]["pointer"] == "attributes.amount"
    hook = (await eventually(lambda: receiver.ok("payment.refunded")))[0]
    assert verify_signature(
        hook.headers["paymongo-signature"], hook.body, WEBHOOK_SECRET, livemode=False
    )
    payment = hook.event["attributes"]["data"]
    assert payment["id"] == paid.payment_id
    assert payment["attributes"]["metadata"]["reference_number"] == "RENT-42"
    assert [r["id"] for r in payment["attributes"]["refunds"]] == [refund.id]
    parsed = parse_paymongo_event(hook.body)
    assert (parsed.kind, parsed.reference) == (EventKind.REFUNDED, "RENT-42")
    assert (parsed.payment_id, parsed.refund_id) == (paid.payment_id, refund.id)
    assert parsed.refunded_centavos == 1_000_000  # the refund's amount, not the payment's
    async with httpx.AsyncClient(auth=(SECRET_KEY, "")) as http:
        fetched = await http.get(f"{sandbox}/v1/refunds/{refund.id}")
    assert fetched.json()["data"]["attributes"]["amount"] == 1_000_000


@pytest.mark.asyncio
async def test_hosted_page_and_buttons(sandbox: str, receiver: Receiver) -> None:
    async with client(sandbox) as pm:
        session = await pm.create_checkout_session(checkout_request())
        cancelled = await pm.create_checkout_session(checkout_request(key="idem-cancel"))
    async with httpx.AsyncClient() as http:
        page = await http.get(session.checkout_url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "TEST MODE - no real money moves" in html
        assert "30,000.00" in html and "Mewtwo Holo (3 Days Rental)" in html
        assert "GCash" in html and "Maya" in html
        for button in ("sandbox-pay", "sandbox-fail", "sandbox-cancel"):
            assert f'id="{button}"' in html
        action = re.search(r'id="sandbox-pay" formaction="([^"]+)"', html)
        assert action is not None
        pay_url = urljoin(session.checkout_url, action.group(1))
        assert pay_url == f"{session.checkout_url}/pay"

        paid = await http.post(pay_url, data={"method": "gcash"})
        assert paid.status_code == 303
        assert paid.headers["location"] == "http://shop.test/rentals/42/success"
        cancel = await http.post(f"{cancelled.checkout_url}/cancel")
        assert cancel.status_code == 303
        assert cancel.headers["location"] == "http://shop.test/rentals/42/cancel"
        after = await http.get(session.checkout_url)
        assert "Payment received" in after.text and 'id="sandbox-pay"' not in after.text
        missing = await http.get(f"{sandbox}/checkout/cs_nope")
        assert missing.status_code == 404
    hook = (await eventually(lambda: receiver.ok("checkout_session.payment.paid")))[0]
    source = hook.event["attributes"]["data"]["attributes"]["payments"][0]["attributes"]["source"]
    assert source["type"] == "gcash"
    await asyncio.sleep(0.2)
    delivered_for = [d.event["attributes"]["data"]["id"] for d in receiver.deliveries]
    assert session.id in delivered_for and cancelled.id not in delivered_for
