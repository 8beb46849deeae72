"""Billing details and payment method: validation rules with messages meant for customers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.text import BadCharacters, check_characters

PAYMENT_METHODS: dict[str, str] = {
    "card": "Credit / debit card",
    "gcash": "GCash",
    "paymaya": "Maya",
    "grab_pay": "GrabPay",
    "qrph": "QR Ph",
    "dob": "BPI online banking",
    "dob_ubp": "UnionBank online banking",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_MOBILE = re.compile(r"^(?:\+?63|0)(9\d{9})$")
_LANDLINE = re.compile(r"^(?:\+?63|0)(2\d{8})$")
_POSTAL = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str  # normalised to +63...
    address: str
    city: str
    postal_code: str


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"[\s\-().]", "", raw)
    match = _MOBILE.match(digits) or _LANDLINE.match(digits)
    if not match:
        raise InvalidInput(
            "Enter a Philippine phone number, e.g. 0917 123 4567 or +63 917 123 4567."
        )
    return "+63" + match.group(1)


def _text(value: object, label: str, low: int, high: int) -> str:
    check_characters(value, label, free_text=True)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{label} is required.")
    value = " ".join(value.split())
    if len(value) < low:
        raise InvalidInput(f"{label} is too short.")
    if len(value) > high:
        raise InvalidInput(f"{label} is too long (at most {high} characters).")
    return value


def _email(value: object) -> str:
    email = _text(value, "Email", 3, 254).lower()
    if not _EMAIL.match(email):
        raise InvalidInput("Enter a valid email address, e.g. juan@example.com.")
    return email


def _postal_code(value: object) -> str:
    postal = _text(value, "Postal code", 1, 10)
    if not _POSTAL.match(postal):
        raise InvalidInput("Postal code must be 4 digits, e.g. 1000.")
    return postal


_FIELDS = {
    "name": lambda v: _text(v, "Name", 2, 200),
    "email": _email,
    "phone": lambda v: normalise_phone(_text(v, "Phone number", 7, 20)),
    "address": lambda v: _text(v, "Address", 5, 500),
    "city": lambda v: _text(v, "City", 2, 100),
    "postal_code": _postal_code,
}


def customer_field_errors(data: dict) -> dict[str, str]:
    """Every bad field with its message (for inline form validation); empty when all are fine."""
    errors = {}
    for key, check in _FIELDS.items():
        try:
            check(data.get(key))
        except InvalidInput as error:
            errors[key] = error.message
    return errors


def parse_customer(data: object) -> Customer:
    """Validated, normalised billing details; raises InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("Customer details are required.", field="customer")
    values = {}
    for key, check in _FIELDS.items():
        try:
            values[key] = check(data.get(key))
        except BadCharacters:
            raise BadCharacters(f"customer.{key}") from None
        except InvalidInput as error:
            raise InvalidInput(error.message, field=key) from None
    return Customer(**values)


def parse_payment_method(value: object) -> str:
    if not isinstance(value, str) or value not in PAYMENT_METHODS:
        choices = ", ".join(PAYMENT_METHODS)
        raise InvalidInput(f"Choose a payment method: one of {choices}.", field="payment_method")
    return str(value)
