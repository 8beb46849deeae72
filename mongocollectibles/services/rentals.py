"""What a customer may see and do with their rental, given its secret token."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, NotFound, PaymentProviderError
from mongocollectibles.models import Collectible, Rental, RentalEvent, Store
from mongocollectibles.payments import GatewayError, GatewayRejected, PaymentGateway
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RentalView:
    id: str
    status: str
    status_label: str
    collectible_id: str
    collectible_name: str
    image_url: str
    store_id: str
    store_name: str
    store_address: str
    duration_days: int
    daily_rate_centavos: int
    total_centavos: int
    is_special_rate: bool
    eta_days: int
    pickup_date: date
    return_date: date
    payment_method: str
    customer_name: str
    customer_email: str
    created_at: datetime
    paid_at: datetime | None
    hold_expires_at: datetime | None
    needs_refund: bool
    payment_url: str | None  # where to (re)try paying while payment is pending
    checkout_session_id: str | None = None  # to confirm a pending payment with the gateway
    order_code: str = ""  # the short code customers read and type (MC-7K3Q9P)
    store_hours: str = ""
    payment_failed: bool = False  # a declined attempt while waiting for payment


def _authorised(session: Session, rental_id: str, token: str) -> Rental:
    rental = session.get(Rental, rental_id) if isinstance(rental_id, str) else None
    if (
        rental is None
        or not isinstance(token, str)
        or not hmac.compare_digest(rental.secret_token.encode(), token.encode())
    ):
        raise NotFound("No rental matches this link. Check the link in your confirmation.")
    return rental


def view(session: Session, rental: Rental) -> RentalView:
    store = session.get(Store, rental.store_id)
    collectible = session.get(Collectible, rental.collectible_id)
    pending = rental.status == status.PENDING_PAYMENT
    return RentalView(
        id=rental.id,
        status=rental.status,
        status_label=status.STATUS_LABELS[rental.status],
        collectible_id=rental.collectible_id,
        collectible_name=rental.collectible_name,
        image_url=collectible.image_url if collectible else "",
        store_id=rental.store_id,
        store_name=store.name if store else rental.store_id,
        store_address=store.address if store else "",
        duration_days=rental.duration_days,
        daily_rate_centavos=rental.daily_rate_centavos,
        total_centavos=rental.total_centavos,
        is_special_rate=rental.is_special_rate,
        eta_days=rental.eta_days,
        pickup_date=rental.pickup_date,
        return_date=rental.return_date,
        payment_method=rental.payment_method,
        customer_name=rental.customer_name,
        customer_email=rental.customer_email,
        created_at=rental.created_at,
        paid_at=rental.paid_at,
        hold_expires_at=rental.hold_expires_at,
        needs_refund=rental.needs_refund,
        payment_url=rental.checkout_url if pending else None,
        checkout_session_id=rental.checkout_session_id,
        order_code=rental.order_code,
        store_hours=store.opening_hours if store else "",
        payment_failed=pending and _last_attempt_failed(session, rental.id),
    )


def _last_attempt_failed(session: Session, rental_id: str) -> bool:
    last = session.exec(
        select(RentalEvent.note)
        .where(RentalEvent.rental_id == rental_id)
        .order_by(col(RentalEvent.id).desc())
    ).first()
    return bool(last and last.startswith("Payment failed"))


def read_rental(session: Session, rental_id: str, token: str) -> RentalView:
    return view(session, _authorised(session, rental_id, token))


async def get_rental(rental_id: str, token: str, *, uow: UnitOfWork) -> RentalView:
    """The rental as its customer may see it (NotFound unless the token matches)."""
    return await uow.run(read_rental, rental_id, token)


def _apply_confirmed_payment(
    session: Session, rental_id: str, payment: lifecycle.ConfirmedPayment
) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    lifecycle.mark_paid(session, rental, payment, "paymongo-retrieve")


async def refresh_rental_status(
    rental_id: str, token: str, *, gateway: PaymentGateway, uow: UnitOfWork
) -> RentalView:
    """The rental's status from the database; a pending payment is confirmed by retrieving the
    checkout session from PayMongo (the return page itself never marks anything paid)."""
    current = await uow.run(read_rental, rental_id, token)
    if current.status != status.PENDING_PAYMENT:
        return current
    session_id = current.checkout_session_id
    if not session_id:
        return current
    try:
        checkout = await gateway.retrieve_checkout_session(session_id)
    except GatewayError:
        return current  # PayMongo unreachable: show what we know; the webhook will follow
    if checkout.paid and checkout.reference_number in (None, rental_id):
        payment = lifecycle.ConfirmedPayment(
            checkout.payment_id, checkout.paid_amount_centavos, checkout.paid_currency
        )
        await uow.run(_apply_confirmed_payment, rental_id, payment)
        return await uow.run(read_rental, rental_id, token)
    return current


ALREADY_PAID = (
    "This rental is already paid at PayMongo, so it was not cancelled. "
    "Contact us if you want a refund."
)
GATEWAY_UNSURE = (
    "We could not check with PayMongo whether this rental was paid, so it was not "
    "cancelled. Please try again in a minute."
)


class AlreadyPaid(Conflict):
    """The customer asked to cancel a rental PayMongo says is paid: the payment was applied."""


def _cancel(session: Session, rental_id: str, token: str) -> str | None:
    rental = _authorised(session, rental_id, token)
    rental = lifecycle.load_for_update(session, rental.id)
    if rental.status == status.CANCELLED:
        return None
    if rental.status != status.PENDING_PAYMENT:
        raise Conflict(
            f"This rental is {status.STATUS_LABELS[rental.status].lower()}; "
            "it can no longer be cancelled here."
        )
    lifecycle.transition(session, rental, status.CANCELLED, "customer", "Cancelled by customer.")
    return rental.checkout_session_id


async def _paid_at_gateway(
    gateway: PaymentGateway, session_id: str, rental_id: str
) -> lifecycle.ConfirmedPayment | None:
    """The payment of the rental's checkout session as PayMongo reports it now (None: unpaid)."""
    checkout = await gateway.retrieve_checkout_session(session_id)
    if not (checkout.paid and checkout.reference_number in (None, rental_id)):
        return None
    return lifecycle.ConfirmedPayment(
        checkout.payment_id, checkout.paid_amount_centavos, checkout.paid_currency
    )


