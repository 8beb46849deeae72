""" "Find my order": the customer's email and order code open the order page; or the links to
every order of an email address are emailed to that address (through the outbox).

Both answer the same whether the email or the code is wrong, and both are rate limited."""

from __future__ import annotations

import hmac
import html
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import InvalidInput, NotFound
from mongocollectibles.domain.order_code import normalize_order_code
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.models import Rental
from mongocollectibles.services import notifications, outbox
from mongocollectibles.services.outbox import Email
from mongocollectibles.services.rate_limit import RateLimiter, TooManyAttempts
from mongocollectibles.services.unit_of_work import UnitOfWork

NOT_FOUND = (
    "We could not find an order with that email and order code. Check both, or have the "
    "links emailed to you below."
)
TOO_MANY = "Too many attempts. Please wait a few minutes and try again."
LINKS_SENT = (
    "If we have orders for that address, we have emailed their links to it. It can take a "
    "minute to arrive."
)

# Per client (IP or browser tab) and per email address, shared by every worker
# (services/rate_limit.py). A lookup counts the same whichever of email and code is wrong.
LOOKUPS_PER_CLIENT = RateLimiter("order-lookups-per-client", limit=10, window_seconds=600)
LINK_EMAILS_PER_CLIENT = RateLimiter("order-links-per-client", limit=5, window_seconds=600)
LINK_EMAILS_PER_ADDRESS = RateLimiter("order-links-per-address", limit=3, window_seconds=3600)


@dataclass(frozen=True)
class FoundOrder:
    rental_id: str
    order_code: str
    path: str  # the order page, with its secret token


def _email(value: object) -> str:
    if not isinstance(value, str) or "@" not in value or len(value.strip()) > 254:
        raise InvalidInput("Enter the email address you used at checkout.", field="email")
    return value.strip().lower()


def _find(session: Session, email: str, code: str) -> FoundOrder:
    rental = session.exec(select(Rental).where(Rental.order_code == code)).first()
    stored = rental.customer_email.strip().lower() if rental else "-"
    if rental is None or not hmac.compare_digest(stored.encode(), email.encode()):
        raise NotFound(NOT_FOUND)
    return FoundOrder(
        rental.id, rental.order_code, f"/orders/{rental.id}?token={rental.secret_token}"
    )


async def find_order(email: object, code: object, *, client: str, uow: UnitOfWork) -> FoundOrder:
    """The order with this email and order code (NotFound with one message otherwise)."""
    address = _email(email)
    if not await LOOKUPS_PER_CLIENT.hit(client):
        raise TooManyAttempts(TOO_MANY)
    normalized = normalize_order_code(code)
    if normalized is None:
        raise NotFound(NOT_FOUND)
    return await uow.run(_find, address, normalized)


def _links_email(session: Session, address: str) -> int:
    rentals = session.exec(
        select(Rental)
        .where(func.lower(col(Rental.customer_email)) == address)
        .order_by(col(Rental.created_at).desc())
        .limit(20)
    ).all()
    if not rentals:
        return 0
    day = notifications.day_text
    lines = [
        (
            f"{r.order_code}: {r.collectible_name}, pickup {day(r.pickup_date)}, "
            f"return by {day(r.return_date)}, "
            f"{format_php(r.total_centavos)} ({status.STATUS_LABELS[r.status]})",
            notifications.order_url(r),
        )
        for r in rentals
    ]
    text = "\n".join(
        ["Your MongoCollectibles orders", "", *(f"{t}\n{u}\n" for t, u in lines)]
        + ["If you did not ask for this email, you can ignore it.", "", "MongoCollectibles"]
    )
    e = html.escape
    items = "".join(f'<li><a href="{e(u)}">{e(t)}</a></li>' for t, u in lines)
    html_body = (
        '<!doctype html><html lang="en"><body style="font-family:Arial,sans-serif">'
        f"<h1>Your MongoCollectibles orders</h1><ul>{items}</ul>"
        "<p>If you did not ask for this email, you can ignore it.</p></body></html>"
    )
    outbox.enqueue(
        session,
        notifications.ORDER_LINKS,
        Email(rentals[0].customer_email, "Your MongoCollectibles order links", text, html_body),
        rental_id=rentals[0].id,
    )
    return len(rentals)


async def email_order_links(email: object, *, client: str, uow: UnitOfWork) -> str:
    """Email the links to every order of this address; the same answer either way."""
    address = _email(email)
    if not await LINK_EMAILS_PER_CLIENT.hit(client):
        raise TooManyAttempts(TOO_MANY)
    if await LINK_EMAILS_PER_ADDRESS.hit(address):
        await uow.run(_links_email, address)
    return LINKS_SENT
