"""The owner console's rentals: search, one rental's whole story, lifecycle actions, CSV.

Every action is recorded twice: in the rental's own history (who moved it from what to what)
and in the audit log (who did what, from where). Each is idempotent: asking again for what is
already done changes nothing and says so. Money (prices, refunds) is for the owner only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from mongocollectibles.domain import admin, status
from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.domain.pricing import format_php
from mongocollectibles.models import Rental, RentalEvent, Store, Warehouse
from mongocollectibles.payments import PaymentGateway
from mongocollectibles.services import audit, lifecycle, refunds
from mongocollectibles.services.admin_sessions import Principal
from mongocollectibles.services.unit_of_work import UnitOfWork

PAGE_SIZE = 20
SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "newest": (col(Rental.created_at).desc(), col(Rental.id).desc()),
    "oldest": (col(Rental.created_at).asc(), col(Rental.id).asc()),
    "customer": (func.lower(Rental.customer_name).asc(), col(Rental.id).asc()),
    "total_high": (col(Rental.total_centavos).desc(), col(Rental.id).desc()),
    "total_low": (col(Rental.total_centavos).asc(), col(Rental.id).asc()),
}
OWNER_ONLY_SORTS = ("total_high", "total_low")
TZ = ZoneInfo(admin.SHOP_TIMEZONE)


@dataclass(frozen=True)
class RentalFilters:
    query: str = ""
    status: str = ""
    store_id: str = ""
    date_from: date | None = None  # created on or after (shop's calendar)
    date_to: date | None = None  # created on or before
    sort: str = "newest"

    @staticmethod
    def parse(
        query: str = "",
        status_: str = "",
        store_id: str = "",
        date_from: str = "",
        date_to: str = "",
        sort: str = "newest",
    ) -> RentalFilters:
        """From text (a form, a URL); bad values are InvalidInput with a clear message."""
        if status_ and status_ not in status.STATUS_LABELS:
            raise InvalidInput(f"Unknown status {status_!r}.", field="status")
        if sort not in SORTS:
            raise InvalidInput(f"Sort must be one of {', '.join(SORTS)}.", field="sort")
        days = []
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            try:
                days.append(date.fromisoformat(value) if value else None)
            except ValueError:
                raise InvalidInput(f"{name} must be a date (YYYY-MM-DD).", field=name) from None
        return RentalFilters(
            query=(query or "").strip()[:100],
            status=status_,
            store_id=(store_id or "").strip()[:40],
            date_from=days[0],
            date_to=days[1],
            sort=sort,
        )


@dataclass(frozen=True)
class RentalRow:
    id: str
    created_at: datetime
    status: str
    customer_name: str
    customer_email: str
    customer_phone: str
    collectible_name: str
    store_id: str
    duration_days: int
    total_centavos: int | None  # None: not for this role


@dataclass(frozen=True)
class RentalPage:
    rows: list[RentalRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class EventRow:
    created_at: datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str


@dataclass(frozen=True)
class RentalDetail:
    id: str
    status: str
    created_at: datetime
    paid_at: datetime | None
    hold_expires_at: datetime | None
    customer_name: str
    customer_email: str
    customer_phone: str
    customer_address: str
    customer_city: str
    customer_postal_code: str
    collectible_id: str
    collectible_name: str
    unit_id: str
    unit_held: bool  # the unit's window is still held by this rental (a live rental)
    warehouse_id: str
    warehouse_name: str
    store_id: str
    store_name: str
    eta_days: int
    duration_days: int
    payment_method: str
    payment_id: str | None
    needs_refund: bool
    # Money: None for staff.
    daily_rate_centavos: int | None
    total_centavos: int | None
    refunded_centavos: int | None
    refund_id: str | None
    events: list[EventRow] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # what this principal may do now


# -- search ----------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TZ)


def _filtered(filters: RentalFilters) -> SelectOfScalar[Rental]:
    query = select(Rental)
    text = filters.query
    if text:
        like = f"%{text.lower()}%"
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions: list[ColumnElement[bool]] = [
            func.lower(Rental.id).like(like),
            func.lower(Rental.customer_name).like(like),
            func.lower(Rental.customer_email).like(like),
            func.lower(Rental.payment_id).like(like),
        ]
        # Phones are stored as +63...; typed as 0917 123 4567, +63 917..., or a part.
        if digits.startswith("63"):
            digits = digits[2:]
        elif digits.startswith("0"):
            digits = digits[1:]
        if len(digits) >= 4:
            conditions.append(col(Rental.customer_phone).contains(digits))
        query = query.where(or_(*conditions))
    if filters.status:
        query = query.where(Rental.status == filters.status)
    if filters.store_id:
        query = query.where(Rental.store_id == filters.store_id)
    if filters.date_from:
        query = query.where(Rental.created_at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Rental.created_at < _day_start(filters.date_to + timedelta(days=1)))
    return query


def _sort_for(filters: RentalFilters, principal: Principal) -> tuple[UnaryExpression[Any], ...]:
    sort = filters.sort
    if sort in OWNER_ONLY_SORTS and not principal.allows(admin.OWNER):
        sort = "newest"
    return SORTS[sort]


def _row(rental: Rental, money: bool) -> RentalRow:
    return RentalRow(
        id=rental.id,
        created_at=rental.created_at,
        status=rental.status,
        customer_name=rental.customer_name,
        customer_email=rental.customer_email,
        customer_phone=rental.customer_phone,
        collectible_name=rental.collectible_name,
        store_id=rental.store_id,
        duration_days=rental.duration_days,
        total_centavos=rental.total_centavos if money else None,
    )


def _search(
    session: Session, filters: RentalFilters, principal: Principal, page: int
) -> RentalPage:
    query = _filtered(filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rentals = session.exec(
        query.order_by(*_sort_for(filters, principal))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    money = principal.allows(admin.OWNER)
    return RentalPage([_row(r, money) for r in rentals], total, page, pages)


async def search_rentals(
    filters: RentalFilters,
    principal: Principal,
    *,
    page: int = 1,
    uow: UnitOfWork,
) -> RentalPage:
    """One page (PAGE_SIZE rows) of the rentals matching the filters, sorted."""
    return await uow.run(_search, filters, principal, page)


def _stores(session: Session) -> list[tuple[str, str]]:
    return [(s.id, s.name) for s in session.exec(select(Store).order_by(Store.name)).all()]


async def store_choices(*, uow: UnitOfWork) -> list[tuple[str, str]]:
    return await uow.run(_stores)


# -- one rental ------------------------------------------------------------------------------


def available_actions(rental: Rental, principal: Principal) -> list[str]:
    actions = []
    if rental.status == status.PAID:
        actions.append("ready_for_pickup")
    if rental.status == status.READY_FOR_PICKUP:
        actions.append("picked_up")
    if rental.status == status.PICKED_UP:
        actions.append("returned")
    if rental.status == status.PENDING_PAYMENT:
        actions.append("release_hold")
    if principal.allows(admin.OWNER):
        if rental.payment_id and (rental.status in refunds.REFUNDABLE or rental.needs_refund):
            actions.append("refund")
        if rental.needs_refund:
            actions.append("resolve_flag")
    return actions


def _detail(session: Session, rental_id: str, principal: Principal) -> RentalDetail:
    rental = session.get(Rental, rental_id)
    if rental is None:
        raise NotFound(f"Rental {rental_id!r} not found.")
    warehouse = session.get(Warehouse, rental.warehouse_id)
    store = session.get(Store, rental.store_id)
    rows = session.exec(
        select(RentalEvent)
        .where(RentalEvent.rental_id == rental_id)
        .order_by(col(RentalEvent.created_at), col(RentalEvent.id))
    ).all()
    money = principal.allows(admin.OWNER)
    return RentalDetail(
        id=rental.id,
        status=rental.status,
        created_at=rental.created_at,
        paid_at=rental.paid_at,
        hold_expires_at=rental.hold_expires_at,
        customer_name=rental.customer_name,
        customer_email=rental.customer_email,
        customer_phone=rental.customer_phone,
        customer_address=rental.customer_address,
        customer_city=rental.customer_city,
        customer_postal_code=rental.customer_postal_code,
        collectible_id=rental.collectible_id,
        collectible_name=rental.collectible_name,
        unit_id=rental.unit_id,
        unit_held=rental.status in status.LIVE_STATUSES,  # a live rental keeps its window
        warehouse_id=rental.warehouse_id,
        warehouse_name=warehouse.name if warehouse else rental.warehouse_id,
        store_id=rental.store_id,
        store_name=store.name if store else rental.store_id,
        eta_days=rental.eta_days,
        duration_days=rental.duration_days,
        payment_method=rental.payment_method,
        payment_id=rental.payment_id,
        needs_refund=rental.needs_refund,
        daily_rate_centavos=rental.daily_rate_centavos if money else None,
        total_centavos=rental.total_centavos if money else None,
        refunded_centavos=rental.refunded_centavos if money else None,
        refund_id=rental.refund_id if money else None,
        events=[EventRow(e.created_at, e.actor, e.from_status, e.to_status, e.note) for e in rows],
        actions=available_actions(rental, principal),
    )


async def rental_detail(rental_id: str, principal: Principal, *, uow: UnitOfWork) -> RentalDetail:
    return await uow.run(_detail, rental_id, principal)


# -- actions ---------------------------------------------------------------------------------

STEP_ACTIONS = {
    "ready_for_pickup": status.READY_FOR_PICKUP,
    "picked_up": status.PICKED_UP,
    "returned": status.RETURNED,
}


def _step(session: Session, rental_id: str, to_status: str, principal: Principal, ip: str) -> bool:
    rental = lifecycle.load_for_update(session, rental_id)
    changed = lifecycle.transition(session, rental, to_status, principal.actor)
    if changed:
        audit.record(session, principal.username, f"rental_{to_status}", rental_id, ip=ip)
    return changed


async def advance(
    rental_id: str,
    step: str,
    principal: Principal,
    *,
    ip: str = "",
    uow: UnitOfWork,
) -> bool:
    """ready_for_pickup / picked_up / returned (the unit goes back in stock). False: it was
    already there (nothing changed). Conflict when the step does not follow the lifecycle."""
    if step not in STEP_ACTIONS:
        raise InvalidInput(f"Unknown step {step!r}.", field="step")
    return await uow.run(_step, rental_id, STEP_ACTIONS[step], principal, ip)


def _release(session: Session, rental_id: str, principal: Principal, ip: str) -> bool:
    rental = lifecycle.load_for_update(session, rental_id)
    if rental.status in (status.CANCELLED, status.EXPIRED):
        return False
    if rental.status != status.PENDING_PAYMENT:
        raise Conflict("Only a hold that is waiting for payment can be released.")
    lifecycle.transition(session, rental, status.CANCELLED, principal.actor, "Hold released.")
    audit.record(session, principal.username, "hold_released", rental_id, ip=ip)
    return True


async def release_hold(
    rental_id: str, principal: Principal, *, ip: str = "", uow: UnitOfWork
) -> bool:
    """Cancel a rental still waiting for payment and free its unit (its PayMongo page is then
    closed by the expiry sweep). A payment that still arrives is flagged for refund."""
    return await uow.run(_release, rental_id, principal, ip)


def _resolve(session: Session, rental_id: str, note: str, principal: Principal, ip: str) -> bool:
    rental = lifecycle.load_for_update(session, rental_id)
    if not rental.needs_refund:
        return False
    rental.needs_refund = False
    session.add(rental)
    text = f"Refund flag resolved: {note}"
    lifecycle.record(session, rental, rental.status, principal.actor, text)
    audit.record(session, principal.username, "refund_flag_resolved", rental_id, note, ip)
    return True


def _require_owner(principal: Principal) -> None:
    if not principal.allows(admin.OWNER):
        raise Conflict("Only the owner can do that.")


async def resolve_refund_flag(
    rental_id: str,
    note: str,
    principal: Principal,
    *,
    ip: str = "",
    uow: UnitOfWork,
) -> bool:
    """Clear a 'needs refund' flag without refunding here (settled another way); the note
    says how. False when the rental was not flagged."""
    _require_owner(principal)
    note = (note or "").strip()
    if not note:
        raise InvalidInput("Say how it was settled.", field="note")
    return await uow.run(_resolve, rental_id, note[:300], principal, ip)


def _audit_refund(
    session: Session, principal: Principal, rental_id: str, detail: str, ip: str
) -> None:
    audit.record(session, principal.username, "rental_refunded", rental_id, detail, ip)


async def refund(
    rental_id: str,
    principal: Principal,
    *,
    gateway: PaymentGateway,
    amount_centavos: int | None = None,
    reason: str = "requested_by_customer",
    note: str = "",
    ip: str = "",
    uow: UnitOfWork,
) -> str:
    """Cancel with a PayMongo refund (whole or part); the rental ends and its unit is freed."""
    _require_owner(principal)
    refund_id = await refunds.refund_rental(
        rental_id,
        gateway=gateway,
        actor=principal.actor,
        reason=reason,
        amount_centavos=amount_centavos,
        note=(note or "").strip()[:300],
        uow=uow,
    )
    amount = "in full" if amount_centavos is None else format_php(amount_centavos)
    await uow.run(_audit_refund, principal, rental_id, f"{amount} ({reason}) {note}"[:500], ip)
    return refund_id


# -- CSV export ------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "created_at",
    "status",
    "customer_name",
    "customer_email",
    "customer_phone",
    "collectible",
    "store_id",
    "duration_days",
    "total_php",
)
CSV_CHUNK = 500


def _chunk(
    session: Session, filters: RentalFilters, principal: Principal, offset: int
) -> list[RentalRow]:
    rentals = session.exec(
        _filtered(filters).order_by(*_sort_for(filters, principal)).offset(offset).limit(CSV_CHUNK)
    ).all()
    return [_row(r, True) for r in rentals]


def _csv_line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([admin.spreadsheet_safe(v) for v in values])
    return buffer.getvalue()


async def export_csv(
    filters: RentalFilters, principal: Principal, *, uow: UnitOfWork
) -> AsyncIterator[str]:
    """The filtered rentals as CSV lines, read CSV_CHUNK rows at a time (owner only: money)."""
    _require_owner(principal)
    yield _csv_line(CSV_COLUMNS)
    offset = 0
    while True:
        rows = await uow.run(_chunk, filters, principal, offset)
        for row in rows:
            pesos, cents = divmod(row.total_centavos or 0, 100)
            yield _csv_line(
                (
                    row.id,
                    row.created_at.isoformat(),
                    row.status,
                    row.customer_name,
                    row.customer_email,
                    row.customer_phone,
                    row.collectible_name,
                    row.store_id,
                    row.duration_days,
                    f"{pesos}.{cents:02d}",
                )
            )
        if len(rows) < CSV_CHUNK:
            return
        offset += CSV_CHUNK
