"""Checkout bodies and signed webhook events for tests."""

from __future__ import annotations

import json
import time
import uuid

from mongocollectibles.payments import sign_header
from mongocollectibles.settings import DEV_WEBHOOK_SECRET

CUSTOMER = {
    "name": "Juan dela Cruz",
    "email": "juan@example.com",
    "phone": "0917 123 4567",
    "address": "12 Mabini Street",
    "city": "Manila",
    "postal_code": "1000",
}


def order(collectible_id="col-002", store_id="store-a", duration=3, method="gcash", **extra):  # noqa: ANN001
    return {
        "collectible_id": collectible_id,
        "store_id": store_id,
        "duration": duration,
        "payment_method": method,
        "customer": dict(CUSTOMER),
        **extra,
    }


def event_body(event_type: str, resource: dict, event_id: str | None = None) -> bytes:
    now = int(time.time())
    return json.dumps(
        {
            "data": {
                "id": event_id or f"evt_{uuid.uuid4().hex[:20]}",
                "type": "event",
                "attributes": {
                    "type": event_type,
                    "livemode": False,
                    "data": resource,
                    "previous_data": {},
                    "created_at": now,
                    "updated_at": now,
                },
            }
        }
    ).encode()


# What `order()` costs: col-002 (size L) for 3 days at the short-rental rate.
ORDER_TOTAL_CENTAVOS = 3_000_000


def checkout_paid(
    rental_id: str,
    session_id: str,
    payment_id: str,
    amount: int = ORDER_TOTAL_CENTAVOS,
    currency: str = "PHP",
) -> dict:
    paid = {"status": "paid", "amount": amount, "currency": currency}
    return {
        "id": session_id,
        "type": "checkout_session",
        "attributes": {
            "reference_number": rental_id,
            "payments": [{"id": payment_id, "type": "payment", "attributes": paid}],
        },
    }


def payment(  # noqa: ANN201
    rental_id: str,
    payment_id: str,
    status: str,
    refunds=(),  # noqa: ANN001
    amount: int = ORDER_TOTAL_CENTAVOS,
    currency: str = "PHP",
):
    return {
        "id": payment_id,
        "type": "payment",
        "attributes": {
            "status": status,
            "amount": amount,
            "currency": currency,
            "metadata": {"reference_number": rental_id},
            "refunds": [refund_listed(r) for r in refunds],
        },
    }


def refund_listed(refund) -> dict:  # noqa: ANN001
    """A refund as a payment lists it: an id alone ("ref_1"), or with the amount PayMongo
    states for it (("ref_1", 2_500_000))."""
    if isinstance(refund, str):
        return {"id": refund}
    refund_id, amount = refund
    attributes = {"amount": amount, "currency": "PHP", "status": "succeeded"}
    return {"id": refund_id, "type": "refund", "attributes": attributes}


def signed_headers(body: bytes, secret: str = DEV_WEBHOOK_SECRET) -> dict[str, str]:
    return {
        "Paymongo-Signature": sign_header(secret, body, int(time.time()), livemode=False),
        "Content-Type": "application/json",
    }


def another_customer() -> dict:
    """The same customer details with an email and phone of their own, for tests whose
    holds must not count against the shared customer's cap on unpaid holds."""
    tag = uuid.uuid4().int
    return {
        **CUSTOMER,
        "email": f"juan.{tag % 10**12}@example.com",
        "phone": f"0917 {tag % 10**7:07d}",
    }
