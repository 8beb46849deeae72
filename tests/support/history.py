"""A rental's history as the owner console lists it, read straight from the database."""

from __future__ import annotations

from sqlmodel import select

from mongocollectibles.models import RentalEvent


def history(uow, rental_id: str) -> list[tuple]:
    """(from status, to status, who, note) of each event, oldest first."""
    with uow() as session:
        return [
            tuple(r)
            for r in session.exec(
                select(
                    RentalEvent.from_status,
                    RentalEvent.to_status,
                    RentalEvent.actor,
                    RentalEvent.note,
                )
                .where(RentalEvent.rental_id == rental_id)
                .order_by(RentalEvent.id)
            ).all()
        ]
