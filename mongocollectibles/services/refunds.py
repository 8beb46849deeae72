"""Refunds (owner action, and payments that arrived after their unit was re-rented).

A refund ends the rental (status refunded, unit freed). It returns the whole payment or,
when the owner keeps a part (a cancellation fee), only `amount_centavos` of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import Conflict, InvalidInput, PaymentProviderError
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.models import Rental, utcnow
from mongocollectibles.payments import GatewayError, GatewayRejected, PaymentGateway
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

REFUNDABLE = (status.PAID, status.READY_FOR_PICKUP)
# PayMongo's refund reasons; the owner's own words go in the note.
REASONS = ("requested_by_customer", "duplicate", "fraudulent", "others")
MIN_REFUND_CENTAVOS = 100  # PayMongo refuses smaller refunds
# How long a refund on its way keeps another one out: far longer than a PayMongo call (10 s
# timeout), short enough that a request that died before recording does not block the owner.
CLAIM_STANDS_FOR = timedelta(minutes=5)


def _refund_key(rental_id: str, amount: int, total: int) -> str:
    """PayMongo's idempotency key: one per rental and amount, so a retry refunds once."""
    return f"refund-{rental_id}" if amount == total else f"refund-{rental_id}-{amount}"


def _claimed_amount(rental: Rental) -> int:
    """The amount of the refund on its way, read back from its key."""
    rest = (rental.refund_claim_key or "").removeprefix(f"refund-{rental.id}")
    return int(rest[1:]) if rest else rental.total_centavos


@dataclass(frozen=True)
class _Claim:
    payment_id: str
    total: int
    amount: int
    key: str


def _claim(session: Session, rental_id: str, amount_centavos: int | None) -> _Claim:
    """Claim the rental for one refund, under its row lock, before PayMongo is asked.

    Two different refunds at once (two tabs, two owners) would both be paid out by PayMongo
    (their keys differ), so a second one is refused while a claim stands. The same refund
    asked again (same key) goes on: PayMongo answers it with the refund already made. A claim
    older than CLAIM_STANDS_FOR is taken over: its request died before recording."""
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status == status.REFUNDED:
        raise Conflict("This rental is already refunded.")
    if not rental.payment_id or not (rental.status in REFUNDABLE or rental.needs_refund):
        raise Conflict("Only a paid rental that has not been picked up can be refunded.")
    total = rental.total_centavos
    amount = total if amount_centavos is None else amount_centavos
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("The refund amount must be a whole number of centavos.", "amount")
    if not MIN_REFUND_CENTAVOS <= amount <= total:
        raise InvalidInput(
            f"The refund must be between {MIN_REFUND_CENTAVOS} and {total} centavos.", "amount"
        )
    key = _refund_key(rental.id, amount, total)
    now = utcnow()
    if (
        rental.refund_claim_key not in (None, key)
        and rental.refund_claimed_at is not None
        and now - rental.refund_claimed_at < CLAIM_STANDS_FOR
    ):
        raise Conflict(
            f"A refund of this rental is already being sent to PayMongo "
            f"({format_php(_claimed_amount(rental))}). Reload the rental in a few minutes to "
            "see it; until then only that same amount can be sent again."
        )
    rental.refund_claim_key, rental.refund_claimed_at = key, now
    session.add(rental)
    return _Claim(rental.payment_id, total, amount, key)


def _release_claim(session: Session, rental_id: str, key: str) -> None:
    """PayMongo refused the refund (nothing paid out): the owner may send another one."""
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.refund_claim_key == key:  # not a claim another request took over since
        rental.refund_claim_key, rental.refund_claimed_at = None, None
        session.add(rental)


def _record_refund(
    session: Session, rental_id: str, refund_id: str, amount: int, actor: str, note: str
) -> None:
    rental = lifecycle.load_for_update(session, rental_id)
    # The gateway's payment.refunded webhook may have marked it refunded already, with the
    # amount PayMongo reported (this refund's, or more if others were made at its dashboard).
    if not rental.refunded_centavos:
        rental.refunded_centavos = amount
        rental.refunded_at = utcnow()
    if refund_id and not rental.refund_id:
        rental.refund_id = refund_id
    rental.needs_refund = False
    session.add(rental)
    # Never pending here: _claim admitted only a paid rental or a flagged late payment
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
    partial refund), so a retry after a lost answer does not refund twice; and one refund per
    rental: while one is on its way, a different one is refused (Conflict). Returns the
    refund id.
    """
    if reason not in REASONS:
        raise InvalidInput(f"Reason must be one of {', '.join(REASONS)}.", field="reason")
    claim = await uow.run(_claim, rental_id, amount_centavos)
    try:
        refund = await gateway.create_refund(
            payment_id=claim.payment_id,
            amount_centavos=claim.amount,
            reason=reason,
            idempotency_key=claim.key,
        )
    except GatewayError as error:
        # Refused outright: nothing was paid out. Down or timed out: PayMongo may have made
        # it, so the claim stays (the same amount may be sent again; another one only once
        # the claim is stale, by when PayMongo's payment.refunded has usually ended it).
        if isinstance(error, GatewayRejected):
            await uow.run(_release_claim, rental_id, claim.key)
        raise PaymentProviderError(
            f"PayMongo did not accept the refund: {error.message}"
        ) from error
    total, amount = claim.total, claim.amount
    kept = total - amount
    text = f"Refund {'of part' if kept else 'in full'} ({reason})"
    if note:
        text += f": {note}"
    await uow.run(_record_refund, rental_id, refund.id, amount, actor, text[:500])
    return refund.id
