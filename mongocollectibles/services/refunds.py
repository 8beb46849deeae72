"""Refunds (owner action, and payments that arrived after their unit was re-rented)."""

from __future__ import annotations

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, PaymentProviderError
from mongocollectibles.payments import GatewayError, PaymentGateway
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork, default_uow

REFUNDABLE = (status.PAID, status.READY_FOR_PICKUP)


def _refundable(session: Session, rental_id: str) -> tuple[str, int]:
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status == status.REFUNDED:
        raise Conflict("This rental is already refunded.")
    if not rental.payment_id or not (rental.status in REFUNDABLE or rental.needs_refund):
        raise Conflict("Only a paid rental that has not been picked up can be refunded.")
    return rental.payment_id, rental.total_centavos


def _record_refund(session: Session, rental_id: str, refund_id: str, actor: str) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    lifecycle.mark_refunded(session, rental, refund_id, actor)


async def refund_rental(
    rental_id: str,
    *,
    gateway: PaymentGateway,
    actor: str,
    reason: str = "requested_by_customer",
    uow: UnitOfWork | None = None,
) -> str:
    """Refund the whole payment at PayMongo and mark the rental refunded (unit freed).

    Idempotent: the refund's idempotency key is derived from the rental, so a retry after a
    lost answer does not refund twice. Returns the refund id.
    """
    uow = uow or default_uow()
    payment_id, amount = await uow.run(_refundable, rental_id)
    try:
        refund = await gateway.create_refund(
            payment_id=payment_id,
            amount_centavos=amount,
            reason=reason,
            idempotency_key=f"refund-{rental_id}",
        )
    except GatewayError as error:
        raise PaymentProviderError(
            f"PayMongo did not accept the refund: {error.message}"
        ) from error
    await uow.run(_record_refund, rental_id, refund.id, actor)
    return refund.id
