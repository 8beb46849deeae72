"""The owner's units: the physical copies of each collectible in each warehouse.

A unit's state (free, held, rented, maintenance, retired; `domain.units`) comes from the
live rental whose window contains today, its maintenance blocks and whether it is retired.
Units are never deleted (rentals reference them): retiring takes one out of stock for good
(refused while a live rental is out or booked ahead on it), a maintenance block takes it out
for a range of days (bookings never take a unit over a window touching its blocks).
Adding, retiring and putting back units, and adding and removing maintenance blocks, are
recorded in the audit log with who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from mongocollectibles.domain.errors import Conflict, InvalidInput, NotFound
from mongocollectibles.domain.reservations import Window
from mongocollectibles.domain.units import shop_today, unit_state
from mongocollectibles.models import Collectible, Unit, UnitBlock, Warehouse
from mongocollectibles.services import audit, catalog_version, reservations
from mongocollectibles.services.unit_of_work import UnitOfWork

MAX_UNITS_AT_ONCE = 1000


@dataclass(frozen=True)
class BlockView:
    id: int
    unit_id: str
    starts_on: date
    ends_on: date
    reason: str
    created_by: str


@dataclass(frozen=True)
class UnitView:
    id: str
    collectible_id: str
    warehouse_id: str
    state: str  # domain.units.UNIT_STATES
    rental_id: str | None
    blocks: tuple[BlockView, ...]  # current and future maintenance blocks


def _block_view(b: UnitBlock) -> BlockView:
    assert b.id is not None
    return BlockView(b.id, b.unit_id, b.starts_on, b.ends_on, b.reason, b.created_by)


def _list(
    session: Session, collectible_id: str | None, warehouse_id: str | None, today: date
) -> list[UnitView]:
    query = select(Unit)
    if collectible_id is not None:
        query = query.where(col(Unit.collectible_id) == collectible_id)
    if warehouse_id is not None:
        query = query.where(col(Unit.warehouse_id) == warehouse_id)
    rows = session.exec(query.order_by(col(Unit.collectible_id), col(Unit.id))).all()
    blocks: dict[str, list[BlockView]] = {}
    ids = [unit.id for unit in rows]
    holding = reservations.live_rentals_on(session, ids, today)
    if ids:
        for b in session.exec(
            select(UnitBlock)
            .where(col(UnitBlock.unit_id).in_(ids), col(UnitBlock.ends_on) >= today)
            .order_by(col(UnitBlock.starts_on), col(UnitBlock.id))
        ).all():
            blocks.setdefault(b.unit_id, []).append(_block_view(b))
    views = []
    for unit in rows:
        rental_id, status = holding.get(unit.id, (None, None))
        mine = tuple(blocks.get(unit.id, ()))
        in_maintenance = any(b.starts_on <= today <= b.ends_on for b in mine)
        views.append(
            UnitView(
                id=unit.id,
                collectible_id=unit.collectible_id,
                warehouse_id=unit.warehouse_id,
                state=unit_state(unit.active, status, in_maintenance),
                rental_id=rental_id,
                blocks=mine,
            )
        )
    return views


async def list_units(
    collectible_id: str | None = None,
    warehouse_id: str | None = None,
    *,
    today: date | None = None,
    uow: UnitOfWork,
) -> list[UnitView]:
    return await uow.run(_list, collectible_id, warehouse_id, today or shop_today())


def _unit(session: Session, unit_id: str) -> Unit:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, str) else None
    if unit is None:
        raise NotFound(f"Unit {unit_id!r} not found.")
    return unit


def add_units_in(session: Session, collectible_id: str, warehouse_id: str, count: int) -> list[str]:
    """Add `count` units in the caller's transaction; their ids. The first unit of a pair is
    `{collectible}-{warehouse}` (the seed's naming), the next ones `...-2`, `...-3`, ..."""
    existing = set(
        session.exec(
            select(Unit.id).where(
                col(Unit.collectible_id) == collectible_id, col(Unit.warehouse_id) == warehouse_id
            )
        ).all()
    )
    base = f"{collectible_id}-{warehouse_id}"
    added: list[str] = []
    n = 1
    while len(added) < count:
        unit_id = base if n == 1 else f"{base}-{n}"
        n += 1
        if unit_id in existing or session.get(Unit, unit_id) is not None:
            continue
        session.add(Unit(id=unit_id, collectible_id=collectible_id, warehouse_id=warehouse_id))
        added.append(unit_id)
    session.flush()
    if added:
        catalog_version.changed(session)
    return added


def _added_detail(warehouse_id: str, added: list[str]) -> str:
    # A big batch names its first and last unit: the log's detail has room for 500 characters.
    names = ", ".join(added) if len(added) <= 10 else f"{added[0]} ... {added[-1]}"
    return f"{len(added)} unit(s) in {warehouse_id}: {names}"


def _add(
    session: Session, collectible_id: str, warehouse_id: str, count: object, actor: str
) -> list[str]:
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not (1 <= count <= MAX_UNITS_AT_ONCE)
    ):
        raise InvalidInput(
            f"The number of units to add must be a whole number from 1 to {MAX_UNITS_AT_ONCE}.",
            field="count",
        )
    if session.get(Collectible, collectible_id) is None:
        raise NotFound(f"Collectible {collectible_id!r} not found.")
    if session.get(Warehouse, warehouse_id) is None:
        raise NotFound(f"Warehouse {warehouse_id!r} not found.")
    added = add_units_in(session, collectible_id, warehouse_id, count)
    audit.record(
        session, actor, audit.UNITS_ADDED, collectible_id, _added_detail(warehouse_id, added)
    )
    return added


