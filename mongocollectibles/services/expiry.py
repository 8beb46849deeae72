"""Hold expiry, driven by the database: safe to run in every app process at once (rows are
taken with SKIP LOCKED on PostgreSQL) and nothing is lost on restart (the state is the rows)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from mongocollectibles.domain import status
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import GatewayError, PaymentGateway
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def expire_due_holds(session: Session, now: datetime | None = None) -> list[str]:
    """Expire pending rentals past their hold and free their units; returns their ids."""
    expired = []
    for rental in lifecycle.due_for_expiry(session, now or utcnow()):
        lifecycle.transition(session, rental, status.EXPIRED, "expiry-sweep", "Hold expired.")
        expired.append(rental.id)
    return expired


def sessions_to_expire(session: Session, limit: int = 50) -> list[tuple[str, str]]:
    """(rental id, checkout session id) of ended rentals whose PayMongo page is still open."""
    rows = session.exec(
        select(Rental.id, Rental.checkout_session_id)
        .where(
            col(Rental.status).in_([status.EXPIRED, status.CANCELLED]),
            col(Rental.checkout_session_id).is_not(None),
            col(Rental.session_expired_at_gateway).is_(False),
            col(Rental.payment_id).is_(None),
        )
        .limit(limit)
    ).all()
    return [(rental_id, session_id) for rental_id, session_id in rows if session_id]


def _mark_expired_at_gateway(session: Session, rental_id: str) -> None:
    rental = session.get_one(Rental, rental_id)
    rental.session_expired_at_gateway = True
    session.add(rental)


async def _apply_if_paid(
    gateway: PaymentGateway, session_id: str, rental_id: str, uow: UnitOfWork
) -> bool:
    """After a refused expiry: apply the session's payment if PayMongo says it is paid.
    False when PayMongo could not be asked (the next pass tries again)."""
    try:
        checkout = await gateway.retrieve_checkout_session(session_id)
    except GatewayError as error:
        log.warning("could not read checkout session %s: %s", session_id, error)
        return False
    if checkout.paid and checkout.reference_number in (None, rental_id):
        payment = lifecycle.ConfirmedPayment(
            checkout.payment_id, checkout.paid_amount_centavos, checkout.paid_currency
        )
        await uow.run(_apply_payment, rental_id, payment)
    return True


def _apply_payment(session: Session, rental_id: str, payment: lifecycle.ConfirmedPayment) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    lifecycle.mark_paid(session, rental, payment, "paymongo-retrieve")


async def sweep(
    gateway: PaymentGateway, *, uow: UnitOfWork, now: datetime | None = None
) -> list[str]:
    """One pass: expire due holds, then close their checkout sessions at PayMongo."""
    expired = await uow.run(expire_due_holds, now)
    for rental_id, session_id in await uow.run(sessions_to_expire):
        try:
            await gateway.expire_checkout_session(session_id)
        except GatewayError as error:
            if error.status_code != 400:
                log.warning("could not expire checkout session %s: %s", session_id, error)
                continue
            # 400: already expired, or paid. A payment whose webhook never came is applied
            # (unit taken back, or the rental flagged for refund), never dropped.
            if not await _apply_if_paid(gateway, session_id, rental_id, uow):
                continue
        await uow.run(_mark_expired_at_gateway, rental_id)
    return expired


async def run_sweeper(
    gateway_factory: Callable[[], PaymentGateway],
    interval_seconds: float,
    *,
    uow: UnitOfWork,
) -> None:
    """Sweep forever (a lifespan task); errors are logged and the next pass retries."""
    while True:
        try:
            expired = await sweep(gateway_factory(), uow=uow)
            if expired:
                log.info("expired %d unpaid holds", len(expired))
        except Exception:  # noqa: BLE001 - a database restart must not kill the loop
            log.exception("hold expiry sweep failed; retrying")
        await asyncio.sleep(interval_seconds)
