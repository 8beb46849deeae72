"""Rental statuses and the transitions between them."""

from __future__ import annotations

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
READY_FOR_PICKUP = "ready_for_pickup"
PICKED_UP = "picked_up"
RETURNED = "returned"
CANCELLED = "cancelled"
EXPIRED = "expired"
REFUNDED = "refunded"

# Statuses in which the rental holds its unit.
LIVE_STATUSES = frozenset({PENDING_PAYMENT, PAID, READY_FOR_PICKUP, PICKED_UP})

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING_PAYMENT: frozenset({PAID, CANCELLED, EXPIRED}),
    # A payment that arrives after the hold ended: paid again if the unit is still free,
    # otherwise the rental is flagged for refund and refunded.
    EXPIRED: frozenset({PAID, REFUNDED}),
    CANCELLED: frozenset({PAID, REFUNDED}),
    PAID: frozenset({READY_FOR_PICKUP, REFUNDED}),
    READY_FOR_PICKUP: frozenset({PICKED_UP, REFUNDED}),
    PICKED_UP: frozenset({RETURNED}),
    RETURNED: frozenset(),
    REFUNDED: frozenset(),
}


STATUS_LABELS = {
    PENDING_PAYMENT: "Waiting for payment",
    PAID: "Paid",
    READY_FOR_PICKUP: "Ready for pickup",
    PICKED_UP: "Picked up",
    RETURNED: "Returned",
    CANCELLED: "Cancelled",
    EXPIRED: "Expired (not paid in time)",
    REFUNDED: "Refunded",
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())
