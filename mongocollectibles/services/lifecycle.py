"""Rental state changes. Every change is checked against the domain's transition table,
recorded in the rental's history (who, when, from, to) and idempotent: asking for the state
a rental is already in changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, NotFound
from mongocollectibles.domain.pricing import CURRENCY, format_php, payment_settles
from mongocollectibles.models import Rental, RentalEvent, utcnow
from mongocollectibles.services import notifications, reservations, stock_changes


def load_for_update(session: Session, rental_id: str) -> Rental:
    """The rental, row-locked on PostgreSQL so concurrent events apply one after another.

    Always re-read (populate_existing): a rental already loaded in this session must not
    hand back its stale attributes once the lock is ours."""
    query = select(Rental).where(Rental.id == rental_id).execution_options(populate_existing=True)
    if is_postgres(session):
        query = query.with_for_update()
    rental = session.exec(query).first()
    if rental is None:
        raise NotFound(f"Rental {rental_id!r} not found.")
    return rental


def record(
    session: Session, rental: Rental, from_status: str | None, actor: str, note: str = ""
) -> None:
    session.add(
        RentalEvent(
            rental_id=rental.id,
            from_status=from_status,
            to_status=rental.status,
            actor=actor,
            note=note,
        )
    )


def transition(
    session: Session, rental: Rental, to_status: str, actor: str, note: str = ""
) -> bool:
    """Move the rental to `to_status`; False (and no change) when it is already there."""
    if rental.status == to_status:
        return False
    if not status.can_transition(rental.status, to_status):
        raise Conflict(
            f"A rental that is {status.STATUS_LABELS[rental.status].lower()} cannot become "
            f"{status.STATUS_LABELS[to_status].lower()}."
        )
    previous = rental.status
    rental.status = to_status
    rental.updated_at = utcnow()
    if previous in status.LIVE_STATUSES and to_status not in status.LIVE_STATUSES:
        stock_changes.note(session, rental.collectible_id)  # its window is free again
    session.add(rental)
    record(session, rental, previous, actor, note)
    # The emails this change sends, in this same transaction (the outbox).
    notifications.on_transition(session, rental, previous)
    return True


@dataclass(frozen=True)
class ConfirmedPayment:
    """A payment the provider confirmed: its id, and what it paid (None: not stated)."""

    payment_id: str | None
    amount_centavos: int | None
    currency: str | None


def mark_paid(session: Session, rental: Rental, payment: ConfirmedPayment, actor: str) -> str:
    """Apply a confirmed payment. Returns what happened: paid / already / refund_needed /
    amount_mismatch (the rental stays unpaid and is flagged for the owner)."""
    if payment.payment_id and not rental.payment_id:
        rental.payment_id = payment.payment_id
    if rental.status not in (status.PENDING_PAYMENT, status.EXPIRED, status.CANCELLED):
        session.add(rental)
        return "already"  # paid, later in its life, or refunded
    if not payment_settles(rental.total_centavos, payment.amount_centavos, payment.currency):
        paid = (
            format_php(payment.amount_centavos)
            if payment.amount_centavos is not None and (payment.currency or "").upper() == CURRENCY
            else f"{payment.amount_centavos} {payment.currency} (centavos)"
        )
        due = format_php(rental.total_centavos)
        flag = f"Payment {payment.payment_id} was {paid}, not the {due} due."
        if rental.owner_flag != flag:
            rental.owner_flag = flag
            rental.updated_at = utcnow()
            session.add(rental)
            record(session, rental, rental.status, actor, flag + " Left unpaid for the owner.")
        return "amount_mismatch"
    if rental.status in (status.EXPIRED, status.CANCELLED) and not reservations.retake(
        session, rental
    ):
        if not rental.needs_refund:
            rental.needs_refund = True
            rental.updated_at = utcnow()
            session.add(rental)
            record(
                session,
                rental,
                rental.status,
                actor,
                "Paid after the hold ended and the unit is rented to someone else: refund due.",
            )
        return "refund_needed"
    rental.paid_at = rental.paid_at or utcnow()
    rental.hold_expires_at = None
    transition(session, rental, status.PAID, actor)
    return "paid"


def mark_payment_failed(session: Session, rental: Rental, actor: str) -> bool:
    """A declined payment keeps the hold until it expires, so the customer can try again or
    pick another method; it is recorded and the customer is emailed. Other states are kept.
    Returns True when recorded (the rental was waiting for payment)."""
    if rental.status != status.PENDING_PAYMENT:
        return False
    rental.updated_at = utcnow()
    session.add(rental)
    record(session, rental, rental.status, actor, "Payment failed; the hold is kept.")
    session.flush()
    notifications.payment_failed(session, rental)
    return True


def mark_refunded(
    session: Session,
    rental: Rental,
    refund_id: str | None,
    actor: str,
    refunded_centavos: int | None = None,
) -> bool:
    """Apply the provider's word that the payment was refunded, `refunded_centavos` in all
    (None: not stated). Returns True when this ended the rental (False: it was refunded)."""
    if refund_id and not rental.refund_id:
        rental.refund_id = refund_id
    rental.needs_refund = False
    # PayMongo's total is taken when we have no amount yet (its event came before the owner's
    # refund was recorded, or the refund was made at its dashboard), before the status change
    # whose email names it; and when it is more than we have (a further refund made at the
    # dashboard). Never lowered: an older event delivered late lists fewer refunds.
    known = rental.refunded_centavos
    if refunded_centavos is not None and refunded_centavos > known:
        rental.refunded_centavos = refunded_centavos
        rental.refunded_at = rental.refunded_at or utcnow()
    if rental.status == status.PENDING_PAYMENT:  # refund event before the paid event
        transition(session, rental, status.CANCELLED, actor, "Refunded before paid event.")
    if transition(session, rental, status.REFUNDED, actor):
        return True
    if rental.refunded_centavos != known:
        note = f"PayMongo reports {format_php(rental.refunded_centavos)} refunded in all."
        record(session, rental, rental.status, actor, note)
    return False


def due_for_expiry(session: Session, now: datetime, limit: int = 100) -> list[Rental]:
    """Pending rentals whose hold has run out, locked so only one sweeper takes each."""
    query = (
        select(Rental)
        .where(Rental.status == status.PENDING_PAYMENT, col(Rental.hold_expires_at) < now)
        .order_by(col(Rental.hold_expires_at))
        .limit(limit)
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())
