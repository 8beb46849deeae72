"""Facts about the shop that every page shows: test mode, the longest rental, the payment
methods on offer (their one table is `payments/methods.py`)."""

from __future__ import annotations

from mongocollectibles.payments.methods import (
    METHOD_LABELS,
    METHODS,
    PaymentMethod,
    is_known,
    method_label,
)
from mongocollectibles.settings import SettingsError, get_settings

__all__ = [
    "METHODS",
    "METHOD_LABELS",
    "PaymentMethod",
    "is_known",
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
