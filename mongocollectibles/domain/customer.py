"""Billing details: validation rules with messages meant for customers.

The payment methods and their check live in :mod:`mongocollectibles.payments.methods`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.domain.text import BadCharacters, check_characters

_POSTAL = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str  # normalised to +63...
    address: str
    city: str
    postal_code: str


PHONE_HELP = (
    "Enter a Philippine phone number, e.g. 0917 123 4567, +63 917 123 4567 or (032) 123 4567."
)


def normalise_phone(raw: str) -> str:
    """A Philippine mobile or landline number (any common way of writing it) in E.164, as
    stored: +639171234567, +63321234567. Numbering rules from `phonenumbers` (region PH)."""
    try:
        number = phonenumbers.parse(raw, "PH")
    except phonenumbers.NumberParseException:
        raise InvalidInput(PHONE_HELP) from None
    if phonenumbers.region_code_for_number(number) != "PH" or not phonenumbers.is_valid_number(
        number
    ):
        raise InvalidInput(PHONE_HELP)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    """Checked by `email-validator` (syntax only: no DNS look-up), stored in lower case."""
    email = _text(value, "Email", 3, 254)
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("Enter a valid email address, e.g. juan@example.com.") from None
    return checked.normalized.lower()


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


def customer_field_errors(data: Mapping[str, object]) -> dict[str, str]:
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
