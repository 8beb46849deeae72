"""Units: stock, the nearest free unit, and the atomic hold/release of a unit.

A unit is free when `unit.current_rental_id IS NULL`. Holding it is one conditional UPDATE
(`... WHERE id = :unit AND current_rental_id IS NULL`), so two transactions can never both
take it; on PostgreSQL the candidate is also locked with `FOR UPDATE SKIP LOCKED`, in the
allocation order (nearest, then warehouse id, then unit id), so concurrent holds spread over
the free units instead of queueing on the first one.

The candidate is looked up warehouse by warehouse, nearest first, among the warehouses that
have a free unit of the collectible (one query); each lookup reads one entry of the partial
index `ix_unit_free` (collectible, warehouse, unit id; free units only), so a hold costs the
same with 24 units or with millions, and "out of stock" is usually a single query.

Units blocked for maintenance today (`UnitBlock`) are not free: they are neither counted
as stock nor held.

Holds and releases note the collectible in `services.stock_changes`; the unit of work
announces them when the transaction commits, so the catalog's in-process snapshot re-counts
exactly those collectibles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, update
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain.allocation import Candidate
from mongocollectibles.domain.errors import OutOfStock
from mongocollectibles.domain.units import shop_today
from mongocollectibles.models import Distance, Unit, UnitBlock, Warehouse
from mongocollectibles.services import stock_changes

MAX_HOLD_ATTEMPTS = 20
OUT_OF_STOCK = "Sorry, this collectible is out of stock right now. Try another store later."


def not_in_maintenance(on: date | None = None) -> ColumnElement[bool]:
    """The unit has no maintenance block covering `on` (default: the shop's today)."""
    day = on or shop_today()
    return ~(
        select(UnitBlock.id)
        .where(
            col(UnitBlock.unit_id) == col(Unit.id),
            col(UnitBlock.starts_on) <= day,
            col(UnitBlock.ends_on) >= day,
        )
        .exists()
    )


def any_in_maintenance(session: Session, on: date | None = None) -> bool:
    """Whether any unit is blocked for maintenance on `on` (default: the shop's today)."""
    day = on or shop_today()
    found = session.exec(
        select(UnitBlock.id)
        .where(col(UnitBlock.starts_on) <= day, col(UnitBlock.ends_on) >= day)
        .limit(1)
    ).first()
    return found is not None


def _free_unit_filter(collectible_id: str) -> tuple[ColumnElement[bool] | Mapped[bool], ...]:
    return (
        col(Unit.collectible_id) == collectible_id,
        col(Unit.current_rental_id).is_(None),
        col(Unit.active),
        not_in_maintenance(),
    )


def _stocked_warehouses(
    session: Session, collectible_id: str, store_id: str
) -> list[tuple[str, int]]:
    """The active warehouses that deliver to `store_id` and hold a free unit of the
    collectible now, in allocation order: [(warehouse_id, km), ...] (one indexed probe each)."""
    has_free_unit = (
        select(Unit.id)
        .where(
            col(Unit.warehouse_id) == col(Distance.warehouse_id),
            *_free_unit_filter(collectible_id),
        )
        .exists()
    )
    return list(
        session.exec(
            select(Distance.warehouse_id, Distance.km)
            .join(Warehouse, col(Warehouse.id) == col(Distance.warehouse_id))
            .where(Distance.store_id == store_id, col(Warehouse.active), has_free_unit)
            .order_by(col(Distance.km), col(Distance.warehouse_id))
        ).all()
    )


def _first_free(
    session: Session, collectible_id: str, warehouse_id: str, lock: bool, skip_locked: bool = True
) -> str | None:
    query = (
        select(Unit.id)
        .where(Unit.warehouse_id == warehouse_id, *_free_unit_filter(collectible_id))
        .order_by(Unit.id)
        .limit(1)
    )
    if lock:
        # Waiting (skip_locked False): when the row's locker commits having taken it,
        # PostgreSQL re-checks the condition and moves on to the next free row.
        query = query.with_for_update(skip_locked=skip_locked)
    return session.exec(query).first()


def free_counts(
    session: Session, collectible_ids: Iterable[str] | None = None
) -> dict[str, dict[str, int]]:
    """Free units per collectible per (active) warehouse: {collectible_id: {warehouse_id: n}}.

    Only the given collectibles when `collectible_ids` is given (one is an index range scan).
    """
    counted = select(Unit.collectible_id, Unit.warehouse_id, func.count().label("free")).where(
        col(Unit.current_rental_id).is_(None), col(Unit.active)
    )
    if any_in_maintenance(session):  # else no per-unit probe: the count costs what it did
        counted = counted.where(not_in_maintenance())
    if collectible_ids is not None:
        counted = counted.where(col(Unit.collectible_id).in_(list(collectible_ids)))
    # Count first, then keep the active warehouses: the join touches a handful of groups,
    # not every unit.
    groups = counted.group_by(Unit.collectible_id, Unit.warehouse_id).subquery()
    rows = session.exec(
        select(groups.c.collectible_id, groups.c.warehouse_id, groups.c.free)
        .join(Warehouse, col(Warehouse.id) == groups.c.warehouse_id)
        .where(col(Warehouse.active))
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for collectible_id, warehouse_id, count in rows:
        counts[collectible_id][warehouse_id] = count
    return counts


def hold_unit(session: Session, *, collectible_id: str, store_id: str, rental_id: str) -> Candidate:
    """Take the nearest free unit for `rental_id`, atomically; raise OutOfStock when none is free.

    On PostgreSQL the first pass skips rows other transactions have locked (so concurrent holds
    spread over the free units); a unit skipped that way may still come free (its locker may
    roll back), so when the first pass finds nothing a second pass waits for those locks
    instead of skipping them. "Out of stock" therefore means no unit was free once every
    competing transaction had finished with it. The caller commits (or rolls back).
    """
    passes = (True, False) if is_postgres(session) else (False,)
    for skip_locked in passes:
        found = _hold_pass(session, collectible_id, store_id, rental_id, skip_locked)
        if found is not None:
            return found
    raise OutOfStock(OUT_OF_STOCK)


def _hold_pass(
    session: Session, collectible_id: str, store_id: str, rental_id: str, skip_locked: bool
) -> Candidate | None:
    lock = is_postgres(session)
    attempts = 0
    for warehouse_id, km in _stocked_warehouses(session, collectible_id, store_id):
        while attempts < MAX_HOLD_ATTEMPTS:
            attempts += 1
            unit_id = _first_free(session, collectible_id, warehouse_id, lock, skip_locked)
            if unit_id is None:
                break  # none free here: the next warehouse
            taken = session.execute(
                update(Unit)
                .where(col(Unit.id) == unit_id, col(Unit.current_rental_id).is_(None))
                .values(current_rental_id=rental_id)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
                stock_changes.note(session, collectible_id)
                return Candidate(unit_id=unit_id, warehouse_id=warehouse_id, km=km)
        if attempts >= MAX_HOLD_ATTEMPTS:
            break
    return None


def release_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Free the unit if (and only if) this rental holds it. Idempotent."""
    freed = session.execute(
        update(Unit)
        .where(col(Unit.id) == unit_id, col(Unit.current_rental_id) == rental_id)
        .values(current_rental_id=None)
        .returning(col(Unit.collectible_id))
    ).all()
    for (collectible_id,) in freed:
        stock_changes.note(session, collectible_id)
    return len(freed) == 1


def rehold_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Take back a specific unit for a rental (a payment after its hold expired), if still free."""
    taken = session.execute(
        update(Unit)
        .where(
            col(Unit.id) == unit_id,
            col(Unit.current_rental_id).is_(None),
            col(Unit.active),
            not_in_maintenance(),
        )
        .values(current_rental_id=rental_id)
        .returning(col(Unit.collectible_id))
    ).all()
    for (collectible_id,) in taken:
        stock_changes.note(session, collectible_id)
    return len(taken) == 1
