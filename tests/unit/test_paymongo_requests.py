"""What PayMongo receives from the shop and how its answers are read, through
PayMongoClient over httpx's MockTransport (real HTTP against the sandbox is in
tests/integration/test_paymongo_sandbox.py). A checkout PayMongo would refuse or misread is
stopped before anything is sent; an answer is read the way PayMongo documents it."""

from __future__ import annotations

import json

import httpx
import pytest

from mongocollectibles.payments import (
    Billing,
    CheckoutRequest,
    GatewayUnavailable,
    PayMongoClient,
)

INT_CENTAVOS = "amount_centavos must be an int number of centavos, got "
NOT_A_STRING = "payment_method_types must be a sequence of strings, not a string"
NO_DETAILS = "HTTP 404 from payment provider on GET /v1/checkout_sessions/cs_1"


def checkout(**overrides: object) -> CheckoutRequest:
    fields: dict = {
        "reference_number": "R-1",
        "line_item_name": "Charizard (3 Days Rental)",
        "amount_centavos": 300000,
        "payment_method_types": ("gcash",),
        "success_url": "http://shop.test/ok",
        "cancel_url": "http://shop.test/cancel",
        "idempotency_key": "idem-1",
    }
    fields.update(overrides)
    return CheckoutRequest(**fields)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"amount_centavos": 0}, ValueError, "amount_centavos must be positive"),
        ({"amount_centavos": -100}, ValueError, "amount_centavos must be positive"),
        (
            {"amount_centavos": 1500.0},
            TypeError,
            INT_CENTAVOS + "float",
        ),
        (
            {"amount_centavos": True},
            TypeError,
            INT_CENTAVOS + "bool",
        ),
        (
            {"payment_method_types": "gcash"},
            TypeError,
            NOT_A_STRING,
        ),
        ({"payment_method_types": ()}, ValueError, "payment_method_types must not be empty"),
        ({"payment_method_types": []}, ValueError, "payment_method_types must not be empty"),
        ({"idempotency_key": ""}, ValueError, "idempotency_key must not be empty"),
    ],
)
def test_a_checkout_paymongo_would_refuse_or_misread_is_stopped_here(overrides, error, message):
    with pytest.raises(error) as caught:
        checkout(**overrides)
    assert str(caught.value) == message


def test_the_smallest_checkout_and_any_sequence_of_methods():
    request = checkout(amount_centavos=1, payment_method_types=["gcash", "card"])
    assert request.payment_method_types == ("gcash", "card")
    assert hash(request)  # stored as a tuple: the request stays usable as a key


def session_answer(**attrs: object) -> dict:
    base: dict = {
        "checkout_url": "https://pm.test/checkout/cs_1",
        "status": "active",
        "reference_number": "R-1",
        "livemode": False,
        "line_items": [{"amount": 150000, "currency": "PHP", "name": "X", "quantity": 2}],
        "payments": [],
    }
    base.update(attrs)
    return {"data": {"id": "cs_1", "type": "checkout_session", "attributes": base}}


async def exchange(answer: httpx.Response, call: str = "retrieve", request=None):
    sent: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        sent.append(req)
        return answer

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with PayMongoClient(
        "sk_test_unit", base_url="https://pm.test", http=http, retry_backoff=0
    ) as pm:
        if call == "retrieve":
            result = await pm.retrieve_checkout_session("cs_1")
        else:
            result = await pm.create_checkout_session(request or checkout())
    return result, sent


async def test_what_paymongo_receives_for_a_checkout_with_billing():
    billing = Billing(
        "Ana Cruz", "ana@example.com", "+639171234567", "1 Rizal St", "Manila", "1000"
    )
    _, sent = await exchange(
        httpx.Response(200, json=session_answer()), "create", checkout(billing=billing)
    )
    (request,) = sent
    assert request.method == "POST" and request.headers["Accept"] == "application/json"
    attrs = json.loads(request.content)["data"]["attributes"]
    assert attrs["billing"] == {
        "name": "Ana Cruz",
        "email": "ana@example.com",
        "phone": "+639171234567",
        "address": {
            "line1": "1 Rizal St",
            "city": "Manila",
            "postal_code": "1000",
            "country": "PH",
        },
    }
    assert attrs["show_description"] is False and "description" not in attrs
    _, sent = await exchange(
        httpx.Response(200, json=session_answer()), "create", checkout(description="Rental R-1")
    )
    attrs = json.loads(sent[0].content)["data"]["attributes"]
    assert attrs["show_description"] is True and attrs["description"] == "Rental R-1"
    assert "billing" not in attrs