async def cancel_rental(
    rental_id: str, token: str, *, gateway: PaymentGateway, uow: UnitOfWork
) -> RentalView:
    """Customer cancel of an unpaid rental: frees the unit and expires the payment page.

    PayMongo is asked first: a session paid on the hosted page whose webhook has not arrived
    yet is applied as a payment instead (AlreadyPaid). A payment that goes through between
    that check and the expiry makes PayMongo refuse the expiry as "already paid": that payment
    is applied too (the unit taken back, or the rental flagged for refund when it is gone)."""
    current = await uow.run(read_rental, rental_id, token)
    if current.status == status.PENDING_PAYMENT and current.checkout_session_id:
        try:
            payment = await _paid_at_gateway(gateway, current.checkout_session_id, rental_id)
        except GatewayError as error:
            raise PaymentProviderError(GATEWAY_UNSURE) from error
        if payment is not None:
            await uow.run(_apply_confirmed_payment, rental_id, payment)
            raise AlreadyPaid(ALREADY_PAID)
    session_id = await uow.run(_cancel, rental_id, token)
    if session_id:
        try:
            await gateway.expire_checkout_session(session_id)
            await uow.run(_mark_session_expired, rental_id)
        except GatewayRejected as error:
            await _after_refused_expiry(gateway, session_id, rental_id, uow, error)
        except GatewayError:
            pass  # unreachable: the expiry sweep retries sessions not yet expired at PayMongo
    return await uow.run(read_rental, rental_id, token)


async def _after_refused_expiry(
    gateway: PaymentGateway,
    session_id: str,
    rental_id: str,
    uow: UnitOfWork,
    error: GatewayRejected,
) -> None:
    """PayMongo refused to expire the session: find out whether it was paid meanwhile."""
    try:
        payment = await _paid_at_gateway(gateway, session_id, rental_id)
    except GatewayError:
        log.warning("expiry of %s refused (%s); session unreadable", session_id, error)
        return  # the expiry sweep tries again (and applies a payment it finds)
    if payment is not None:
        await uow.run(_apply_confirmed_payment, rental_id, payment)
        raise AlreadyPaid(ALREADY_PAID) from error
    await uow.run(_mark_session_expired, rental_id)  # already expired at PayMongo


def _mark_session_expired(session: Session, rental_id: str) -> None:
    rental = session.get_one(Rental, rental_id)
    rental.session_expired_at_gateway = True
    session.add(rental)
