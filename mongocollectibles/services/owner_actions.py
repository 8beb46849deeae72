"""The shop owner's steps after payment: ready for pickup, picked up, returned (unit back in
stock). Refunds are in services/refunds.py. Each step is recorded and idempotent."""

from __future__ import annotations

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.errors import InvalidInput
from mongocollectibles.services import lifecycle
from mongocollectibles.services.unit_of_work import UnitOfWork

OWNER_STEPS = (status.READY_FOR_PICKUP, status.PICKED_UP, status.RETURNED)


async def advance_rental(rental_id: str, to_status: str, *, actor: str, uow: UnitOfWork) -> bool:
    """Move a paid rental one step on; False when it is already there (nothing changes).

    Raises Conflict when the step does not follow from the rental's status (e.g. returning
    a rental that was never picked up).
    """
    if to_status not in OWNER_STEPS:
        raise InvalidInput(f"Unknown step {to_status!r}; one of {', '.join(OWNER_STEPS)}.")
    return await uow.run(_advance, rental_id, to_status, actor)


def _advance(session: Session, rental_id: str, to_status: str, actor: str) -> bool:
    rental = lifecycle.load_for_update(session, rental_id)
    return lifecycle.transition(session, rental, to_status, actor)
