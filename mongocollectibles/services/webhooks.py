"""PayMongo webhooks: verify the signature over the raw body, dedupe on the event id, apply
the event to its rental. Events may come in any order and more than once. The provider's
JSON is read in `payments.events`; this module sees only the neutral `PaymentEvent`."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mongocollectibles.domain.errors import DomainError
from mongocollectibles.models import Rental, WebhookEvent
from mongocollectibles.payments import verify_signature
from mongocollectibles.payments.events import (
    EventKind,
    InvalidEvent,
    PaymentEvent,
    parse_paymongo_event,
)
from mongocollectibles.services import lifecycle
from mongocollectibles.services.lifecycle import ConfirmedPayment
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.settings import get_settings


class InvalidWebhook(DomainError):
    status_code = 400


class BadSignature(DomainError):
    status_code = 401


def parse_event(raw_body: bytes) -> PaymentEvent:
    try:
        return parse_paymongo_event(raw_body)
    except InvalidEvent as error:
        raise InvalidWebhook(error.message) from error


def _find_rental(session: Session, event: PaymentEvent) -> Rental | None:
    for column, value in (
        (Rental.id, event.reference),
        (Rental.checkout_session_id, event.checkout_session_id),
        (Rental.payment_id, event.payment_id),
    ):
        if value:
            rental_id = session.exec(select(Rental.id).where(col(column) == value)).first()
            if rental_id:
                return lifecycle.load_for_update(session, rental_id)
    return None


def _is_stored(session: Session, event_id: str) -> bool:
    return session.get(WebhookEvent, event_id) is not None


def apply_event(session: Session, event: PaymentEvent) -> str:
    """Apply one verified event in one transaction; the dedupe row commits with the effect."""
    if _is_stored(session, event.id):
        return "duplicate"
    session.add(WebhookEvent(id=event.id, type=event.provider_type))
    session.flush()
    if event.kind == EventKind.OTHER:
        return "ignored"
    rental = _find_rental(session, event)
    if rental is None:
        return "unknown rental"
    actor = f"webhook:{event.provider_type}"
    if event.kind == EventKind.PAID:
        payment = ConfirmedPayment(event.payment_id, event.amount_centavos, event.currency)
        return lifecycle.mark_paid(session, rental, payment, actor)
    if event.kind == EventKind.FAILED:
        failed = lifecycle.mark_payment_failed(session, rental, actor)
        return "payment failed; hold kept" if failed else "kept"
    refunded = lifecycle.mark_refunded(
        session, rental, event.refund_id, actor, event.refunded_centavos
    )
    return "refunded" if refunded else "already"


async def handle_webhook(raw_body: bytes, signature_header: str | None, *, uow: UnitOfWork) -> str:
    """Verify, parse and apply one delivery; returns what happened (for the answer and logs)."""
    settings = get_settings()
    if not verify_signature(signature_header, raw_body, settings.webhook_secret, settings.livemode):
        raise BadSignature("Invalid or missing Paymongo-Signature.")
    tolerance = settings.webhook_tolerance_seconds
    if not verify_signature(
        signature_header,
        raw_body,
        settings.webhook_secret,
        settings.livemode,
        tolerance_seconds=tolerance,
    ):
        raise BadSignature(
            f"Paymongo-Signature timestamp is too old (over {tolerance:.0f} s) or in the future."
        )
    event = parse_event(raw_body)
    if event.livemode != settings.livemode:
        return "ignored (other mode)"
    try:
        return await uow.run(apply_event, event)
    except IntegrityError:
        # A second delivery of this event, applied at the same time, stored it first: a
        # duplicate. Any other integrity error is a fault, not a success: it is raised, so
        # PayMongo is answered with an error and delivers the event again.
        if await uow.run(_is_stored, event.id):
            return "duplicate"
        raise
