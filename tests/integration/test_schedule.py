"""The owner's list of late returns that collide with the unit's next reservation: which
rentals it shows, in what order, and what their history says (SQLite and PostgreSQL). The
pickup and overdue lists are in test_reservations.py."""

from datetime import timedelta

from sqlmodel import Session

from mongocollectibles.domain import status
from mongocollectibles.domain.reservations import shop_today
from mongocollectibles.models import Rental
from mongocollectibles.services import lifecycle, owner_actions, owner_rentals, schedule
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.unit_of_work import UnitOfWork
from tests.support.bookings import book

OWNER = Principal(0, "ana", "owner")
NEXT_PICKUP = shop_today() + timedelta(days=20)  # the next renters' pickup, on every unit
# The next renters' units leave their warehouse (West for store A, North for store B: a day
# away) the day before; on the day before that, a unit still out cannot be back and turned
# around (a day) in time.
CHECK_DAY = NEXT_PICKUP - timedelta(days=2)


def out_with_renter(
    session: Session, collectible_id: str, days: int, store_id: str = "store-a"
) -> Rental:
    """Booked (the nearest unit, a day away: picked up tomorrow), paid, picked up."""
    rental = book(session, collectible_id, store_id, days=days)
    payment = lifecycle.ConfirmedPayment(f"pay-{rental.id[:8]}", rental.total_centavos, "PHP")
    assert lifecycle.mark_paid(session, rental, payment, "test") == "paid"
    lifecycle.transition(session, rental, status.READY_FOR_PICKUP, "owner:ana")
    lifecycle.transition(session, rental, status.PICKED_UP, "owner:ana")
    return rental


def booked_next(session: Session, out: Rental) -> None:
    following = book(session, out.collectible_id, out.store_id, days=3, pickup=NEXT_PICKUP)
    assert following.unit_id == out.unit_id


async def conflicts(uow: UnitOfWork) -> list[str]:
    """The late returns the owner console lists."""
    return [r.id for r in (await schedule.get_schedule(CHECK_DAY, uow=uow)).late_return_conflicts]


async def test_late_returns_are_listed_by_return_date_while_still_out(uow):
    with uow() as session:
        colliding = [
            out_with_renter(session, collectible_id, days, store_id)
            for collectible_id, days, store_id in (
                ("col-001", 4, "store-a"),
                ("col-002", 2, "store-a"),
                ("col-003", 5, "store-a"),
                ("col-004", 2, "store-a"),
                ("col-005", 3, "store-a"),
                ("col-001", 2, "store-b"),
                ("col-002", 2, "store-b"),  # four due back the same day
            )
        ]
        for out in colliding:
            booked_next(session, out)
        nothing_next = out_with_renter(session, "col-006", 1).id  # overdue, no one waiting
        by_return_date = [
            r.id for r in sorted(colliding, key=lambda r: (r.return_date, r.id))
        ]  # same day: by rental id, a fixed order
    assert await schedule.flag_late_returns(uow=uow) == []  # today all are still on time
    with uow() as session:
        flagged = schedule.flag_late_return_conflicts(session, CHECK_DAY)
    assert sorted(flagged) == sorted(by_return_date)
    assert await conflicts(uow) == by_return_date
    overdue = (await schedule.get_schedule(CHECK_DAY, uow=uow)).overdue
    assert nothing_next in [r.id for r in overdue]  # overdue, but nothing collides
    # Once the owner takes a late unit back, it leaves the list.
    returned = by_return_date[2]
    assert await owner_actions.advance_rental(returned, "returned", actor="owner:ana", uow=uow)
    assert await conflicts(uow) == [i for i in by_return_date if i != returned]


async def test_a_flagged_late_return_says_so_in_the_rentals_history(uow):
    with uow() as session:
        out = out_with_renter(session, "col-003", 3)
        booked_next(session, out)
    with uow() as session:
        assert schedule.flag_late_return_conflicts(session, CHECK_DAY) == [out.id]
    detail = await owner_rentals.rental_detail(out.id, OWNER, uow=uow)
    last = detail.events[-1]
    assert (last.actor, last.from_status, last.to_status, last.note) == (
        "schedule",
        "picked_up",
        "picked_up",
        f"Overdue; collides with the next reservation starting {NEXT_PICKUP - timedelta(1)}.",
    )
    assert detail.status == "picked_up"  # flagged, not moved
