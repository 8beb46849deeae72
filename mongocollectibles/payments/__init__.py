"""Payments: a provider-neutral gateway interface and its PayMongo implementation.

- :mod:`.gateway`: the types the app talks to (``PaymentGateway``, ``CheckoutSession``, ...);
- :mod:`.registry`: providers by name (``create_gateway("paymongo", secret_key=...)``);
- :mod:`.events`: PayMongo webhook bodies read into a neutral ``PaymentEvent``;
- :mod:`.methods`: the payment methods the shop offers (code, label, icon);
- :mod:`.signature`: the webhook signature header.

Pure library: no database and no imports from the rest of the app. The local
PayMongo sandbox lives in :mod:`mongocollectibles.payments.sandbox` (imported
on demand, it needs FastAPI).
"""

from .events import EventKind, InvalidEvent, PaymentEvent, parse_paymongo_event
from .gateway import (
    Billing,
    CheckoutRequest,
    CheckoutSession,
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    Refund,
)
from .methods import METHODS, PaymentMethod, UnknownPaymentMethod, parse_payment_method
from .paymongo import PayMongoClient
from .registry import UnknownProvider, aclose_gateway, create_gateway
from .signature import sign_header, verify_signature

__all__ = [
    "METHODS",
    "Billing",
    "CheckoutRequest",
    "CheckoutSession",
    "EventKind",
    "GatewayError",
    "GatewayRejected",
    "GatewayUnavailable",
    "InvalidEvent",
    "PayMongoClient",
    "PaymentEvent",
    "PaymentGateway",
    "PaymentMethod",
    "Refund",
    "UnknownPaymentMethod",
    "UnknownProvider",
    "aclose_gateway",
    "create_gateway",
    "parse_payment_method",
    "parse_paymongo_event",
    "sign_header",
    "verify_signature",
]
