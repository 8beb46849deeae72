"""PayMongo webhooks: verify the signature over the raw body, dedupe on the event id, apply
the event to its rental. Events may come in any order and more than once."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mongocollectibles.domain.errors import DomainError
from mongocollectibles.models import Rental, WebhookEvent
from mongocollectibles.payments import verify_signature
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork, default_uow
from mongocollectibles.settings import get_settings

HANDLED = ("checkout_session.payment.paid", "payment.paid", "payment.failed", "payment.refunded")


class InvalidWebhook(DomainError):
    status_code = 400


class BadSignature(DomainError):
    status_code = 401


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    livemode: bool
    resource: dict  # data.attributes.data


def parse_event(raw_body: bytes) -> Event:
    try:
        payload = json.loads(raw_body)
        data = payload["data"]
        attributes = data["attributes"]
        return Event(
            id=str(data["id"]),
            type=str(attributes["type"]),
            livemode=bool(attributes.get("livemode", False)),
            resource=attributes.get("data") or {},
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidWebhook("Webhook body is not a PayMongo event.") from error


def _reference_and_ids(event: Event) -> tuple[str | None, str | None, str | None]:
    """(rental id, checkout session id, payment id) named by the event's resource."""
    resource = event.resource
    attributes = resource.get("attributes") or {}
    if resource.get("type") == "checkout_session":
        paid = [
            p
            for p in attributes.get("payments") or []
            if (p.get("attributes") or {}).get("status") == "paid"
        ]
        return (
            attributes.get("reference_number"),
            resource.get("id"),
            (paid[0].get("id") if paid else None),
        )
    metadata = attributes.get("metadata") or {}
    return metadata.get("reference_number"), None, resource.get("id")


def _find_rental(session: Session, rental_id, session_id, payment_id) -> Rental | None:  # noqa: ANN001
    for column, value in (
        (Rental.id, rental_id),
        (Rental.checkout_session_id, session_id),
        (Rental.payment_id, payment_id),
    ):
        if value:
            rental = session.exec(select(Rental.id).where(column == value)).first()
            if rental:
                return lifecycle.load_for_update(session, rental)
    return None


def apply_event(session: Session, event: Event) -> str:
    """Apply one verified event in one transaction; the dedupe row commits with the effect."""
    if session.get(WebhookEvent, event.id) is not None:
        return "duplicate"
    session.add(WebhookEvent(id=event.id, type=event.type))
    session.flush()
    if event.type not in HANDLED:
        return "ignored"
    rental = _find_rental(session, *_reference_and_ids(event))
    if rental is None:
        return "unknown rental"
    actor = f"webhook:{event.type}"
    if event.type in ("checkout_session.payment.paid", "payment.paid"):
        return lifecycle.mark_paid(session, rental, _reference_and_ids(event)[2], actor)
    if event.type == "payment.failed":
        return "cancelled" if lifecycle.mark_payment_failed(session, rental, actor) else "kept"
    refunds = (event.resource.get("attributes") or {}).get("refunds") or []
    refund_id = refunds[-1].get("id") if refunds else None
    return "refunded" if lifecycle.mark_refunded(session, rental, refund_id, actor) else "already"


async def handle_webhook(
    raw_body: bytes, signature_header: str | None, *, uow: UnitOfWork | None = None
) -> str:
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
        return await (uow or default_uow()).run(apply_event, event)
    except IntegrityError:  # the same event applied concurrently by another delivery
        return "duplicate"
