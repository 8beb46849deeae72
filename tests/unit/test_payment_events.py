"""PayMongo webhook bodies read into PaymentEvent, on fixed JSON vectors shaped like PayMongo's
events (the envelope from PayMongo's webhook docs; resources trimmed to the fields that matter).
The same parser on the sandbox's real deliveries is checked in
tests/integration/test_paymongo_sandbox.py."""

from __future__ import annotations

import json

import pytest

from mongocollectibles.payments.events import (
    EventKind,
    InvalidEvent,
    PaymentEvent,
    parse_paymongo_event,
)

CHECKOUT_PAID = b"""{"data": {"id": "evt_cs9Qq1", "type": "event", "attributes": {
  "type": "checkout_session.payment.paid", "livemode": false,
  "data": {"id": "cs_7XyZ", "type": "checkout_session", "attributes": {
    "reference_number": "8f14e45f-ceea-467e-a2b1-1f7d0c5a9e11",
    "livemode": false, "status": "active",
    "line_items": [{"name": "Mewtwo Holo", "amount": 3000000, "currency": "PHP", "quantity": 1}],
    "payment_intent": {"id": "pi_Ab12", "type": "payment_intent",
                       "attributes": {"status": "succeeded", "amount": 3000000}},
    "payments": [
      {"id": "pay_declined", "type": "payment",
       "attributes": {"status": "failed", "amount": 3000000, "currency": "PHP"}},
      {"id": "pay_Gc4sh", "type": "payment",
       "attributes": {"status": "paid", "amount": 2999900, "currency": "PHP",
                      "source": {"id": "src_1", "type": "gcash"}}}]}},
  "previous_data": {}, "created_at": 1767225600, "updated_at": 1767225600}}}"""


def event_body(event_type: object, resource: object = None, **attributes: object) -> bytes:
    """A small synthetic event around ``resource`` (the real-shaped vectors are the bytes above
    and below)."""
    attrs = {"type": event_type, **attributes}
    if resource is not None:
        attrs["data"] = resource
    return json.dumps({"data": {"id": "evt_s", "type": "event", "attributes": attrs}}).encode()


PAYMENT_PAID = b"""{"data": {"id": "evt_pp2", "type": "event", "attributes": {
  "type": "payment.paid", "livemode": false,
  "data": {"id": "pay_Gc4sh", "type": "payment", "attributes": {
    "amount": 3000000, "currency": "PHP", "status": "paid",
    "external_reference_number": "8f14e45f-ceea-467e-a2b1-1f7d0c5a9e11",
    "metadata": {"reference_number": "8f14e45f-ceea-467e-a2b1-1f7d0c5a9e11"},
    "payment_intent_id": "pi_Ab12", "refunds": []}},
  "previous_data": {}, "created_at": 1767225601, "updated_at": 1767225601}}}"""

PAYMENT_FAILED = b"""{"data": {"id": "evt_pf3", "type": "event", "attributes": {
  "type": "payment.failed", "livemode": false,
  "data": {"id": "pay_declined", "type": "payment", "attributes": {
    "amount": 3000000, "currency": "PHP", "status": "failed",
    "failed_code": "generic_decline",
    "metadata": {"reference_number": "r-failed"}}}}}}"""

PAYMENT_REFUNDED = b"""{"data": {"id": "evt_pr4", "type": "event", "attributes": {
  "type": "payment.refunded", "livemode": true,
  "data": {"id": "pay_Gc4sh", "type": "payment", "attributes": {
    "amount": 3000000, "currency": "PHP", "status": "paid",
    "metadata": {"reference_number": "r-refunded"},
    "refunds": [
      {"id": "ref_first", "type": "refund", "attributes": {"amount": 100000}},
      {"id": "ref_latest", "type": "refund", "attributes": {"amount": 2900000}}]}}}}}"""


def test_checkout_session_paid():
    assert parse_paymongo_event(CHECKOUT_PAID) == PaymentEvent(
        id="evt_cs9Qq1",
        provider_type="checkout_session.payment.paid",
        kind=EventKind.PAID,
        livemode=False,
        reference="8f14e45f-ceea-467e-a2b1-1f7d0c5a9e11",
        checkout_session_id="cs_7XyZ",
        payment_id="pay_Gc4sh",  # the paid one, not the declined attempt before it
        refund_id=None,
        amount_centavos=2999900,  # what was paid, not the line items' 3000000
        currency="PHP",
    )


