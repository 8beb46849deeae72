"""Real bookings for tests: a pending rental through the checkout's own booking step (the
unit is taken for the rental's window, starting today for the earliest pickup)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.customer import parse_customer
from mongocollectibles.models import Rental
from mongocollectibles.services import checkout, lifecycle
from tests.support.orders import CUSTOMER


def book(
    session: Session,
    collectible_id: str,
    store_id: str = "store-a",
    days: int = 3,
    pickup: date | None = None,
    customer: dict | None = None,
) -> Rental:
    order = checkout.Order(
        collectible_id=collectible_id,
        store_id=store_id,
        duration_days=days,
        payment_method="gcash",
        customer=parse_customer(dict(customer or CUSTOMER)),
        pickup_date=pickup,
    )
    return checkout.create_pending_rental(session, order, None)


def other_shopper(number: int) -> dict:
    """Billing details of someone else (their unpaid holds do not count against the test's
    customer's cap)."""
    return {
        **CUSTOMER,
        "email": f"shopper{number}@example.com",
        "phone": f"0917 555 {1000 + number}",
    }


def cancel(session: Session, rental_id: str) -> bool:
    rental = lifecycle.load_for_update(session, rental_id)
    return lifecycle.transition(session, rental, status.CANCELLED, "test", "Released by a test.")