async def test_a_session_paid_through_its_payment_intent_is_paid():
    """The status refresh confirms a payment PayMongo shows only on the payment intent."""
    intent = {
        "id": "pi_1",
        "attributes": {
            "status": "succeeded",
            "amount": 300000,
            "payments": [
                {
                    "id": "pay_9",
                    "attributes": {"status": "paid", "amount": 300000, "currency": "PHP"},
                }
            ],
        },
    }
    session, _ = await exchange(
        httpx.Response(200, json=session_answer(line_items=[], payment_intent=intent))
    )
    assert session.paid and session.payment_id == "pay_9"
    assert (session.paid_amount_centavos, session.paid_currency) == (300000, "PHP")
    assert session.amount_centavos == 300000  # no line items: the intent's amount


async def test_a_succeeded_intent_without_payments_is_paid_without_an_amount():
    intent = {"id": "pi_1", "attributes": {"status": "succeeded", "amount": 0}}
    session, _ = await exchange(httpx.Response(200, json=session_answer(payment_intent=intent)))
    assert session.paid and session.payment_id is None
    # Nothing says what was paid: the shop must not treat it as the total.
    assert (session.paid_amount_centavos, session.paid_currency) == (None, None)


@pytest.mark.parametrize("status", ["awaiting_payment_method", "processing", "SUCCEEDED", None])
async def test_an_intent_that_has_not_succeeded_is_not_paid(status):
    intent = {"id": "pi_1", "attributes": {"status": status}}
    session, _ = await exchange(httpx.Response(200, json=session_answer(payment_intent=intent)))
    assert not session.paid


async def test_the_amount_asked_for_is_every_line_times_its_quantity():
    lines = [
        {"amount": 150000, "quantity": 2},
        {"amount": 1000},  # no quantity: one
        {"quantity": 3},  # no amount: nothing
    ]
    intent = {"id": "pi_1", "attributes": {"status": "awaiting_payment_method", "amount": 999}}
    session, _ = await exchange(
        httpx.Response(200, json=session_answer(line_items=lines, payment_intent=intent))
    )
    assert session.amount_centavos == 301000
    empty, _ = await exchange(httpx.Response(200, json=session_answer(line_items=[])))
    assert empty.amount_centavos == 0


@pytest.mark.parametrize(
    ("payment_attrs", "amount", "currency"),
    [
        ({"status": "paid", "amount": 300000, "currency": "PHP"}, 300000, "PHP"),
        ({"status": "paid", "amount": "300000", "currency": "PHP"}, None, "PHP"),
        ({"status": "paid", "amount": True, "currency": ""}, None, None),
        ({"status": "paid", "amount": 300000, "currency": 608}, 300000, None),
    ],
)
async def test_what_was_paid_is_read_only_when_it_is_plain(payment_attrs, amount, currency):
    payments = [{"id": "pay_1", "attributes": payment_attrs}]
    session, _ = await exchange(httpx.Response(200, json=session_answer(payments=payments)))
    assert session.paid and session.payment_id == "pay_1"
    assert (session.paid_amount_centavos, session.paid_currency) == (amount, currency)