def test_payment_paid():
    assert parse_paymongo_event(PAYMENT_PAID) == PaymentEvent(
        id="evt_pp2",
        provider_type="payment.paid",
        kind=EventKind.PAID,
        livemode=False,
        reference="8f14e45f-ceea-467e-a2b1-1f7d0c5a9e11",
        checkout_session_id=None,
        payment_id="pay_Gc4sh",
        refund_id=None,
        amount_centavos=3000000,
        currency="PHP",
    )


def test_payment_failed():
    event = parse_paymongo_event(PAYMENT_FAILED)
    assert (event.id, event.kind, event.provider_type) == (
        "evt_pf3",
        EventKind.FAILED,
        "payment.failed",
    )
    assert (event.reference, event.payment_id, event.refund_id) == (
        "r-failed",
        "pay_declined",
        None,
    )


def test_payment_refunded_names_the_latest_refund():
    event = parse_paymongo_event(PAYMENT_REFUNDED)
    assert (event.kind, event.livemode) == (EventKind.REFUNDED, True)
    assert (event.reference, event.payment_id, event.refund_id) == (
        "r-refunded",
        "pay_Gc4sh",
        "ref_latest",
    )


# One partial refund, as PayMongo lists it on the payment: a whole Refund resource.
ONE_PARTIAL_REFUND = b"""{"data": {"id": "evt_pr5", "type": "event", "attributes": {
  "type": "payment.refunded", "livemode": false,
  "data": {"id": "pay_Gc4sh", "type": "payment", "attributes": {
    "amount": 3000000, "currency": "PHP", "status": "paid",
    "metadata": {"reference_number": "r-partial"},
    "refunds": [
      {"id": "ref_part", "type": "refund", "attributes": {
        "amount": 2500000, "currency": "PHP", "livemode": false, "payment_id": "pay_Gc4sh",
        "reason": "requested_by_customer", "status": "succeeded", "notes": null,
        "created_at": 1767225700, "refunded_at": 1767225700}}]}},
  "previous_data": {}, "created_at": 1767225700, "updated_at": 1767225700}}}"""


def test_a_partial_refund_states_what_went_back():
    assert parse_paymongo_event(ONE_PARTIAL_REFUND) == PaymentEvent(
        id="evt_pr5",
        provider_type="payment.refunded",
        kind=EventKind.REFUNDED,
        livemode=False,
        reference="r-partial",
        checkout_session_id=None,
        payment_id="pay_Gc4sh",
        refund_id="ref_part",
        refunded_centavos=2500000,  # not the payment's 3000000
        amount_centavos=3000000,
        currency="PHP",
    )


def refunded_event(*refunds: object) -> PaymentEvent:
    payment = {
        "id": "pay_r",
        "type": "payment",
        "attributes": {"amount": 3000000, "currency": "PHP", "refunds": list(refunds)},
    }
    return parse_paymongo_event(event_body("payment.refunded", payment))


def refund(refund_id: str, amount: object, status: str = "succeeded") -> dict:
    return {
        "id": refund_id,
        "type": "refund",
        "attributes": {"amount": amount, "currency": "PHP", "status": status},
    }


def test_two_partial_refunds_add_up():
    """PayMongo lists every refund of the payment: the customer got both back."""
    event = refunded_event(refund("ref_1", 500000), refund("ref_2", 700000))
    assert (event.refund_id, event.refunded_centavos) == ("ref_2", 1200000)


def test_a_failed_refund_is_not_counted():
    event = refunded_event(refund("ref_1", 900000, "failed"), refund("ref_2", 700000, "pending"))
    assert (event.refund_id, event.refunded_centavos) == ("ref_2", 700000)


@pytest.mark.parametrize(
    "refunds",
    [
        pytest.param([], id="none listed"),
        pytest.param([refund("ref_1", 900000, "failed")], id="only a failed one"),
        pytest.param([{"id": "ref_1", "type": "refund"}], id="no attributes"),
        pytest.param([{"id": "ref_1", "attributes": {"status": "succeeded"}}], id="no amount"),
        pytest.param([refund("ref_1", "500000")], id="amount a string"),
        pytest.param([refund("ref_1", True)], id="amount a bool"),
        pytest.param([refund("ref_1", 500000.0)], id="amount a float"),
        pytest.param(
            [refund("ref_1", 500000), refund("ref_2", "700000")], id="one of two unstated"
        ),
    ],
)
def test_a_refunded_amount_not_stated_in_whole_centavos_is_unknown(refunds):
    """Unknown (not a guess from the refunds that do state theirs): the rental then counts the
    refund as the whole payment unless the owner's own refund recorded the amount."""
    event = refunded_event(*refunds)
    assert (event.kind, event.payment_id, event.refunded_centavos) == (
        EventKind.REFUNDED,
        "pay_r",
        None,
    )


