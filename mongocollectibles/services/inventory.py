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

Holds and releases note the collectible in `services.stock_changes`; the unit of work
announces them when the transaction commits, so the catalog's in-process snapshot re-counts
exactly those collectibles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, update
from sqlmodel import Session, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain.allocation import Candidate
from mongocollectibles.domain.errors import OutOfStock
from mongocollectibles.models import Distance, Unit, Warehouse
from mongocollectibles.services import stock_changes

MAX_HOLD_ATTEMPTS = 20
OUT_OF_STOCK = "Sorry, this collectible is out of stock right now. Try another store later."


def _free_unit_filter(collectible_id: str):  # noqa: ANN202
    return (
        Unit.collectible_id == collectible_id,
        Unit.current_rental_id.is_(None),
        Unit.active,
    )


def _stocked_warehouses(session: Session, collectible_id: str, store_id: str) -> list:
    """The active warehouses that deliver to `store_id` and hold a free unit of the
    collectible now, in allocation order: [(warehouse_id, km), ...] (one indexed probe each)."""
    has_free_unit = (
        select(Unit.id)
        .where(Unit.warehouse_id == Distance.warehouse_id, *_free_unit_filter(collectible_id))
        .exists()
    )
    return list(
        session.exec(
            select(Distance.warehouse_id, Distance.km)
            .join(Warehouse, Warehouse.id == Distance.warehouse_id)
            .where(Distance.store_id == store_id, Warehouse.active, has_free_unit)
            .order_by(Distance.km, Distance.warehouse_id)
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
        Unit.current_rental_id.is_(None), Unit.active
    )
    if collectible_ids is not None:
        counted = counted.where(Unit.collectible_id.in_(list(collectible_ids)))
    # Count first, then keep the active warehouses: the join touches a handful of groups,
    # not every unit.
    groups = counted.group_by(Unit.collectible_id, Unit.warehouse_id).subquery()
    rows = session.exec(
        select(groups.c.collectible_id, groups.c.warehouse_id, groups.c.free)
        .join(Warehouse, Warehouse.id == groups.c.warehouse_id)
        .where(Warehouse.active)
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
                .where(Unit.id == unit_id, Unit.current_rental_id.is_(None))
                .values(current_rental_id=rental_id)
            )
            if taken.rowcount == 1:
                stock_changes.note(session, collectible_id)
                return Candidate(unit_id=unit_id, warehouse_id=warehouse_id, km=km)
        if attempts >= MAX_HOLD_ATTEMPTS:
            break
    return None


def release_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Free the unit if (and only if) this rental holds it. Idempotent."""
    freed = session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.current_rental_id == rental_id)
        .values(current_rental_id=None)
        .returning(Unit.collectible_id)
    ).all()
    for (collectible_id,) in freed:
        stock_changes.note(session, collectible_id)
    return len(freed) == 1


def rehold_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Take back a specific unit for a rental (a payment after its hold expired), if still free."""
    taken = session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.current_rental_id.is_(None), Unit.active)
        .values(current_rental_id=rental_id)
        .returning(Unit.collectible_id)
    ).all()
    for (collectible_id,) in taken:
        stock_changes.note(session, collectible_id)
    return len(taken) == 1
