"""A unit's state as the owner sees it, and the shop's calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mongocollectibles.domain.status import PENDING_PAYMENT

FREE = "free"
HELD = "held"  # waiting for the customer's payment
RENTED = "rented"  # paid, on its way, at the store or with the customer
MAINTENANCE = "maintenance"  # blocked for today
RETIRED = "retired"
UNIT_STATES = (FREE, HELD, RENTED, MAINTENANCE, RETIRED)

SHOP_TIMEZONE = "Asia/Manila"


def shop_today() -> date:
    """Today's date where the shop is (maintenance blocks are whole days there)."""
    try:
        return datetime.now(ZoneInfo(SHOP_TIMEZONE)).date()
    except ZoneInfoNotFoundError:  # no time zone data on the machine
        return datetime.now(UTC).date()


def unit_state(active: bool, rental_status: str | None, in_maintenance: bool) -> str:
    """`rental_status`: the status of the rental holding the unit (None: not held)."""
    if not active:
        return RETIRED
    if rental_status is not None:
        return HELD if rental_status == PENDING_PAYMENT else RENTED
    return MAINTENANCE if in_maintenance else FREE
