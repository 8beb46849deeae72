"""The payment methods this shop offers: one table, read by checkout, the pages and the sandbox.

Each method has the code PayMongo uses in ``payment_method_types`` (and in a payment's
``source.type``), the label customers see, and an icon name from the Lucide set (the names
``rx.icon`` takes). To offer a new method, add one :class:`PaymentMethod` to ``METHODS``:
checkout accepts it, the checkout form shows it and the local sandbox enables it by default.

Pure data: nothing here imports the rest of the app. Input that names no method raises
:class:`UnknownPaymentMethod` (a ``ValueError``); callers that answer HTTP requests map it to
their own "invalid input" error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "METHODS",
    "METHOD_CODES",
    "METHOD_LABELS",
    "PaymentMethod",
    "UnknownPaymentMethod",
    "is_known",
    "method_icon",
    "method_label",
    "parse_payment_method",
]


@dataclass(frozen=True)
class PaymentMethod:
    code: str  # PayMongo's name, e.g. "gcash"
    label: str  # what the customer reads, e.g. "GCash"
    icon: str  # a Lucide icon name, e.g. "smartphone"
    description: str  # one short line about how the customer pays


METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod("card", "Credit / debit card", "credit-card", "Pay with a credit or debit card."),
    PaymentMethod("gcash", "GCash", "smartphone", "Pay from your GCash wallet."),
    PaymentMethod("paymaya", "Maya", "smartphone", "Pay from your Maya wallet."),
    PaymentMethod("grab_pay", "GrabPay", "car", "Pay from your GrabPay wallet."),
    PaymentMethod("qrph", "QR Ph", "qr-code", "Scan a QR code with any bank or e-wallet app."),
    PaymentMethod("dob", "BPI online banking", "landmark", "Pay from your BPI account."),
    PaymentMethod(
        "dob_ubp", "UnionBank online banking", "landmark", "Pay from your UnionBank account."
    ),
)

_BY_CODE: Mapping[str, PaymentMethod] = MappingProxyType({m.code: m for m in METHODS})
METHOD_CODES: tuple[str, ...] = tuple(_BY_CODE)
METHOD_LABELS: Mapping[str, str] = MappingProxyType({m.code: m.label for m in METHODS})
DEFAULT_ICON = "wallet"


class UnknownPaymentMethod(ValueError):
    """The value names none of :data:`METHODS`; ``message`` is meant for customers."""

    field = "payment_method"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_known(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def parse_payment_method(value: object) -> str:
    """``value`` if it is the code of an offered method; else :class:`UnknownPaymentMethod`."""
    if not is_known(value):
        raise UnknownPaymentMethod(f"Choose a payment method: one of {', '.join(METHOD_CODES)}.")
    return str(value)


def method_label(code: str) -> str:
    """The customer label for ``code``; an unknown code (e.g. an old rental's) shows as is."""
    method = _BY_CODE.get(code)
    return method.label if method else code


def method_icon(code: str) -> str:
    method = _BY_CODE.get(code)
    return method.icon if method else DEFAULT_ICON
