"""PayMongo webhook events, read into a provider-neutral :class:`PaymentEvent`.

Only this module knows the JSON PayMongo posts to the webhook. Verify the signature over the
raw body first (:func:`mongocollectibles.payments.verify_signature`), then call
:func:`parse_paymongo_event` on the same bytes. A body that is not a PayMongo event raises
:class:`InvalidEvent` (a ``ValueError``); a webhook endpoint answers it with a 400.

Envelope (every event)::

    {"data": {"id": "evt_...", "type": "event",
              "attributes": {"type": "payment.paid", "livemode": false,
                             "data": {"id": ..., "type": ..., "attributes": {...}}}}}

========================================  ====================================================
PaymentEvent field                        read from
========================================  ====================================================
``id``                                    ``data.id`` (``evt_...``; dedupe on it)
``provider_type``                         ``data.attributes.type``, e.g. ``payment.paid``
``kind``                                  from ``provider_type``: ``checkout_session.payment.
                                          paid`` and ``payment.paid`` -> ``paid``;
                                          ``payment.failed`` -> ``failed``;
                                          ``payment.refunded`` -> ``refunded``; any other
                                          -> ``other`` (ids and amount left empty)
``livemode``                              ``data.attributes.livemode`` (absent: false)
========================================  ====================================================

The resource is ``data.attributes.data``. For a checkout session (its ``type`` is
``checkout_session``, sent with ``checkout_session.payment.paid``):

* ``reference``: ``attributes.reference_number`` (the rental id we sent at checkout);
* ``checkout_session_id``: the resource's ``id`` (``cs_...``);
* ``payment_id``, ``amount_centavos``, ``currency``: the first entry of
  ``attributes.payments`` whose ``attributes.status`` is ``paid`` (its ``id``, ``amount``,
  ``currency``); when there is none there, the same from
  ``attributes.payment_intent.attributes.payments``.

For a payment (any other resource ``type``; sent with ``payment.paid``, ``payment.failed``,
``payment.refunded``):

* ``reference``: ``attributes.metadata.reference_number``;
* ``checkout_session_id``: none (a payment does not name its session);
* ``payment_id``: the resource's ``id`` (``pay_...``);
* ``amount_centavos``, ``currency``: ``attributes.amount`` and ``attributes.currency`` (the
  payment's full amount, also for a failed or refunded payment);
* ``refund_id`` (``payment.refunded`` only): the ``id`` of the last entry of
  ``attributes.refunds`` (Refund resources: ``{"id": "ref_...", "type": "refund",
  "attributes": {"amount": ..., "status": ...}}``);
* ``refunded_centavos`` (``payment.refunded`` only): what went back in all, the sum of the
  ``attributes.amount`` of those refunds, leaving out any whose ``attributes.status`` is
  ``failed``. PayMongo allows several partial refunds of one payment: our owner console sends
  one per rental, but more can be made at PayMongo's dashboard, and the event lists them all,
  so the sum is what the customer got back (the last refund alone would understate it). None
  when no refund (but a failed one) is listed, or one of them has no whole-centavos amount (a
  sum of the others would understate it too).

A handled event without a resource parses with every id empty (no rental can be found for
it); a resource that is not a JSON object is an :class:`InvalidEvent`. A value of the wrong
JSON type (an amount that is not an integer, an id that is not a
string) reads as ``None``: a paid event with no usable amount cannot be matched against a
rental's total, and the caller should treat it as a mismatch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["EventKind", "InvalidEvent", "PaymentEvent", "parse_paymongo_event"]


class EventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"
    OTHER = "other"


_KINDS = {
    "checkout_session.payment.paid": EventKind.PAID,
    "payment.paid": EventKind.PAID,
    "payment.failed": EventKind.FAILED,
    "payment.refunded": EventKind.REFUNDED,
}


class InvalidEvent(ValueError):
    """The body is not a PayMongo event; ``message`` can be sent back as is."""

    def __init__(self, message: str = "Webhook body is not a PayMongo event.") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PaymentEvent:
    id: str  # the provider's event id; deliveries of one event share it
    provider_type: str  # the provider's event name, e.g. "checkout_session.payment.paid"
    kind: EventKind
    livemode: bool
    reference: str | None = None  # our reference number: the rental id
    checkout_session_id: str | None = None
    payment_id: str | None = None
    refund_id: str | None = None
    refunded_centavos: int | None = None  # all the payment's refunds together
    amount_centavos: int | None = None
    currency: str | None = None  # ISO 4217 as the provider sends it, e.g. "PHP"


def parse_paymongo_event(raw_body: bytes) -> PaymentEvent:
    """The event in ``raw_body`` (PayMongo's webhook JSON); :class:`InvalidEvent` if it is none."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, TypeError, RecursionError) as error:  # not JSON, not UTF-8, too deep
        raise InvalidEvent() from error
    data = payload.get("data") if isinstance(payload, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(attributes, dict):
        raise InvalidEvent()
    event_id, event_type = _text(data.get("id")), _text(attributes.get("type"))
    if event_id is None or event_type is None:
        raise InvalidEvent()
    kind = _KINDS.get(event_type, EventKind.OTHER)
    event = PaymentEvent(
        id=event_id,
        provider_type=event_type,
        kind=kind,
        livemode=attributes.get("livemode") is True,
    )
    if kind is EventKind.OTHER:
        return event
    resource = attributes.get("data") or {}  # absent: an event about nothing we can find
    if not isinstance(resource, dict):
        raise InvalidEvent()
    if resource.get("type") == "checkout_session":
        return _from_checkout_session(event, resource)
    return _from_payment(event, resource)


def _from_checkout_session(event: PaymentEvent, resource: dict[str, Any]) -> PaymentEvent:
    attrs = _dict(resource.get("attributes"))
    payment = first_paid_payment(attrs)
    payment_attrs = _dict(payment.get("attributes")) if payment else {}
    return _with(
        event,
        reference=_text(attrs.get("reference_number")),
        checkout_session_id=_text(resource.get("id")),
        payment_id=_text(payment.get("id")) if payment else None,
        amount_centavos=_centavos(payment_attrs.get("amount")),
        currency=_text(payment_attrs.get("currency")),
    )


def _from_payment(event: PaymentEvent, resource: dict[str, Any]) -> PaymentEvent:
    attrs = _dict(resource.get("attributes"))
    refund_id = refunded = None
    if event.kind is EventKind.REFUNDED:
        refunds = [r for r in attrs.get("refunds") or [] if isinstance(r, dict)]
        refund_id = _text(refunds[-1].get("id")) if refunds else None
        refunded = _refunded_centavos(refunds)
    return _with(
        event,
        reference=_text(_dict(attrs.get("metadata")).get("reference_number")),
        payment_id=_text(resource.get("id")),
        refund_id=refund_id,
        refunded_centavos=refunded,
        amount_centavos=_centavos(attrs.get("amount")),
        currency=_text(attrs.get("currency")),
    )


def _refunded_centavos(refunds: list[dict[str, Any]]) -> int | None:
    """The sum of the refunds that did not fail; None if there is none or one of them does
    not state its amount (see the module's notes)."""
    listed = [_dict(refund.get("attributes")) for refund in refunds]
    amounts = [
        _centavos(attrs.get("amount")) for attrs in listed if attrs.get("status") != "failed"
    ]
    known = [amount for amount in amounts if amount is not None]
    return sum(known) if known and len(known) == len(amounts) else None


def first_paid_payment(session_attrs: dict[str, Any]) -> dict[str, Any] | None:
    """The first paid payment of a checkout session's attributes: from ``payments``, else from
    the embedded payment intent's ``payments``. Shared with the checkout-session reader."""
    intent_attrs = _dict(_dict(session_attrs.get("payment_intent")).get("attributes"))
    for payments in (session_attrs.get("payments"), intent_attrs.get("payments")):
        for item in payments if isinstance(payments, list) else ():
            payment = _dict(item)
            if _dict(payment.get("attributes")).get("status") == "paid":
                return payment
    return None


def _with(event: PaymentEvent, **fields: Any) -> PaymentEvent:
    return PaymentEvent(**{**event.__dict__, **fields})


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _centavos(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
