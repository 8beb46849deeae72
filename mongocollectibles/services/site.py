"""Facts about the shop that every page shows: test mode, the longest rental, the payment
methods on offer (their one table is `payments/methods.py`), how to reach the shop."""

from __future__ import annotations

from dataclasses import dataclass

from mongocollectibles.payments.methods import (
    METHOD_LABELS,
    METHODS,
    PaymentMethod,
    is_known,
    method_label,
)
from mongocollectibles.settings import Settings, SettingsError, get_settings

__all__ = [
    "METHODS",
    "Contact",
    "METHOD_LABELS",
    "PaymentMethod",
    "is_known",
    "contact",
    "max_duration_days",
    "method_label",
    "test_mode",
]


def test_mode() -> bool:
    """Payments are not live: the local sandbox, or PayMongo with test keys."""
    try:
        return not get_settings().livemode
    except SettingsError:  # a misconfigured build still compiles; the backend refuses to start
        return True


def max_duration_days() -> int:
    return get_settings().max_duration_days


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str

    @property
    def phone_href(self) -> str:
        """The number as a `tel:` link: "+63 2 8123 4567" -> "tel:+63281234567"."""
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")


def contact() -> Contact:
    """The shop's email and phone for customers (CONTACT_EMAIL, CONTACT_PHONE)."""
    try:
        settings = get_settings()
    except SettingsError:  # a misconfigured build still compiles; the backend refuses to start
        fields = Settings.model_fields
        return Contact(fields["contact_email"].default, fields["contact_phone"].default)
    return Contact(settings.contact_email, settings.contact_phone)
