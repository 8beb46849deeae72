"""The owner's date-driven lists: rentals due for pickup (their pickup date has come), overdue
ones (not returned by their return date), and late returns that collide with the unit's next
reservation (flagged on the rental, with a history entry; a check runs beside the expiry
sweep). For the owner console."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain import reservations as rules
from mongocollectibles.domain import status
from mongocollectibles.models import LIVE_RENTAL, Rental, RentalEvent
from mongocollectibles.services.reservations import today, turnaround_days
from mongocollectibles.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def due_for_pickup(session: Session, day: date) -> list[Rental]:
    """Paid rentals to get ready for pickup by `day` (their pickup date has come)."""
    return list(
        session.exec(
            select(Rental)
            .where(Rental.status == status.PAID, Rental.pickup_date <= day)
            .order_by(col(Rental.pickup_date), col(Rental.id))
        ).all()
    )


def _out_with_renters(session: Session, due: ColumnElement[bool], *, lock: bool) -> list[Rental]:
    query = (
        select(Rental)
        .where(Rental.status == status.PICKED_UP, due)
        .order_by(col(Rental.return_date), col(Rental.id))
    )
    if lock and is_postgres(session):  # one worker at a time writes each one's reminder
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def overdue(session: Session, day: date, *, lock: bool = False) -> list[Rental]:
    """Picked-up rentals not returned by their return date (`lock`: rows no other
    transaction holds, locked for this one)."""
    return _out_with_renters(session, col(Rental.return_date) < day, lock=lock)


def due_back(session: Session, day: date, *, lock: bool = False) -> list[Rental]:
    """Picked-up rentals whose return date is `day` (the owner's returns today; the "due back
    tomorrow" reminder)."""
    return _out_with_renters(session, col(Rental.return_date) == day, lock=lock)


def flag_late_return_conflicts(session: Session, day: date | None = None) -> list[str]:
    """Flag overdue rentals whose unit cannot be back in time for its next reservation;
    returns the ids newly flagged (each flag is recorded in the rental's history)."""
    day = day or today()
    flagged = []
    for rental in overdue(session, day):
        if rental.late_return_conflict:
            continue
        following = session.exec(
            select(col(Rental.window_start))
            .where(
                Rental.unit_id == rental.unit_id,
                Rental.id != rental.id,
                text(f"rental.{LIVE_RENTAL}"),
                Rental.window_start >= rental.window_start,
            )
            .order_by(col(Rental.window_start))
            .limit(1)
        ).first()
        if following is None or not rules.late_return_collides(
            today=day,
            distance_days=(rental.pickup_date - rental.window_start).days,
            turnaround_days=turnaround_days(session),
            next_window_start=following,
        ):
            continue
        rental.late_return_conflict = True
        session.add(rental)
        session.add(
            _event(rental, f"Overdue; collides with the next reservation starting {following}.")
        )
        flagged.append(rental.id)
    return flagged


def _event(rental: Rental, note: str) -> RentalEvent:
    return RentalEvent(
        rental_id=rental.id,
        from_status=rental.status,
        to_status=rental.status,
        actor="schedule",
        note=note,
    )


def late_return_conflicts(session: Session) -> list[Rental]:
    """Flagged rentals still out with their renter (for the owner console)."""
    return list(
        session.exec(
            select(Rental)
            .where(Rental.late_return_conflict, Rental.status == status.PICKED_UP)
            .order_by(col(Rental.return_date), col(Rental.id))
        ).all()
    )


async def flag_late_returns(*, uow: UnitOfWork) -> list[str]:
    """Flag late returns that collide with the next reservation (run with the expiry sweep)."""
    return await uow.run(flag_late_return_conflicts)


async def run_schedule(interval_seconds: float, *, uow: UnitOfWork) -> None:
    """Flag late returns forever (a lifespan task beside the expiry sweep); errors are logged
    and the next pass retries."""
    while True:
        try:
            flagged = await flag_late_returns(uow=uow)
            if flagged:
                log.warning("late returns colliding with the next reservation: %s", flagged)
        except Exception:  # noqa: BLE001 - a database restart must not kill the loop
            log.exception("late-return check failed; retrying")
        await asyncio.sleep(interval_seconds)


@dataclass(frozen=True)
class Schedule:
    """The owner's date-driven lists for one day (for the owner console)."""

    day: date
    due_for_pickup: tuple[Rental, ...]
    overdue: tuple[Rental, ...]
    late_return_conflicts: tuple[Rental, ...]


def read_schedule(session: Session, day: date | None = None) -> Schedule:
    day = day or today()
    return Schedule(
        day=day,
        due_for_pickup=tuple(due_for_pickup(session, day)),
        overdue=tuple(overdue(session, day)),
        late_return_conflicts=tuple(late_return_conflicts(session)),
    )


async def get_schedule(day: date | None = None, *, uow: UnitOfWork) -> Schedule:
    """Paid rentals due for pickup by `day` (default today), those overdue, and the late
    returns flagged as colliding with the next reservation."""
    return await uow.run(read_schedule, day)
