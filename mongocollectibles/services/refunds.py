"""Refunds (owner action, and payments that arrived after their unit was re-rented).

A refund ends the rental (status refunded, unit freed). It returns the whole payment or,
when the owner keeps a part (a cancellation fee), only `amount_centavos` of it."""

from __future__ import annotations

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, InvalidInput, PaymentProviderError
from mongocollectibles.models import utcnow
from mongocollectibles.payments import GatewayError, PaymentGateway
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

REFUNDABLE = (status.PAID, status.READY_FOR_PICKUP)
# PayMongo's refund reasons; the owner's own words go in the note.
REASONS = ("requested_by_customer", "duplicate", "fraudulent", "others")
MIN_REFUND_CENTAVOS = 100  # PayMongo refuses smaller refunds


def _refundable(session: Session, rental_id: str) -> tuple[str, int]:
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status == status.REFUNDED:
        raise Conflict("This rental is already refunded.")
    if not rental.payment_id or not (rental.status in REFUNDABLE or rental.needs_refund):
        raise Conflict("Only a paid rental that has not been picked up can be refunded.")
    return rental.payment_id, rental.total_centavos


def _record_refund(
    session: Session, rental_id: str, refund_id: str, amount: int, actor: str, note: str
) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    # The gateway's payment.refunded webhook may have marked it refunded already.
    if not rental.refunded_centavos:
        rental.refunded_centavos = amount
        rental.refunded_at = utcnow()
    if refund_id and not rental.refund_id:
        rental.refund_id = refund_id
    rental.needs_refund = False
    session.add(rental)
    # Never pending here: _refundable admitted only a paid rental or a flagged late payment
    # (expired or cancelled), and neither goes back to waiting for payment.
    if not lifecycle.transition(session, rental, status.REFUNDED, actor, note):
        lifecycle.record(session, rental, rental.status, actor, note)


async def refund_rental(
    rental_id: str,
    *,
    gateway: PaymentGateway,
    actor: str,
    reason: str = "requested_by_customer",
    amount_centavos: int | None = None,
    note: str = "",
    uow: UnitOfWork,
) -> str:
    """Refund the payment (all of it, or `amount_centavos`) at PayMongo and mark the rental
    refunded (unit freed).

    Idempotent: the refund's idempotency key is derived from the rental (and the amount of a
    partial refund), so a retry after a lost answer does not refund twice. Returns the
    refund id.
    """
    if reason not in REASONS:
        raise InvalidInput(f"Reason must be one of {', '.join(REASONS)}.", field="reason")
    payment_id, total = await uow.run(_refundable, rental_id)
    amount = total if amount_centavos is None else amount_centavos
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("The refund amount must be a whole number of centavos.", "amount")
    if not MIN_REFUND_CENTAVOS <= amount <= total:
        raise InvalidInput(
            f"The refund must be between {MIN_REFUND_CENTAVOS} and {total} centavos.", "amount"
        )
    key = f"refund-{rental_id}" if amount == total else f"refund-{rental_id}-{amount}"
    try:
        refund = await gateway.create_refund(
            payment_id=payment_id, amount_centavos=amount, reason=reason, idempotency_key=key
        )
    except GatewayError as error:
        raise PaymentProviderError(
            f"PayMongo did not accept the refund: {error.message}"
        ) from error
    kept = total - amount
    text = f"Refund {'of part' if kept else 'in full'} ({reason})"
    if note:
        text += f": {note}"
    await uow.run(_record_refund, rental_id, refund.id, amount, actor, text[:500])
    return refund.id