@pytest.mark.parametrize("livemode", [True, False, None])
async def test_the_mode_of_a_session(livemode):
    answer = session_answer(livemode=livemode)
    session, _ = await exchange(httpx.Response(200, json=answer))
    assert session.livemode is bool(livemode)
    del answer["data"]["attributes"]["livemode"]
    session, _ = await exchange(httpx.Response(200, json=answer))
    assert session.livemode is False  # not said: test mode
    session, _ = await exchange(httpx.Response(200, json=session_answer(checkout_url=None)))
    assert session.checkout_url == "" and session.status == "active"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"data": {"id": "cs_1"}}),
        httpx.Response(200, json={"data": {"attributes": {}}}),
        httpx.Response(200, json={"data": ["cs_1"]}),
        httpx.Response(200, json={"nothing": True}),
        httpx.Response(200, text="<html>"),
    ],
)
async def test_an_answer_that_is_not_a_session_is_unreadable_not_trusted(answer):
    with pytest.raises(GatewayUnavailable) as caught:
        await exchange(answer)
    assert caught.value.message == (
        "payment provider returned an unreadable response to GET /v1/checkout_sessions/cs_1"
    )
    assert caught.value.status_code == 200


async def test_a_300_is_not_a_session():
    from mongocollectibles.payments import GatewayRejected

    with pytest.raises(GatewayRejected):
        await exchange(httpx.Response(300, json=session_answer()))


async def test_a_2xx_other_than_200_is_read():
    session, _ = await exchange(httpx.Response(201, json=session_answer()))
    assert session.id == "cs_1"
    session, _ = await exchange(httpx.Response(299, json=session_answer()))
    assert session.id == "cs_1"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            httpx.Response(404, text=""),
            NO_DETAILS,
        ),
        (
            httpx.Response(404, text="  gone  "),
            NO_DETAILS + ": gone",
        ),
        (
            httpx.Response(404, text="x" * 300),
            NO_DETAILS + ": " + "x" * 200,
        ),
        (
            httpx.Response(404, json={"errors": "not a list"}),
            NO_DETAILS + ': {"errors":"not a list"}',
        ),
        (
            httpx.Response(404, json=["not", "an", "object"]),
            NO_DETAILS + ': ["not","an","object"]',
        ),
    ],
)
async def test_what_the_owner_reads_when_paymongo_answers_without_details(answer, message):
    from mongocollectibles.payments import GatewayRejected

    with pytest.raises(GatewayRejected) as caught:
        await exchange(answer)
    assert caught.value.message == message and caught.value.status_code == 404
    assert caught.value.code is None and caught.value.errors == ()


async def test_paymongo_error_details_are_kept_for_the_owner():
    from mongocollectibles.payments import GatewayRejected

    items = [{"code": "resource_not_found", "detail": "No such checkout session."}, "junk"]
    with pytest.raises(GatewayRejected) as caught:
        await exchange(httpx.Response(404, json={"errors": items}))
    assert caught.value.code == "resource_not_found"
    assert caught.value.errors == (items[0],)
    with pytest.raises(GatewayUnavailable) as busy:
        await exchange(httpx.Response(429, json={"errors": [{"code": "rate", "detail": "wait"}]}))
    assert (busy.value.code, busy.value.errors, busy.value.status_code) == (
        "rate",
        ({"code": "rate", "detail": "wait"},),
        429,
    )
    with pytest.raises(GatewayUnavailable) as busy:
        await exchange(httpx.Response(429, json={"errors": [{"detail": "wait"}]}))
    assert busy.value.code == "too_many_requests"
    with pytest.raises(GatewayUnavailable) as down:
        await exchange(httpx.Response(503, json={"errors": [{"code": "down", "detail": "maint"}]}))
    assert down.value.message == "payment provider error (HTTP 503): maint"
    assert (down.value.code, down.value.status_code) == ("down", 503)
    assert down.value.errors == ({"code": "down", "detail": "maint"},)


async def test_an_error_entry_without_detail_or_code_adds_nothing_to_the_message():
    from mongocollectibles.payments import GatewayRejected

    answer = httpx.Response(404, json={"errors": [{"source": {"pointer": "id"}}]})
    with pytest.raises(GatewayRejected) as caught:
        await exchange(answer)
    assert caught.value.message == NO_DETAILS + ': {"errors":[{"source":{"pointer":"id"}}]}'
    assert caught.value.errors == ({"source": {"pointer": "id"}},)