def test_only_a_refund_event_states_a_refunded_amount():
    payment = {
        "id": "pay_p",
        "type": "payment",
        "attributes": {"amount": 3000000, "refunds": [refund("ref_1", 500000)]},
    }
    event = parse_paymongo_event(event_body("payment.paid", payment))
    assert (event.payment_id, event.refund_id, event.refunded_centavos) == ("pay_p", None, None)


def test_paid_payment_found_in_the_payment_intent():
    body = b"""{"data": {"id": "evt_5", "attributes": {
      "type": "checkout_session.payment.paid",
      "data": {"id": "cs_5", "type": "checkout_session", "attributes": {
        "reference_number": "r-5", "payments": [],
        "payment_intent": {"id": "pi_5", "attributes": {"status": "succeeded", "payments": [
          {"id": "pay_5", "attributes": {"status": "paid", "amount": 500000, "currency": "PHP"}}
        ]}}}}}}}"""
    event = parse_paymongo_event(body)
    assert (event.payment_id, event.amount_centavos, event.currency) == ("pay_5", 500000, "PHP")
    assert event.livemode is False  # no livemode in the body: a test-mode event


def test_checkout_session_with_no_paid_payment_names_no_payment():
    body = b"""{"data": {"id": "evt_6", "attributes": {
      "type": "checkout_session.payment.paid",
      "data": {"id": "cs_6", "type": "checkout_session", "attributes": {
        "reference_number": "r-6",
        "payments": [{"id": "pay_x", "attributes": {"status": "failed", "amount": 1}}]}}}}}"""
    event = parse_paymongo_event(body)
    assert (event.reference, event.checkout_session_id) == ("r-6", "cs_6")
    assert (event.payment_id, event.amount_centavos, event.currency) == (None, None, None)


@pytest.mark.parametrize(
    "event_type", ["source.chargeable", "payment.refund.updated", "qrph.expired"]
)
def test_other_events_keep_their_name_and_carry_nothing_to_act_on(event_type):
    payment = {
        "id": "pay_7",
        "type": "payment",
        "attributes": {"amount": 100, "metadata": {"reference_number": "r-7"}},
    }
    assert parse_paymongo_event(event_body(event_type, payment, livemode=False)) == PaymentEvent(
        id="evt_s", provider_type=event_type, kind=EventKind.OTHER, livemode=False
    )


def test_handled_event_without_a_resource_names_nothing():
    event = parse_paymongo_event(event_body("payment.paid"))
    assert event.kind is EventKind.PAID
    assert (event.reference, event.checkout_session_id, event.payment_id) == (None, None, None)


@pytest.mark.parametrize("amount", ["3000000", 3000000.0, True, None])
def test_an_amount_that_is_not_whole_centavos_reads_as_unknown(amount):
    payment = {"id": "pay_9", "type": "payment", "attributes": {"amount": amount}}
    event = parse_paymongo_event(event_body("payment.paid", payment))
    assert (event.payment_id, event.amount_centavos) == ("pay_9", None)


def test_livemode_must_be_true_to_be_live():
    assert parse_paymongo_event(event_body("payment.paid", livemode="false")).livemode is False
    assert parse_paymongo_event(event_body("payment.paid", livemode=True)).livemode is True


def test_ids_of_the_wrong_type_read_as_missing():
    payment = {"id": 42, "type": "payment", "attributes": {"metadata": {"reference_number": 7}}}
    event = parse_paymongo_event(event_body("payment.paid", payment))
    assert (event.reference, event.payment_id) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'{"data": []}',
        b'{"data": {"id": "evt_1"}}',
        b'{"data": {"id": "evt_1", "attributes": []}}',
        b'{"data": {"id": "evt_1", "attributes": {"livemode": false}}}',
        b'{"data": {"attributes": {"type": "payment.paid"}}}',
        b'{"data": {"id": 1, "attributes": {"type": "payment.paid"}}}',
        b'{"data": {"id": "", "attributes": {"type": "payment.paid"}}}',
        b'{"data": {"id": "evt_1", "attributes": {"type": 3}}}',
        b'{"data": {"id": "evt_1", "attributes": {"type": "payment.paid", "data": ["pay_1"]}}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_bodies_are_invalid_events(body):
    with pytest.raises(InvalidEvent) as raised:
        parse_paymongo_event(body)
    assert raised.value.message == "Webhook body is not a PayMongo event."
    assert isinstance(raised.value, ValueError)