async def add_units(
    collectible_id: str, warehouse_id: str, count: int, *, actor: str, uow: UnitOfWork
) -> list[str]:
    """Add `count` new free units of a collectible in a warehouse; their ids."""
    return await uow.run(_add, collectible_id, warehouse_id, count, actor)


def _unit_detail(unit: Unit) -> str:
    return f"unit {unit.id} of {unit.collectible_id} in {unit.warehouse_id}"


def retire_in(session: Session, unit_id: str) -> bool:
    """Retire a unit in the caller's transaction; False if it was retired already."""
    unit = _unit(session, unit_id)
    booked = reservations.booked_units(session, [unit.id], shop_today()).get(unit.id)
    if booked is not None:
        raise Conflict(
            f"Unit {unit_id} is on rental {booked}; retire it once it is back "
            "and its bookings are over."
        )
    if not unit.active:
        return False
    unit.active = False
    session.add(unit)
    session.flush()
    catalog_version.changed(session)
    return True


def _retire(session: Session, unit_id: str, actor: str) -> None:
    if retire_in(session, unit_id):
        unit = _unit(session, unit_id)
        audit.record(session, actor, audit.UNIT_RETIRED, unit.id, _unit_detail(unit))


async def retire_unit(unit_id: str, *, actor: str, uow: UnitOfWork) -> None:
    """Take a unit out of stock for good (refused while a rental holds it)."""
    await uow.run(_retire, unit_id, actor)


def _restore(session: Session, unit_id: str, actor: str) -> None:
    unit = _unit(session, unit_id)
    if unit.active:
        return
    unit.active = True
    session.add(unit)
    session.flush()
    catalog_version.changed(session)
    audit.record(session, actor, audit.UNIT_RESTORED, unit.id, _unit_detail(unit))


async def restore_unit(unit_id: str, *, actor: str, uow: UnitOfWork) -> None:
    """Put a retired unit back in stock (an active one stays as it is)."""
    await uow.run(_restore, unit_id, actor)


def _block_detail(unit: Unit, block: UnitBlock) -> str:
    days = f"{block.starts_on} to {block.ends_on}"
    return f"{_unit_detail(unit)}: {days}" + (f" ({block.reason})" if block.reason else "")


def _block(
    session: Session, unit_id: str, starts_on: date, ends_on: date, reason: str, actor: str
) -> BlockView:
    unit = _unit(session, unit_id)
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise InvalidInput("Start and end must be dates.", field="starts_on")
    if ends_on < starts_on:
        raise InvalidInput("The block must end on or after its first day.", field="ends_on")
    if ends_on < shop_today():
        raise InvalidInput("The block is entirely in the past.", field="ends_on")
    if len(reason) > 300:
        raise InvalidInput("The reason can be at most 300 characters.", field="reason")
    reservations.lock_unit(session, unit.id)
    days = Window(start=starts_on, end=ends_on + timedelta(days=1))
    booked = reservations.rentals_over(session, unit.id, days)
    if booked:
        raise Conflict(
            f"Unit {unit_id} is booked on some of those days ({', '.join(booked)}); "
            "block other days, or move or cancel those rentals first."
        )
    block = UnitBlock(
        unit_id=unit.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=actor[:100],
    )
    session.add(block)
    session.flush()
    catalog_version.changed(session)
    audit.record(session, actor, audit.UNIT_BLOCKED, unit.id, _block_detail(unit, block))
    return _block_view(block)


async def block_unit(
    unit_id: str,
    starts_on: date,
    ends_on: date,
    *,
    reason: str = "",
    actor: str,
    uow: UnitOfWork,
) -> BlockView:
    """Block a unit for maintenance from `starts_on` to `ends_on` (both included)."""
    return await uow.run(_block, unit_id, starts_on, ends_on, reason, actor)


def _unblock(session: Session, block_id: int, actor: str) -> None:
    # An id from a hand-made request may be anything: only a whole number can name a block.
    is_id = isinstance(block_id, int) and not isinstance(block_id, bool)
    block = session.get(UnitBlock, block_id) if is_id else None
    if block is None:
        raise NotFound(f"Maintenance block {block_id!r} not found.")
    unit = _unit(session, block.unit_id)
    audit.record(session, actor, audit.UNIT_UNBLOCKED, unit.id, _block_detail(unit, block))
    session.delete(block)
    session.flush()
    catalog_version.changed(session)


async def unblock_unit(block_id: int, *, actor: str, uow: UnitOfWork) -> None:
    """Remove a maintenance block (the unit is back in stock on those days)."""
    await uow.run(_unblock, block_id, actor)


def active_unit_counts(session: Session) -> dict[tuple[str, str], int]:
    """Active (not retired) units per (collectible, warehouse)."""
    rows = session.exec(
        select(Unit.collectible_id, Unit.warehouse_id, func.count())
        .where(col(Unit.active))
        .group_by(col(Unit.collectible_id), col(Unit.warehouse_id))
    ).all()
    return {(c, w): int(n) for c, w, n in rows}
