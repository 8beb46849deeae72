"""The owner's "Today": what needs doing now, money this month, and how busy each collectible is.

Dates are the shop's (Asia/Manila). Due dates are the rentals' booked dates, as in the owner's
schedule (services/schedule.py): a paid rental is due for pickup from its pickup date; a
picked-up rental is due back on its return date and overdue after it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from mongocollectibles.domain import admin, status
from mongocollectibles.domain.receipt import refund_given_back_centavos
from mongocollectibles.models import Collectible, Rental, Unit, utcnow
from mongocollectibles.services import audit, schedule
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.unit_of_work import UnitOfWork

TZ = ZoneInfo(admin.SHOP_TIMEZONE)
EXPIRING_MINUTES = 5  # holds that end within this are "about to expire"
STUCK_MINUTES = 2  # a hold this far past its end should have been swept: flag it
CHART_DAYS = 30
LIST_LIMIT = 50


@dataclass(frozen=True)
class WorkItem:
    rental_id: str
    customer_name: str
    collectible_name: str
    store_id: str
    status: str
    when: datetime | None  # due / expires / paid, whichever the list is about
    note: str = ""


@dataclass(frozen=True)
class Utilisation:
    collectible_id: str
    name: str
    units: int
    out: int  # held by a paid, ready or picked-up rental

    @property
    def percent(self) -> int:
        return round(100 * self.out / self.units) if self.units else 0


@dataclass(frozen=True)
class Today:
    now: datetime
    pickups_due: list[WorkItem]
    returns_due: list[WorkItem]
    overdue: list[WorkItem]
    holds_expiring: list[WorkItem]
    needs_refund: list[WorkItem]
    flagged: list[WorkItem]
    utilisation: list[Utilisation]
    rentals_per_collectible: list[tuple[str, int]]  # last CHART_DAYS days, paid ones
    latest_paid: list[WorkItem]
    # Money: None for staff.
    revenue_month_centavos: int | None = None
    revenue_per_day: list[tuple[str, int]] | None = field(default=None)
    failed_sign_ins_24h: int | None = None  # owner only


def _item(rental: Rental, when: datetime | None, note: str = "") -> WorkItem:
    return WorkItem(
        rental.id,
        rental.customer_name,
        rental.collectible_name,
        rental.store_id,
        rental.status,
        when,
        note,
    )


def refunded_amount(rental: Rental) -> int:
    """What went back to the customer (nothing unless a refund was stated or the paid rental
    is refunded)."""
    stated = rental.refunded_centavos
    if not stated and not (rental.status == status.REFUNDED and rental.paid_at):
        return 0
    return refund_given_back_centavos(stated, rental.total_centavos)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TZ)


class _Work(NamedTuple):
    pickups: list[WorkItem]
    returns: list[WorkItem]
    overdue: list[WorkItem]
    expiring: list[WorkItem]
    refund: list[WorkItem]
    flagged: list[WorkItem]


def _soonest_first(due: list[tuple[datetime, Rental]]) -> list[WorkItem]:
    """The first LIST_LIMIT by due time (stable: equal times keep the query's order)."""
    ordered = sorted(due, key=lambda pair: pair[0])[:LIST_LIMIT]
    return [_item(rental, when) for when, rental in ordered]


def _work(session: Session, now: datetime) -> _Work:
    local_today = now.astimezone(TZ).date()
    ready = session.exec(
        select(Rental)
        .where(Rental.status == status.READY_FOR_PICKUP)
        .order_by(col(Rental.pickup_date), col(Rental.id))
    ).all()
    pickups = [
        (_day_start(r.pickup_date), r)
        for r in [*schedule.due_for_pickup(session, local_today), *ready]
    ]
    returns = [(_day_start(r.return_date), r) for r in schedule.due_back(session, local_today)]
    overdue = [(_day_start(r.return_date), r) for r in schedule.overdue(session, local_today)]
    pending = session.exec(
        select(Rental)
        .where(
            Rental.status == status.PENDING_PAYMENT,
            col(Rental.hold_expires_at) < now + timedelta(minutes=EXPIRING_MINUTES),
        )
        .order_by(col(Rental.hold_expires_at))
        .limit(LIST_LIMIT)
    ).all()
    stuck_before = now - timedelta(minutes=STUCK_MINUTES)
    # The query's `<` already leaves out holds without an end (NULL); mypy needs it said.
    holds = [(r, r.hold_expires_at) for r in pending if r.hold_expires_at is not None]
    expiring = [_item(r, ends) for r, ends in holds if ends >= now]
    flagged = [
        _item(r, ends, "Hold ended but was not released")
        for r, ends in holds
        if ends < stuck_before
    ]
    refund = session.exec(
        select(Rental).where(col(Rental.needs_refund).is_(True)).order_by(col(Rental.updated_at))
    ).all()
    return _Work(
        pickups=_soonest_first(pickups),
        returns=_soonest_first(returns),
        overdue=_soonest_first(overdue),
        expiring=expiring,
        refund=[_item(r, r.updated_at, "Paid after its hold ended") for r in refund][:LIST_LIMIT],
        flagged=flagged,
    )


def _utilisation(session: Session) -> list[Utilisation]:
    out_statuses = [status.PAID, status.READY_FOR_PICKUP, status.PICKED_UP]
    units = dict(
        session.exec(
            select(Unit.collectible_id, func.count())
            .where(col(Unit.active).is_(True))
            .group_by(Unit.collectible_id)
        ).all()
    )
    out = dict(
        session.exec(
            select(Rental.collectible_id, func.count())
            .where(col(Rental.status).in_(out_statuses))
            .group_by(Rental.collectible_id)
        ).all()
    )
    collectibles = session.exec(select(Collectible).order_by(Collectible.name)).all()
    return [
        Utilisation(c.id, c.name, units.get(c.id, 0), out.get(c.id, 0))
        for c in collectibles
        if c.active or out.get(c.id)
    ]


def _money_and_charts(
    session: Session, now: datetime
) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(revenue this month, revenue per day and paid rentals per collectible for the chart)."""
    local_today = now.astimezone(TZ).date()
    month_start = datetime.combine(local_today.replace(day=1), time.min, tzinfo=TZ)
    chart_start_day = local_today - timedelta(days=CHART_DAYS - 1)
    chart_start = datetime.combine(chart_start_day, time.min, tzinfo=TZ)
    since = min(month_start, chart_start)
    paid = session.exec(select(Rental).where(col(Rental.paid_at) >= since)).all()
    refunded = session.exec(
        select(Rental).where(
            Rental.status == status.REFUNDED,
            func.coalesce(Rental.refunded_at, Rental.updated_at) >= since,
        )
    ).all()
    per_day: Counter[date] = Counter()
    month = 0
    per_collectible: Counter[str] = Counter()
    for rental in paid:
        if rental.paid_at is None:  # the query's `>=` leaves these out
            continue
        paid_at = rental.paid_at
        day = paid_at.astimezone(TZ).date()
        per_day[day] += rental.total_centavos
        if paid_at >= month_start:
            month += rental.total_centavos
        if day >= chart_start_day:
            per_collectible[rental.collectible_name] += 1
    for rental in refunded:
        when = rental.refunded_at or rental.updated_at
        amount = refunded_amount(rental)
        per_day[when.astimezone(TZ).date()] -= amount
        if when >= month_start:
            month -= amount
    days = [chart_start_day + timedelta(days=i) for i in range(CHART_DAYS)]
    revenue = [(d.isoformat(), per_day.get(d, 0)) for d in days]
    return month, revenue, sorted(per_collectible.items(), key=lambda kv: (-kv[1], kv[0]))


def _latest_paid(session: Session, limit: int) -> list[WorkItem]:
    rentals = session.exec(
        select(Rental)
        .where(col(Rental.paid_at).is_not(None))
        .order_by(col(Rental.paid_at).desc(), col(Rental.id).desc())
        .limit(limit)
    ).all()
    return [_item(r, r.paid_at) for r in rentals]


def _today(session: Session, principal: Principal, now: datetime) -> Today:
    pickups, returns, overdue, expiring, refund, flagged = _work(session, now)
    month, revenue, per_collectible = _money_and_charts(session, now)
    owner = principal.allows(admin.OWNER)
    return Today(
        now=now,
        pickups_due=pickups,
        returns_due=returns,
        overdue=overdue,
        holds_expiring=expiring,
        needs_refund=refund,
        flagged=flagged,
        utilisation=_utilisation(session),
        rentals_per_collectible=per_collectible,
        latest_paid=_latest_paid(session, 10),
        revenue_month_centavos=month if owner else None,
        revenue_per_day=revenue if owner else None,
        failed_sign_ins_24h=audit.count_failed_sign_ins(session, now - timedelta(hours=24))
        if owner
        else None,
    )


async def today(principal: Principal, *, uow: UnitOfWork, now: datetime | None = None) -> Today:
    """Everything the Today page shows, read in one transaction."""
    return await uow.run(_today, principal, now or utcnow())


def _paid_marker(session: Session) -> tuple[int, str]:
    count, latest = session.exec(
        select(func.count(), func.max(Rental.paid_at)).where(col(Rental.paid_at).is_not(None))
    ).one()
    return count, (latest.isoformat() if latest else "")


async def paid_marker(*, uow: UnitOfWork) -> str:
    """Changes whenever a rental is paid: pollers re-read Today only when it moves."""
    count, latest = await uow.run(_paid_marker)
    return f"{count}:{latest}"
