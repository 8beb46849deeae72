"""Units: stock, the nearest free unit, and the atomic hold/release of a unit.

A unit is free when `unit.current_rental_id IS NULL`. Holding it is one conditional UPDATE
(`... WHERE id = :unit AND current_rental_id IS NULL`), so two transactions can never both
take it; on PostgreSQL the candidate is also locked with `FOR UPDATE SKIP LOCKED`, in the
allocation order (nearest, then warehouse id, then unit id), so concurrent holds spread over
the free units instead of queueing on the first one.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, update
from sqlmodel import Session, select

from mongocollectibles.db import is_postgres
from mongocollectibles.domain.allocation import Candidate
from mongocollectibles.domain.errors import OutOfStock
from mongocollectibles.models import Distance, Unit, Warehouse

MAX_HOLD_ATTEMPTS = 20


def _free_units():
    return (
        select(Unit.id, Unit.warehouse_id, Distance.km)
        .join(Warehouse, Warehouse.id == Unit.warehouse_id)
        .join(Distance, Distance.warehouse_id == Unit.warehouse_id)
        .where(Unit.current_rental_id.is_(None), Unit.active, Warehouse.active)
    )


def nearest_free_unit(session: Session, collectible_id: str, store_id: str) -> Candidate | None:
    """The unit a checkout would take now (nothing is reserved)."""
    row = session.exec(
        _free_units()
        .where(Unit.collectible_id == collectible_id, Distance.store_id == store_id)
        .order_by(Distance.km, Unit.warehouse_id, Unit.id)
        .limit(1)
    ).first()
    return Candidate(unit_id=row[0], warehouse_id=row[1], km=row[2]) if row else None


def free_counts(session: Session) -> dict[str, dict[str, int]]:
    """Free units per collectible per (active) warehouse: {collectible_id: {warehouse_id: n}}."""
    rows = session.exec(
        select(Unit.collectible_id, Unit.warehouse_id, func.count())
        .join(Warehouse, Warehouse.id == Unit.warehouse_id)
        .where(Unit.current_rental_id.is_(None), Unit.active, Warehouse.active)
        .group_by(Unit.collectible_id, Unit.warehouse_id)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for collectible_id, warehouse_id, count in rows:
        counts[collectible_id][warehouse_id] = count
    return counts


def hold_unit(session: Session, *, collectible_id: str, store_id: str, rental_id: str) -> Candidate:
    """Take the nearest free unit for `rental_id`, atomically; raise OutOfStock when none is free.

    The caller commits (or rolls back) the transaction.
    """
    for _ in range(MAX_HOLD_ATTEMPTS):
        query = (
            _free_units()
            .where(Unit.collectible_id == collectible_id, Distance.store_id == store_id)
            .order_by(Distance.km, Unit.warehouse_id, Unit.id)
            .limit(1)
        )
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True, of=Unit)
        row = session.exec(query).first()
        if row is None:
            break
        taken = session.execute(
            update(Unit)
            .where(Unit.id == row[0], Unit.current_rental_id.is_(None))
            .values(current_rental_id=rental_id)
        )
        if taken.rowcount == 1:
            return Candidate(unit_id=row[0], warehouse_id=row[1], km=row[2])
    raise OutOfStock("Sorry, this collectible is out of stock right now. Try another store later.")


def release_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Free the unit if (and only if) this rental holds it. Idempotent."""
    result = session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.current_rental_id == rental_id)
        .values(current_rental_id=None)
    )
    return result.rowcount == 1


def rehold_unit(session: Session, *, unit_id: str, rental_id: str) -> bool:
    """Take back a specific unit for a rental (a payment after its hold expired), if still free."""
    result = session.execute(
        update(Unit)
        .where(Unit.id == unit_id, Unit.current_rental_id.is_(None), Unit.active)
        .values(current_rental_id=rental_id)
    )
    return result.rowcount == 1
