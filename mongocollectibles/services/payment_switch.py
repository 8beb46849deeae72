"""Another payment method for a rental that is still waiting for payment: a new PayMongo
checkout session for the same held unit (the old page is closed). Used after a declined
payment and when a customer goes back from the payment page and picks another method."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, func, select

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, InvalidInput, PaymentProviderError
from mongocollectibles.models import Rental, RentalEvent, utcnow
from mongocollectibles.payments import CheckoutRequest, GatewayError, PaymentGateway
from mongocollectibles.payments.methods import UnknownPaymentMethod, parse_payment_method
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

CHANGED = "Payment method changed"
PAID_STATUSES = (status.PAID, status.READY_FOR_PICKUP, status.PICKED_UP, status.RETURNED)


@dataclasses.dataclass(frozen=True)
class Switch:
    rental_id: str
    payment_url: str
    changed: bool


def _method(value: object) -> str:
    try:
        return parse_payment_method(value)
    except UnknownPaymentMethod as error:
        raise InvalidInput(error.message, field=error.field) from None


def _switches(session: Session, rental_id: str) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(RentalEvent)
            .where(RentalEvent.rental_id == rental_id, col(RentalEvent.note).startswith(CHANGED))
        ).one()
    )


def _prepare(
    session: Session, rental_id: str, method: str, now: datetime
) -> tuple[Rental, int] | str:
    """The pending rental and how many switches came before; its payment page's URL when
    nothing changes. The hold has ended at its very moment (as checkout no longer counts it
    then)."""
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status != status.PENDING_PAYMENT:
        raise Conflict("This checkout has ended; it can no longer be paid.")
    if rental.hold_expires_at is not None and rental.hold_expires_at <= now:
        raise Conflict("The hold on this item has ended; please start a new checkout.")
    if rental.payment_method == method and rental.checkout_url:
        return rental.checkout_url
    return rental, _switches(session, rental_id)


def _attach(session: Session, rental_id: str, method: str, session_id: str, url: str) -> str | None:
    """Point the rental at its new checkout session; returns the old session's id."""
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status != status.PENDING_PAYMENT:
        raise Conflict("This checkout has ended; it can no longer be paid.")
    old = rental.checkout_session_id
    if old == session_id:  # the same switch answered twice (one key): attached already
        return None
    previous_method = rental.payment_method
    rental.payment_method = method
    rental.checkout_session_id = session_id
    rental.checkout_url = url
    rental.session_expired_at_gateway = False
    rental.updated_at = utcnow()
    session.add(rental)
    lifecycle.record(
        session, rental, rental.status, "customer", f"{CHANGED} from {previous_method} to {method}."
    )
    return old


async def change_payment_method(
    rental_id: str,
    method: object,
    *,
    gateway: PaymentGateway,
    request_for: Callable[[Rental], CheckoutRequest],
    uow: UnitOfWork,
    now: datetime | None = None,
) -> Switch:
    """Open a checkout session for `method` on the same held unit and close the old one.

    `request_for(rental)` builds the checkout request (the checkout service's); `now` is the
    moment the hold is judged by (default: the clock)."""
    chosen = _method(method)
    prepared = await uow.run(_prepare, rental_id, chosen, now or utcnow())
    if isinstance(prepared, str):  # the method in use: its page stays
        return Switch(rental_id, prepared, changed=False)
    rental, switches = prepared
    rental.payment_method = chosen
    request = dataclasses.replace(
        request_for(rental), idempotency_key=f"checkout-{rental_id}-m{switches + 1}"
    )
    try:
        opened = await gateway.create_checkout_session(request)
    except GatewayError as error:
        raise PaymentProviderError(
            "The payment provider is not responding right now; your item is still held. "
            "Please try again in a minute."
        ) from error
    old = await uow.run(_attach, rental_id, chosen, opened.id, opened.checkout_url)
    if old:
        # Best effort: a payment on the old page would still pay this rental (same reference).
        with contextlib.suppress(GatewayError):
            await gateway.expire_checkout_session(old)
    return Switch(rental_id, opened.checkout_url, changed=True)
