"""Payments: a provider-neutral gateway interface and its PayMongo implementation.

Pure library: no database and no imports from the rest of the app. The local
PayMongo sandbox lives in :mod:`mongocollectibles.payments.sandbox` (imported
on demand, it needs FastAPI).
"""

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
from .paymongo import PayMongoClient
from .signature import sign_header, verify_signature

__all__ = [
    "Billing",
    "CheckoutRequest",
    "CheckoutSession",
    "GatewayError",
    "GatewayRejected",
    "GatewayUnavailable",
    "PayMongoClient",
    "PaymentGateway",
    "Refund",
    "sign_header",
    "verify_signature",
]
